package layout

import (
	"cmp"
	"debug/elf"
	"fmt"
	"slices"
)

// account labels every byte of every allocated section: a symbol's,
// padding with its cause, or content; and explains the gaps between
// allocated sections of one address space.
func (l *Layout) account(ex *explainer) {
	l.src = ex
	l.Content = []Content{}
	acc := &accountant{l: l, ex: ex, endOf: make([]string, len(l.Sections))}
	// A map's or a script's pieces are most of the holes: room for them
	// at once spares the holes' chunks and their copy.
	n := 0
	for _, ps := range ex.pieces {
		n += len(ps)
	}
	acc.holes.reserve(n + 256)
	for i := range l.Sections {
		if l.Sections[i].Alloc() {
			acc.section(i)
			l.Bytes.add(l.Sections[i].Bytes)
		}
	}
	acc.betweenSections()
	l.Holes = acc.holes.sortedByAddr(func(h *Hole) Addr { return h.Addr })
	l.Content = sortedByAddr(l.Content, func(c *Content) Addr { return c.Addr })
	l.Padding = l.Bytes.Padding
	for _, h := range l.Holes {
		if h.Section == "" {
			l.Gaps += h.Size
		}
	}
}

// accountant walks one image's sections.
type accountant struct {
	l     *Layout
	ex    *explainer
	holes chunks[Hole]
	// endOf is "end of NAME" for each section.
	endOf []string
}

// chunks collects many values without moving them as it grows: a distro
// kernel has 50,000 holes.
type chunks[T any] struct{ parts [][]T }

func (c *chunks[T]) add(v T) {
	n := len(c.parts)
	if n == 0 || len(c.parts[n-1]) == cap(c.parts[n-1]) {
		size := 64
		if n > 0 {
			size = min(1<<14, 2*cap(c.parts[n-1]))
		}
		c.parts = append(c.parts, make([]T, 0, size))
		n++
	}
	c.parts[n-1] = append(c.parts[n-1], v)
}

// reserve makes room for n values in the first chunk.
func (c *chunks[T]) reserve(n int) {
	if len(c.parts) == 0 {
		c.parts = append(c.parts, make([]T, 0, n))
	}
}

// all returns every value, in the order added.
func (c *chunks[T]) all() []T {
	total := 0
	for _, p := range c.parts {
		total += len(p)
	}
	out := make([]T, 0, total)
	for _, p := range c.parts {
		out = append(out, p...)
	}
	return out
}

// sortedByAddr returns every value in address order, equal addresses in
// the order added: sorting pointers to them, then moving each value once
// into the one slice returned.
func (c *chunks[T]) sortedByAddr(addr func(*T) Addr) []T {
	if len(c.parts) == 1 {
		return sortInPlace(c.parts[0], addr)
	}
	total := 0
	for _, p := range c.parts {
		total += len(p)
	}
	ptrs := make([]*T, 0, total)
	for _, p := range c.parts {
		for i := range p {
			ptrs = append(ptrs, &p[i])
		}
	}
	if !slices.IsSortedFunc(ptrs, func(a, b *T) int { return cmp.Compare(addr(a), addr(b)) }) {
		slices.SortStableFunc(ptrs, func(a, b *T) int { return cmp.Compare(addr(a), addr(b)) })
	}
	out := make([]T, total)
	for k, p := range ptrs {
		out[k] = *p
	}
	return out
}

// addrOrder is the order that puts xs by address, equal addresses in the
// order they came: order[k] is the index of the k-th; nil when xs is in
// that order already.
func addrOrder[T any](xs []T, addr func(*T) Addr) []int32 {
	if slices.IsSortedFunc(xs, func(a, b T) int { return cmp.Compare(addr(&a), addr(&b)) }) {
		return nil
	}
	order := make([]int32, len(xs))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
		if c := cmp.Compare(addr(&xs[i]), addr(&xs[j])); c != 0 {
			return c
		}
		return cmp.Compare(i, j)
	})
	return order
}

// sortInPlace puts xs in address order (see addrOrder), moving each value
// once by following each cycle of the permutation.
func sortInPlace[T any](xs []T, addr func(*T) Addr) []T {
	order := addrOrder(xs, addr)
	// xs[j] takes what was at order[j]; done places are marked -1.
	for i := range order {
		if order[i] < 0 {
			continue
		}
		tmp := xs[i]
		for j := i; ; {
			k := int(order[j])
			order[j] = -1
			if k == i {
				xs[j] = tmp
				break
			}
			xs[j] = xs[k]
			j = k
		}
	}
	return xs
}

// sortedByAddr returns xs in address order (see addrOrder): unchanged when
// already so, else a sorted copy.
func sortedByAddr[T any](xs []T, addr func(*T) Addr) []T {
	order := addrOrder(xs, addr)
	if order == nil {
		return xs
	}
	out := make([]T, len(xs))
	for k, i := range order {
		out[k] = xs[i]
	}
	return out
}

// section labels the bytes of section i: its symbols, and each run of
// bytes between them.
func (acc *accountant) section(i int) {
	s := &acc.l.Sections[i]
	if s.Size == 0 {
		return
	}
	if s.Flags.Has(elf.SHF_TLS) {
		// Thread-local symbols' values are offsets in the TLS block, not
		// addresses: the section's bytes are its template, unlabelled.
		acc.content(s, uint64(s.Addr), s.End(), "start of "+s.Name, "end of "+s.Name, "", "thread-local storage")
		return
	}
	cursor, before := uint64(s.Addr), "start of "+s.Name
	acc.endOf[i] = "end of " + s.Name
	for _, y := range acc.ex.symbols[i] {
		a := uint64(y.Addr)
		if a > cursor {
			acc.gap(i, cursor, a, before, y)
		}
		end := s.End()
		if y.Size < end-a {
			end = a + y.Size
		}
		if end >= cursor {
			if end > cursor {
				s.Bytes.Symbols += end - max(a, cursor)
			}
			cursor, before = max(cursor, end), y.Name
		}
	}
	if s.End() > cursor {
		acc.gap(i, cursor, s.End(), before, nil)
	}
}

// gap labels [lo, hi) of section i, which no symbol covers; y is the
// symbol at hi, or nil at the section's end. Input sections, then the
// statements' pieces, then what the addresses allow explain it, in that
// order.
func (acc *accountant) gap(i int, lo, hi uint64, before string, y *Symbol) {
	after := acc.endOf[i]
	if y != nil {
		after = y.Name
	}
	at := func(r uint64) *Symbol {
		if r == hi {
			return y
		}
		return nil
	}
	ex, s := acc.ex, &acc.l.Sections[i]
	for x := lo; x < hi; {
		in, next := ex.placedAround(i, x)
		if in != nil {
			r := min(hi, in.end())
			acc.inside(s, in, x, r, before, after, at(r))
			x = r
			continue
		}
		nextIn := hi
		if next != nil {
			nextIn = min(hi, next.addr)
		}
		pc, nextPiece := ex.pieceAround(i, x)
		if pc != nil {
			r := min(nextIn, pc.hi)
			acc.fromPiece(s, x, r, before, after, pc)
			x = r
			continue
		}
		r := nextIn
		if nextPiece != nil {
			r = min(r, max(nextPiece.lo, x+1))
		}
		var following *placed
		if next != nil && next.addr == r {
			following = next
		}
		acc.fallback(i, x, r, before, after, at(r), following)
		x = r
	}
}

// placedAround returns the input section of section i holding x, or nil,
// and the first one starting after x.
func (ex *explainer) placedAround(i int, x uint64) (in, next *placed) {
	ps := ex.placed[i]
	j, _ := slices.BinarySearchFunc(ps, x, func(p *placed, a uint64) int { return cmp.Compare(p.addr, a) })
	if j < len(ps) && ps[j].addr == x && ps[j].size > 0 {
		in = ps[j]
	} else if j > 0 && ps[j-1].end() > x {
		in = ps[j-1]
	}
	for k := j; k < len(ps); k++ {
		if ps[k].addr > x {
			next = ps[k]
			break
		}
	}
	return in, next
}

// pieceAround returns the piece of section sec (-1: between sections)
// holding x, or nil, and the first one starting after x.
func (ex *explainer) pieceAround(sec int, x uint64) (in, next *piece) {
	ps := ex.pieces[sec]
	j, _ := slices.BinarySearchFunc(ps, x, func(p piece, a uint64) int { return cmp.Compare(p.lo, a) })
	for k := j; k < len(ps) && ps[k].lo == x; k++ {
		if ps[k].hi > x {
			in = &ps[k]
		}
	}
	if in == nil && j > 0 && ps[j-1].hi > x {
		in = &ps[j-1]
	}
	for k := j; k < len(ps); k++ {
		if ps[k].lo > x {
			next = &ps[k]
			break
		}
	}
	return in, next
}

// inside labels [lo, hi) inside input section p: padding before a
// symbol its alignment explains, the assembler's rounding of the
// section's size, or content of the input section.
func (acc *accountant) inside(s *Section, p *placed, lo, hi uint64, before, after string, y *Symbol) {
	code := s.Flags.Has(elf.SHF_EXECINSTR)
	var c cause
	ok := false
	switch {
	case y != nil && hi < p.end():
		c, ok = acc.ex.symbolCause(p, y, lo, hi)
	case hi == p.end() && lo > p.addr:
		c, ok = acc.ex.tailCause(p, lo)
	}
	if ok && acc.ex.isFill(*s, lo, hi, code) {
		acc.padding(s, lo, hi, before, after, c)
		return
	}
	note := ""
	switch {
	case lo == p.addr && hi == p.end():
		note = "no symbol in it"
	case lo == p.addr:
		note = "before its first symbol"
	case hi == p.end():
		note = "after its last symbol"
	}
	acc.content(s, lo, hi, before, after, p.where(), note)
}

// symbolCause explains a gap before symbol y at hi inside input section p
// by y's alignment: the scenario's when it declares one, else the
// largest the offset and the section allow.
func (ex *explainer) symbolCause(p *placed, y *Symbol, lo, hi uint64) (cause, bool) {
	off, gap := hi-p.addr, hi-lo
	c := cause{kind: CauseSymbol, symbol: y.Name, input: p.where()}
	if p.object != nil {
		if d := ex.declared[[2]string{p.object.Name, y.Name}]; d > 0 {
			c.align, c.text = d, fmt.Sprintf("symbol %s aligned to %d", y.Name, d)
			return c, off%d == 0 && gap < d
		}
	}
	n := min(pow2div(off), p.alignment())
	if gap >= n {
		return c, false
	}
	c.align = n
	if nextPow2Above(gap) == n && p.exactAlign() {
		c.text = fmt.Sprintf("symbol %s aligned to %d (derived from its offset %#x in %s)", y.Name, n, off, p.where())
	} else {
		c.inferred = true
		c.text = fmt.Sprintf("symbol %s aligned to at least %d (inferred from its offset %#x in %s)", y.Name, n, off, p.where())
	}
	return c, true
}

// tailCause explains the bytes of input section p after its last symbol,
// from lo, by the assembler's rounding of its size, on targets whose
// assembler rounds.
func (ex *explainer) tailCause(p *placed, lo uint64) (cause, bool) {
	if ex.arch == nil || p.align == 0 || !(ex.arch.SizeRoundsToAlign || ex.arch.SizeMultiple != 0) {
		return cause{}, false
	}
	if ex.arch.RoundSectionSize(lo-p.addr, p.align) != p.size {
		return cause{}, false
	}
	unit := p.align
	if !ex.arch.SizeRoundsToAlign {
		unit = min(unit, ex.arch.SizeMultiple)
	}
	return cause{kind: CauseSectionTail, align: unit, input: p.where(),
		text: fmt.Sprintf("%s size rounded up to %d by the assembler", p.where(), unit)}, true
}

// fromPiece labels [lo, hi) as a statement's piece says.
func (acc *accountant) fromPiece(s *Section, lo, hi uint64, before, after string, pc *piece) {
	if !pc.content && acc.ex.isFill(*s, lo, hi, s.Flags.Has(elf.SHF_EXECINSTR)) {
		acc.padding(s, lo, hi, before, after, pc.cause())
		return
	}
	acc.content(s, lo, hi, before, after, "", pc.text())
}

// fallback labels [lo, hi) of section i that no input section or
// statement explains: padding when the input section that follows (next)
// is aligned so, or, with nothing but the image to go on, when the
// address after it is aligned enough and the bytes are fill; else
// content.
func (acc *accountant) fallback(i int, lo, hi uint64, before, after string, y *Symbol, next *placed) {
	s := &acc.l.Sections[i]
	ex := acc.ex
	code := s.Flags.Has(elf.SHF_EXECINSTR)
	gap := hi - lo
	if next != nil && (next.align != 0 || next.lo <= next.hi) && explains(next.alignment(), hi, gap) && ex.isFill(*s, lo, hi, code) {
		acc.padding(s, lo, hi, before, after, inputCause(next))
		return
	}
	note := "no symbol, input section or statement explains it"
	if ex.canInfer(i) {
		n := min(pow2div(hi), max(s.Align, 1))
		fill := ex.isFill(*s, lo, hi, code)
		if gap < n && fill {
			acc.padding(s, lo, hi, before, after, cause{kind: CauseAlignment, align: n, inferred: true,
				text: fmt.Sprintf("%s aligned to at least %d (inferred from its address)", after, n)})
			return
		}
		switch {
		case s.Type == elf.SHT_NOBITS:
			note = "zero-initialized bytes no symbol names"
		case fill:
			// A script's ALIGN beyond the section's alignment (x86's
			// 2 MiB one in .text) leaves such runs; the image alone
			// cannot say.
			note = fmt.Sprintf("fill bytes (zeros or no-ops), too many for an alignment of up to %d", n)
		}
	}
	if ex.src.Complete && len(ex.placed[i]) == 0 {
		note = "linker-made: no input section is placed in " + s.Name
	}
	acc.content(s, lo, hi, before, after, "", note)
}

// canInfer says whether gaps of section i may be guessed from addresses:
// not when the inputs are complete, nor when the map covers the section.
func (ex *explainer) canInfer(i int) bool {
	return !ex.src.Complete && !ex.covered[i]
}

func (acc *accountant) padding(s *Section, lo, hi uint64, before, after string, c cause) {
	s.Bytes.Padding += hi - lo
	acc.holes.add(c.hole(lo, hi, before, after, s.Name))
}

func (c cause) hole(lo, hi uint64, before, after, section string) Hole {
	return Hole{Addr: Addr(lo), Size: hi - lo, Before: before, After: after, Section: section, Cause: c.text,
		Kind: c.kind, Align: c.align, Inferred: c.inferred, Input: c.input, Symbol: c.symbol, Script: c.script}
}

// content records [lo, hi) as content, merged with the run before it when
// they touch and say the same.
func (acc *accountant) content(s *Section, lo, hi uint64, before, after, input, note string) {
	s.Bytes.Content += hi - lo
	cs := acc.l.Content
	if n := len(cs); n > 0 {
		last := &cs[n-1]
		if uint64(last.Addr)+last.Size == lo && last.Section == s.Name && last.Input == input && last.Note == note {
			last.Size += hi - lo
			last.After = after
			return
		}
	}
	acc.l.Content = append(acc.l.Content, Content{Addr: Addr(lo), Size: hi - lo, Section: s.Name, Before: before,
		After: after, Input: input, Note: note})
}

// outside records bytes between sections that a script reserves: not
// padding, and in no section.
func (acc *accountant) outside(lo, hi uint64, before, after, note string) {
	acc.l.Reserved += hi - lo
	acc.l.Content = append(acc.l.Content, Content{Addr: Addr(lo), Size: hi - lo, Before: before, After: after, Note: note})
}

// occupied is a range of one address space that a section takes: at its
// address, or, for a section of another address space, at its load
// address (x86_64's .data..percpu links at 0 and loads among the kernel's
// addresses).
type occupied struct {
	lo, hi uint64
	sec    int
	load   bool
}

// betweenSections explains the gaps between the allocated sections of
// each address space. Sections in no segment, and thread-local .tbss,
// are in no address space with others.
func (acc *accountant) betweenSections() {
	l := acc.l
	spaces := map[uint64][]occupied{}
	var keys []uint64
	delta := func(s Section) (uint64, bool) {
		if s.Segment < 0 || s.Flags.Has(elf.SHF_TLS) && s.Type == elf.SHT_NOBITS {
			return 0, false
		}
		p := l.Segments[s.Segment]
		return uint64(p.Vaddr) - uint64(p.Paddr), true
	}
	for i, s := range l.Sections {
		// An empty section holds no bytes: it makes no gap before it, so
		// that a linker that keeps one in a segment and one that drops it
		// count the same padding.
		if d, ok := delta(s); ok && s.Alloc() && s.Size > 0 {
			if _, seen := spaces[d]; !seen {
				keys = append(keys, d)
			}
			spaces[d] = append(spaces[d], occupied{uint64(s.Addr), s.End(), i, false})
		}
	}
	slices.Sort(keys)
	// The space with the most sections is the image's own: the others'
	// sections take their load addresses in it.
	primary := uint64(0)
	for _, d := range keys {
		if len(spaces[d]) > len(spaces[primary]) {
			primary = d
		}
	}
	for _, d := range keys {
		occ := spaces[d]
		for i, s := range l.Sections {
			if d2, ok := delta(s); ok && s.Alloc() && d2 != d && d == primary && s.Size > 0 {
				lo := uint64(s.Addr) - d2 + d
				occ = append(occ, occupied{lo, lo + s.Size, i, true})
			}
		}
		slices.SortStableFunc(occ, func(a, b occupied) int {
			if c := cmp.Compare(a.lo, b.lo); c != 0 {
				return c
			}
			return cmp.Compare(a.hi, b.hi)
		})
		acc.walkSpace(occ)
	}
}

// walkSpace finds the gaps and overlaps of one address space's sections.
func (acc *accountant) walkSpace(occ []occupied) {
	l := acc.l
	var end uint64
	prev := -1
	for k, o := range occ {
		s := l.Sections[o.sec]
		switch {
		case prev < 0:
		case o.lo > end && !o.load:
			// Another space's section at its load address fills a gap;
			// it makes none.
			acc.gapBefore(occ[prev], o, end)
		case o.lo < end && o.hi > o.lo && !o.load && !occ[prev].load:
			p := l.Sections[occ[prev].sec]
			l.addFinding(Finding{Kind: FindingOverlap, Page: pageOf(uint64(s.Addr), l.PageSize), Sections: []string{p.Name, s.Name},
				Message: fmt.Sprintf("sections %s (%s..%#x) and %s (%s..%#x) overlap", p.Name, p.Addr, p.End(), s.Name, s.Addr, s.End())})
		}
		if prev < 0 || o.hi > end || o.hi == end && o.lo >= occ[prev].lo {
			end, prev = max(end, o.hi), k
		}
	}
}

// gapBefore explains the gap [c, o.lo) before the section o takes:
// statements first, then the section's alignment, then a new segment's
// page. What none explains is a finding, not padding.
func (acc *accountant) gapBefore(prev, o occupied, c uint64) {
	l, ex := acc.l, acc.ex
	s := l.Sections[o.sec]
	prevIdx := prev.sec
	before := "end of " + l.Sections[prevIdx].Name
	if prev.load {
		before += " at its load address"
	}
	after := "start of " + s.Name
	a := o.lo
	for x := c; x < a; {
		pc, next := ex.pieceAround(-1, x)
		if pc != nil {
			r := min(a, pc.hi)
			if pc.content {
				acc.outside(x, r, before, after, pc.text())
			} else {
				c := pc.cause()
				acc.holes.add(c.hole(x, r, before, after, ""))
			}
			x = r
			continue
		}
		r := a
		if next != nil && next.lo < a {
			r = max(next.lo, x+1)
		}
		if c, ok := acc.sectionStart(prevIdx, o, x, r); ok {
			acc.holes.add(c.hole(x, r, before, after, ""))
		} else {
			l.addFinding(Finding{Kind: FindingUnexplainedGap, Page: pageOf(x, l.PageSize),
				Sections: []string{l.Sections[prevIdx].Name, s.Name},
				Message: fmt.Sprintf("%d bytes between %s (%s) and %s (%s) that no alignment explains: not counted as padding",
					r-x, before, Addr(x), after, Addr(r))})
		}
		x = r
	}
}

// sectionStart explains [x, r) before section o by its alignment or its
// segment's.
func (acc *accountant) sectionStart(prevIdx int, o occupied, x, r uint64) (cause, bool) {
	l := acc.l
	s := l.Sections[o.sec]
	if r != o.lo {
		return cause{}, false
	}
	if explains(s.Align, r, r-x) {
		return acc.ex.outputCause(o.sec), true
	}
	if ex := acc.ex; !ex.src.Complete && !ex.mapped && ex.script == nil {
		// Only the image: a script's ALIGN may have made the gap, up to
		// the largest alignment the segments use.
		if n := min(pow2div(r), acc.maxAlign()); r-x < n {
			return cause{kind: CauseAlignment, align: n, inferred: true,
				text: fmt.Sprintf("%s aligned to at least %d (inferred from its address)", s.Name, n)}, true
		}
	}
	prev := l.Sections[prevIdx]
	if s.Segment >= 0 && s.Segment != prev.Segment && !o.load {
		n := l.Segments[s.Segment].Align
		if n <= 1 {
			n = l.PageSize
		}
		// Without a script a segment starts on a later page, at the
		// offset in the page its bytes have in the file (RELRO may push
		// it one page further): less than two pages later.
		if r-x < 2*n {
			c := cause{kind: CauseSegment, align: n,
				text: fmt.Sprintf("new segment for %s starts on a later page (segment alignment %d)", s.Name, n)}
			if ex := acc.ex; !ex.src.Complete && !ex.mapped && ex.script == nil {
				// A script may have placed it: with the image alone this
				// is a guess.
				c.inferred = true
				c.text += " (inferred: no script or map says)"
			}
			return c, true
		}
	}
	return cause{}, false
}

// maxAlign is the largest alignment of the image's loadable segments,
// sections and pages: what bounds the alignments inferred between
// sections.
func (acc *accountant) maxAlign() uint64 {
	n := acc.l.PageSize
	for _, p := range acc.l.Segments {
		if p.Type == SegmentType(elf.PT_LOAD) && p.Align&(p.Align-1) == 0 {
			n = max(n, p.Align)
		}
	}
	for _, s := range acc.l.Sections {
		if s.Alloc() && s.Align&(s.Align-1) == 0 {
			n = max(n, s.Align)
		}
	}
	return max(n, 1)
}
