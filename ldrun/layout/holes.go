package layout

import (
	"cmp"
	"debug/elf"
	"fmt"
	"math/bits"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
)

// explainer is what Read knows beside the image: the objects, the map,
// the script, the declared alignments; and what it derives from them:
// where each input section went, and what each script statement did.
type explainer struct {
	lay    *Layout
	arch   *arches.Arch
	src    Sources
	fill   *filler
	bytes  *bytesReader
	script *scriptItems
	// declared maps unit and symbol to the scenario's alignment.
	declared map[[2]string]uint64
	// objects finds an object by the name a map gives it.
	objects objectIndex
	// placed are the input sections found in each allocated section,
	// keyed by its index in lay.Sections, in address order.
	placed map[int][]*placed
	// byWhere finds a placed input section by "obj(sec)"; Check makes
	// it when it needs it.
	byWhere map[string]*placed
	// pieces are what the map's or the script's statements did to the
	// bytes between input sections, by the section they are in (-1
	// between sections), in address order.
	pieces map[int][]piece
	// covered are the sections the map or a script replay explains:
	// what they leave unexplained is content, not inferred padding.
	covered map[int]bool
	// symbols are lay.Symbols grouped by the section they are in.
	symbols map[int][]*Symbol
	// objSyms are the symbols the objects define, by name.
	objSyms map[string][]objSym
	// slab is where newPlaced takes input sections from: a kernel's map
	// places 100,000, which cost less as a few blocks than one object each.
	slab []placed
	// mapped says a link map was replayed.
	mapped bool
}

// newPlaced returns a new input section from the slab.
func (ex *explainer) newPlaced(p placed) *placed {
	if len(ex.slab) == cap(ex.slab) {
		ex.slab = make([]placed, 0, 1024)
	}
	ex.slab = append(ex.slab, p)
	return &ex.slab[len(ex.slab)-1]
}

// placed is an input section at its address in the image.
type placed struct {
	obj, name  string
	addr, size uint64
	// align is the input section's alignment when exact (from its object
	// or an lld map); otherwise lo and hi bound it (a GNU ld map).
	align  uint64
	lo, hi uint64
	sec    int // index in lay.Sections
	// object is the object it came from, when known.
	object *Object
}

func (p *placed) end() uint64      { return p.addr + p.size }
func (p *placed) where() string    { return p.obj + "(" + p.name + ")" }
func (p *placed) exactAlign() bool { return p.align != 0 || p.lo != 0 && p.lo == p.hi }

// alignment is the input section's alignment, or the largest its address
// allows when not known exactly.
func (p *placed) alignment() uint64 {
	if p.align != 0 {
		return p.align
	}
	return p.hi
}

// piece is a run of bytes between input sections that a statement, or an
// input section's alignment, explains.
type piece struct {
	lo, hi uint64
	// content marks bytes a statement reserves (`. = . + N`), not
	// padding.
	content bool
	// in is the input section whose alignment explains the piece, when
	// one does; else c is the statement's cause. A kernel's map makes a
	// piece per input section, so their causes are made when asked for.
	in *placed
	c  *cause
}

// cause is what explains the piece.
func (pc *piece) cause() cause {
	if pc.in != nil {
		return inputCause(pc.in)
	}
	return *pc.c
}

// text is the piece's cause as a text.
func (pc *piece) text() string {
	if pc.in != nil {
		return inputCause(pc.in).text
	}
	return pc.c.text
}

// cause is what made a hole.
type cause struct {
	kind     CauseKind
	align    uint64
	inferred bool
	text     string
	input    string
	symbol   string
	script   string
}

func newExplainer(l *Layout, f *elf.File, a *arches.Arch, src Sources) *explainer {
	ex := &explainer{lay: l, arch: a, src: src, fill: newFiller(f.Machine, f.Class, f.ByteOrder), bytes: newBytesReader(l.image),
		declared: map[[2]string]uint64{}, placed: map[int][]*placed{}, pieces: map[int][]piece{}, covered: map[int]bool{},
		symbols: map[int][]*Symbol{}}
	for _, d := range src.Aligns {
		ex.declared[[2]string{d.Unit, d.Symbol}] = d.Align
	}
	ex.objects = indexObjects(src.Objects)
	ex.objSyms = map[string][]objSym{}
	for _, o := range src.Objects {
		for _, s := range o.Symbols {
			if s.Section >= 0 && s.Section < len(o.Sections) && o.Sections[s.Section].Flags.Has(elf.SHF_ALLOC) {
				ex.objSyms[s.Name] = append(ex.objSyms[s.Name], objSym{o, s.Section, s.Value})
			}
		}
	}
	if src.Script != "" {
		name := src.ScriptName
		if name == "" {
			name = "link.lds"
		}
		ex.script = readLDS(name, src.Script, l.PageSize)
	}
	ex.groupSymbols()
	switch {
	case src.Map != nil:
		ex.replayMap()
		// What the map says is now in placed and pieces: its items
		// (a kernel's are 10 MB) may go while the bytes are accounted.
		ex.mapped, ex.src.Map = true, nil
	default:
		ex.placeFromObjects()
		if ex.script != nil {
			ex.replayScript()
		}
	}
	for _, ps := range ex.placed {
		slices.SortFunc(ps, func(a, b *placed) int { return cmp.Compare(a.addr, b.addr) })
	}
	for _, ps := range ex.pieces {
		slices.SortStableFunc(ps, func(a, b piece) int { return cmp.Compare(a.lo, b.lo) })
	}
	return ex
}

// groupSymbols lists each allocated section's symbols in address order.
func (ex *explainer) groupSymbols() {
	where := map[elf.SectionIndex]int{}
	for i, s := range ex.lay.Sections {
		if s.Alloc() {
			where[s.index] = i
		}
	}
	// Counted first, so that each section's list is made once.
	in := func(y *Symbol) int {
		if j, ok := where[y.shndx]; ok && y.Section != absSection {
			s := &ex.lay.Sections[j]
			if uint64(y.Addr) >= uint64(s.Addr) && uint64(y.Addr) <= s.End() {
				return j
			}
		}
		return -1
	}
	count := make([]int, len(ex.lay.Sections))
	for i := range ex.lay.Symbols {
		if j := in(&ex.lay.Symbols[i]); j >= 0 {
			count[j]++
		}
	}
	for i := range ex.lay.Symbols {
		y := &ex.lay.Symbols[i]
		if j := in(y); j >= 0 {
			if ex.symbols[j] == nil {
				ex.symbols[j] = make([]*Symbol, 0, count[j])
			}
			ex.symbols[j] = append(ex.symbols[j], y)
		}
	}
}

// sectionAt returns the index of the allocated section called name (any
// name when "") that holds [addr, addr+size), or -1.
func (ex *explainer) sectionAt(name string, addr, size uint64) int {
	secs := ex.lay.Sections
	best := -1
	for i := range secs {
		s := &secs[i]
		if !s.Alloc() || name != "" && s.Name != name {
			continue
		}
		if addr >= uint64(s.Addr) && addr+size <= s.End() && (size == 0 || addr < s.End()) {
			if best < 0 || s.Size > 0 {
				best = i
			}
		}
	}
	return best
}

// objectIndex finds objects by the names maps give them: a path relative
// to the build folder ("mm/mm_init.o"), a thin archive member's, or an
// archive member ("vmlinux.a(mm_init.o)").
type objectIndex map[string][]*Object

func indexObjects(objs []*Object) objectIndex {
	ix := objectIndex{}
	for _, o := range objs {
		name := memberName(o.Name)
		for {
			ix[name] = append(ix[name], o)
			i := strings.IndexByte(name, '/')
			if i < 0 {
				break
			}
			name = name[i+1:]
		}
	}
	return ix
}

// memberName is "x.o" for "lib.a(x.o)", else the name.
func memberName(name string) string {
	if i := strings.LastIndexByte(name, '('); i > 0 && strings.HasSuffix(name, ")") {
		return name[i+1 : len(name)-1]
	}
	return name
}

// find returns the one object a map's file name means, or nil.
func (ix objectIndex) find(name string) *Object {
	if len(ix) == 0 {
		return nil
	}
	name = path.Clean(memberName(name))
	for {
		if objs := ix[name]; len(objs) == 1 {
			return objs[0]
		} else if len(objs) > 1 {
			return nil
		}
		i := strings.IndexByte(name, '/')
		if i < 0 {
			return nil
		}
		name = name[i+1:]
	}
}

// section returns the object's allocated section called name of the given
// size, or nil.
func (o *Object) section(name string, size uint64) *ObjectSection {
	var found *ObjectSection
	for i := range o.Sections {
		s := &o.Sections[i]
		if s.Name == name && s.Flags.Has(elf.SHF_ALLOC) && (s.Size == size || found == nil) {
			found = s
		}
	}
	return found
}

// addPlaced records an input section at its place.
func (ex *explainer) addPlaced(p *placed) {
	ex.placed[p.sec] = append(ex.placed[p.sec], p)
}

// where finds a placed input section by "obj(sec)": the first, in
// address order, when a map names one twice.
func (ex *explainer) where(name string) *placed {
	if ex.byWhere == nil {
		ex.byWhere = map[string]*placed{}
		for i := range ex.lay.Sections {
			for _, p := range ex.placed[i] {
				if _, dup := ex.byWhere[p.where()]; !dup {
					ex.byWhere[p.where()] = p
				}
			}
		}
	}
	return ex.byWhere[name]
}

// placeFromObjects finds where each input section with symbols went: the
// place most of its symbols agree on. Only names that are rare in the
// image vote, so that common local names cost nothing; of two input
// sections claiming the same bytes, the lower one wins, and at one
// address the one more symbols agree on.
func (ex *explainer) placeFromObjects() {
	if len(ex.src.Objects) == 0 {
		return
	}
	type key struct {
		o   *Object
		sec int
	}
	type candidate struct {
		start uint64
		sec   int
	}
	imageCount := map[string]int{}
	for i := range ex.lay.Symbols {
		if _, ok := ex.objSyms[ex.lay.Symbols[i].Name]; ok {
			imageCount[ex.lay.Symbols[i].Name]++
		}
	}
	votes := map[key]map[candidate]int{}
	var order []key
	for sec := range ex.lay.Sections {
		for _, y := range ex.symbols[sec] {
			cands := ex.objSyms[y.Name]
			if len(cands) == 0 || len(cands)*imageCount[y.Name] > 16 {
				continue
			}
			for _, c := range cands {
				if c.off > uint64(y.Addr) {
					continue
				}
				k := key{c.o, c.sec}
				if votes[k] == nil {
					votes[k] = map[candidate]int{}
					order = append(order, k)
				}
				votes[k][candidate{uint64(y.Addr) - c.off, sec}]++
			}
		}
	}
	type vote struct {
		p *placed
		n int
	}
	var found []vote
	for _, k := range order {
		osec := k.o.Sections[k.sec]
		if osec.Size == 0 {
			continue
		}
		align := max(osec.Align, 1)
		var best candidate
		bestVotes, bestAligned := 0, false
		for c, n := range votes[k] {
			s := ex.lay.Sections[c.sec]
			if c.start < uint64(s.Addr) || c.start+osec.Size > s.End() {
				continue
			}
			aligned := c.start%align == 0
			if n > bestVotes || n == bestVotes && (aligned && !bestAligned || aligned == bestAligned && c.start < best.start) {
				best, bestVotes, bestAligned = c, n, aligned
			}
		}
		if bestVotes > 0 {
			found = append(found, vote{&placed{obj: k.o.Name, name: osec.Name, addr: best.start, size: osec.Size, align: align,
				sec: best.sec, object: k.o}, bestVotes})
		}
	}
	slices.SortStableFunc(found, func(a, b vote) int {
		if c := cmp.Compare(a.p.addr, b.p.addr); c != 0 {
			return c
		}
		return cmp.Compare(b.n, a.n)
	})
	for i, v := range found {
		clash := false
		for j := i - 1; j >= 0 && found[j].p.end() > v.p.addr; j-- {
			if found[j].n >= 0 {
				clash = true
				break
			}
		}
		if clash {
			found[i].n = -1
			continue
		}
		ex.addPlaced(v.p)
	}
	for _, ps := range ex.placed {
		slices.SortFunc(ps, func(a, b *placed) int { return cmp.Compare(a.addr, b.addr) })
	}
}

// objSym is a symbol of an object: which section, at which offset.
type objSym struct {
	o   *Object
	sec int
	off uint64
}

// pow2div is the largest power of two that divides a (1<<63 for 0).
func pow2div(a uint64) uint64 {
	if a == 0 {
		return 1 << 63
	}
	return 1 << bits.TrailingZeros64(a)
}

// nextPow2Above is the smallest power of two larger than n.
func nextPow2Above(n uint64) uint64 {
	if n >= 1<<63 {
		return 0
	}
	return 1 << bits.Len64(n)
}

// derive bounds a map-placed input section's alignment when no object
// gives it: at most what its address and its output section allow; at
// least what the padding before it, and before each symbol in it, needs.
func (ex *explainer) derive(p *placed, fillBefore uint64) {
	s := ex.lay.Sections[p.sec]
	p.hi = min(pow2div(p.addr), max(s.Align, 1))
	p.lo = max(p.lo, 1)
	if fillBefore > 0 {
		p.lo = max(p.lo, nextPow2Above(fillBefore))
	}
	code := s.Flags.Has(elf.SHF_EXECINSTR)
	cursor := p.addr
	for _, y := range ex.symbolsIn(p.sec, p.addr, p.end()) {
		a := uint64(y.Addr)
		if a > cursor && a < p.end() {
			gap := a - cursor
			if gap < pow2div(a-p.addr) && ex.isFill(s, cursor, a, code) {
				p.lo = max(p.lo, nextPow2Above(gap))
			}
		}
		cursor = max(cursor, a+y.Size)
	}
}

// symbolsIn returns the symbols of section sec whose addresses are in
// [lo, hi).
func (ex *explainer) symbolsIn(sec int, lo, hi uint64) []*Symbol {
	ys := ex.symbols[sec]
	// Searched by hand, and the end counted from the start: a kernel's
	// map asks for each of its 100,000 input sections, which hold few
	// symbols each.
	i, n := 0, len(ys)
	for i < n {
		m := int(uint(i+n) >> 1)
		if uint64(ys[m].Addr) < lo {
			i = m + 1
		} else {
			n = m
		}
	}
	j := i
	for j < len(ys) && uint64(ys[j].Addr) < hi {
		j++
	}
	return ys[i:j]
}

// isFill reports whether the bytes [lo, hi) of section s are fill.
func (ex *explainer) isFill(s Section, lo, hi uint64, code bool) bool {
	if s.Type == elf.SHT_NOBITS {
		return true
	}
	off := int64(s.offset + (lo - uint64(s.Addr)))
	for n := hi - lo; n > 0; {
		b := ex.bytes.at(off, int(min(n, windowSize)))
		if len(b) == 0 || !ex.fill.isFill(b, code) {
			return false
		}
		off += int64(len(b))
		n -= uint64(len(b))
	}
	return true
}

// inputCause explains padding before input section p.
// The text is made in one string, of which input is the start: a
// kernel's map gives 100,000 such causes.
func inputCause(p *placed) cause {
	c := cause{kind: CauseInputSection}
	var b strings.Builder
	var num [20]byte
	b.Grow(len(p.obj) + len(p.name) + 80)
	b.WriteString(p.obj)
	b.WriteByte('(')
	b.WriteString(p.name)
	b.WriteByte(')')
	n := b.Len()
	switch {
	case p.align != 0:
		c.align = p.align
		b.WriteString(" aligned to ")
		b.Write(strconv.AppendUint(num[:0], p.align, 10))
	case p.lo == p.hi:
		c.align = p.hi
		b.WriteString(" aligned to ")
		b.Write(strconv.AppendUint(num[:0], p.hi, 10))
		b.WriteString(" (derived from the map)")
	default:
		c.align, c.inferred = p.hi, true
		b.WriteString(" aligned to at least ")
		b.Write(strconv.AppendUint(num[:0], p.hi, 10))
		b.WriteString(" (inferred from its address)")
	}
	c.text = b.String()
	c.input = c.text[:n]
	return c
}

// explains reports whether an alignment of n makes a gap of gap bytes
// before address a.
func explains(n, a, gap uint64) bool { return n > gap && a%max(n, 1) == 0 }

// outputCause explains a gap before output section s by its alignment,
// traced to the input section that raised it.
func (ex *explainer) outputCause(si int) cause {
	s := ex.lay.Sections[si]
	c := cause{kind: CauseOutputSection, align: s.Align, text: fmt.Sprintf("output section %s aligned to %d", s.Name, s.Align)}
	for _, p := range ex.placed[si] {
		if p.exactAlign() && p.alignment() == s.Align {
			c.input = p.where()
			c.text += " by " + p.where()
			break
		}
	}
	return c
}
