package layout

import (
	"fmt"
	"path"
	"strings"

	"github.com/elfsynth/elfsynth/internal/lds"
)

// replayMap walks the link map in its order, keeping `.` as the linker
// did: every advance of `.` between input sections becomes a piece with
// its cause: the ALIGN statement that made it, or the alignment of the
// input section that follows. The map's input sections become placements.
func (ex *explainer) replayMap() {
	secs := ex.lay.Sections
	cur := -1
	var cursor uint64
	have := false
	match := ex.newStatementMatcher()
	top := &topLevel{ex: ex, last: -1}
	defer top.next(-1)
	ex.presize()
	ex.src.Map.each(func(item *MapItem) {
		it := *item
		switch it.Kind {
		case MapOutput:
			cur = ex.sectionAt(it.Name, it.Addr, 0)
			if h, ok := match.header(it.Name); ok && have && it.Addr > cursor && roundUp(cursor, h.align) == it.Addr {
				// The section's own ALIGN(N), which the map does not
				// print, moved it.
				top.pending = append(top.pending, piece{lo: cursor, hi: it.Addr, c: &cause{kind: CauseScript, align: h.align,
					script: ex.script.cite(h), text: ex.script.cite(h)}})
			}
			if cur >= 0 {
				ex.covered[cur] = true
				top.next(cur)
			}
			match.enter(it.Name)
			cursor, have = it.Addr, true
		case MapInput:
			if cur < 0 || !have {
				return
			}
			si := cur
			if s := secs[si]; it.Addr < uint64(s.Addr) || it.Addr+it.Size > s.End() {
				if si = ex.sectionAt("", it.Addr, it.Size); si < 0 {
					return
				}
			}
			ex.mapInput(it, si, cursor)
			cursor = max(cursor, it.Addr+it.Size)
		case MapAlign, MapDot:
			from := cursor
			if it.HasFrom {
				from = it.From
			}
			var c cause
			if it.Kind == MapAlign {
				c = match.cause(it)
			}
			if !have || it.Kind == MapDot && from > it.Addr {
				cursor, have = it.Addr, true
				return
			}
			if cur >= 0 {
				s := secs[cur]
				if from >= uint64(s.Addr) && from < s.End() && it.Addr <= s.End() {
					ex.statementPiece(it, from, c, cur)
					cursor = it.Addr
					return
				}
				// A statement that takes `.` past its section's end is
				// outside it.
				from, cur = max(from, s.End()), -1
			}
			top.statement(it, from, c)
			cursor = it.Addr
		}
	})
}

// presize makes room in each section's input sections and pieces for
// the input sections the map lists in it: a kernel's map has 100,000,
// which cost twice their size and a copy at each doubling when the
// lists grow as they fill.
func (ex *explainer) presize() {
	count := map[int]int{}
	cur := -1
	ex.src.Map.each(func(it *MapItem) {
		switch it.Kind {
		case MapOutput:
			cur = ex.sectionAt(it.Name, it.Addr, 0)
		case MapInput:
			if cur >= 0 {
				count[cur]++
			}
		}
	})
	for si, n := range count {
		ex.placed[si] = make([]*placed, 0, n)
		ex.pieces[si] = make([]piece, 0, n)
	}
}

// mapInput places an input section from the map and explains the bytes
// before it.
func (ex *explainer) mapInput(it MapItem, si int, cursor uint64) {
	p := ex.newPlaced(placed{obj: it.Object, name: it.Name, addr: it.Addr, size: it.Size, align: it.Align, sec: si})
	if o := ex.objects.find(it.Object); o != nil {
		if s := o.section(it.Name, it.Size); s != nil {
			p.align, p.object = max(s.Align, 1), o
		}
	}
	var gap uint64
	if it.Addr > cursor && cursor >= uint64(ex.lay.Sections[si].Addr) {
		gap = it.Addr - cursor
	}
	if p.align == 0 {
		ex.derive(p, gap)
	}
	if gap > 0 && (p.align != 0 || p.lo <= p.hi) && explains(p.alignment(), it.Addr, gap) {
		ex.addPiece(si, piece{lo: cursor, hi: it.Addr, in: p})
	}
	if it.Size > 0 {
		ex.addPlaced(p)
	}
}

// statementPiece records what an assignment to `.` did to [from, to)
// inside section sec: padding for ALIGN, content for bytes it reserves.
func (ex *explainer) statementPiece(it MapItem, from uint64, c cause, sec int) {
	if it.Addr <= from {
		return
	}
	switch {
	case it.Kind == MapAlign:
		ex.addPiece(sec, piece{lo: from, hi: it.Addr, c: &c})
	default:
		ex.addPiece(sec, piece{lo: from, hi: it.Addr, content: true,
			c: &cause{text: "reserved by the script: " + collapse(it.Text)}})
	}
}

// topLevel collects what statements between two output sections do to
// `.`: padding (ALIGN) or bytes reserved (`. += N`, arm64's page tables
// between .rodata and .init.text). They count only where they end before
// the next section and no section is: a statement that moves `.` to
// another address space (back from x86's per-CPU data at 0) pads and
// reserves nothing.
type topLevel struct {
	ex      *explainer
	last    int
	pending []piece
}

// statement records what a top-level map line did.
func (t *topLevel) statement(it MapItem, from uint64, c cause) {
	if it.Addr <= from {
		return
	}
	p := piece{lo: from, hi: it.Addr, c: &c}
	if it.Kind != MapAlign {
		p.content, p.c = true, &cause{text: "reserved by the script: " + collapse(it.Text)}
	}
	t.pending = append(t.pending, p)
}

// next keeps the pending pieces that end by the start of section si,
// which starts now (-1: no more sections), and overlap no section of its
// address space, at its address or load address.
func (t *topLevel) next(si int) {
	if si >= 0 && t.ex.lay.Sections[si].Segment < 0 {
		// An empty section in no segment (arm64's .rodata.text) is in
		// no address space: the statements wait for the next one.
		return
	}
	if si >= 0 {
		for _, p := range t.pending {
			if p.hi <= uint64(t.ex.lay.Sections[si].Addr) && !t.ex.occupiedIn(si, p.lo, p.hi) {
				t.ex.addPiece(-1, p)
			}
		}
		t.last = si
	}
	t.pending = t.pending[:0]
}

// occupiedIn reports whether any allocated section takes some of [lo, hi)
// in the address space of section si: a section of that space at its
// address, another at its load address.
func (ex *explainer) occupiedIn(si int, lo, hi uint64) bool {
	secs := ex.lay.Sections
	if secs[si].Segment < 0 {
		return true
	}
	home := ex.lay.Segments[secs[si].Segment]
	d := uint64(home.Vaddr) - uint64(home.Paddr)
	for _, s := range secs {
		if !s.Alloc() || s.Size == 0 || s.Segment < 0 {
			continue
		}
		p := ex.lay.Segments[s.Segment]
		a := uint64(s.Addr) - (uint64(p.Vaddr) - uint64(p.Paddr)) + d
		if a < hi && a+s.Size > lo {
			return true
		}
	}
	return false
}

// sameSpace reports whether sections i and j are in one address space:
// in segments whose addresses differ from their load addresses alike.
func (ex *explainer) sameSpace(i, j int) bool {
	a, b := ex.lay.Sections[i].Segment, ex.lay.Sections[j].Segment
	if a < 0 || b < 0 {
		return false
	}
	pa, pb := ex.lay.Segments[a], ex.lay.Segments[b]
	return uint64(pa.Vaddr)-uint64(pa.Paddr) == uint64(pb.Vaddr)-uint64(pb.Paddr)
}

// addPiece records a piece of section sec, or between sections for -1.
func (ex *explainer) addPiece(sec int, p piece) { ex.pieces[sec] = append(ex.pieces[sec], p) }

// statementMatcher finds the script statement a map's ALIGN line is: the
// next ALIGN of the same N in the script, looking no further than the
// next output section the image has.
type statementMatcher struct {
	ex   *explainer
	pos  int
	have map[string]bool
}

func (ex *explainer) newStatementMatcher() *statementMatcher {
	m := &statementMatcher{ex: ex, have: map[string]bool{}}
	for _, s := range ex.lay.Sections {
		if s.Alloc() {
			m.have[s.Name] = true
		}
	}
	return m
}

// enter moves to the script's description of output section name.
func (m *statementMatcher) enter(name string) {
	if m.ex.script == nil {
		return
	}
	items := m.ex.script.items
	for i := m.pos; i < len(items); i++ {
		if items[i].kind == ldsStart && items[i].name == name {
			m.pos = i + 1
			return
		}
	}
}

// header returns the ALIGN(N) of the header of the script's next
// description of output section name.
func (m *statementMatcher) header(name string) (ldsItem, bool) {
	if m.ex.script == nil {
		return ldsItem{}, false
	}
	items := m.ex.script.items
	for i := m.pos; i < len(items); i++ {
		if items[i].kind == ldsStart && items[i].name == name {
			if i > 0 && items[i-1].header && items[i-1].kind == ldsAlign && items[i-1].align > 1 {
				return items[i-1], true
			}
			return ldsItem{}, false
		}
	}
	return ldsItem{}, false
}

// cause explains the bytes an ALIGN line of the map made.
func (m *statementMatcher) cause(it MapItem) cause {
	c := cause{kind: CauseScript, align: it.Align}
	if m.ex.script == nil {
		c.script = collapse(it.Text)
		c.text = fmt.Sprintf("script statement %s (as the map prints it)", c.script)
		return c
	}
	items := m.ex.script.items
	for i := m.pos; i < len(items); i++ {
		x := items[i]
		if x.kind == ldsStart && m.have[x.name] {
			break
		}
		if x.kind == ldsAlign && !x.header && x.align == it.Align {
			m.pos = i + 1
			c.script = m.ex.script.cite(x)
			c.text = c.script
			return c
		}
	}
	c.script = collapse(it.Text)
	c.text = fmt.Sprintf("script statement %s (as the map prints it; not found in %s)", c.script, m.ex.script.name)
	return c
}

// replayScript walks the script's statements with `.`, taking input
// sections' places from the objects and output sections' from the image:
// each ALIGN that moves `.` explains the bytes it skips, each input
// section's alignment the bytes before it. Where the replay loses track
// of `.` (an assignment it cannot evaluate, an input it does not know),
// it waits for the next place it knows.
func (ex *explainer) replayScript() {
	secs := ex.lay.Sections
	script := map[string]*Symbol{}
	for i := range ex.lay.Symbols {
		y := &ex.lay.Symbols[i]
		if _, ok := script[y.Name]; !ok {
			script[y.Name] = y
		}
	}
	cur := -1
	skipping := false
	var cursor uint64
	have := false
	consumed := map[*placed]bool{}
	used := map[int]bool{}
	top := &topLevel{ex: ex, last: -1}
	defer top.next(-1)
	for k, it := range ex.script.items {
		if skipping && it.kind != ldsEnd {
			continue
		}
		switch it.kind {
		case ldsStart:
			cur = ex.outputByName(it.name, used)
			if cur < 0 {
				skipping = true
				continue
			}
			used[cur] = true
			ex.covered[cur] = true
			top.next(cur)
			cursor, have = uint64(secs[cur].Addr), true
		case ldsEnd:
			if !skipping && cur >= 0 {
				cursor, have = ex.afterOrphans(cur, k, used), true
			}
			skipping, cur = false, -1
		case ldsAlign:
			if it.align == 0 || it.align&(it.align-1) != 0 {
				have = false
				continue
			}
			if !have {
				continue
			}
			to := roundUp(cursor, it.align)
			if p := (piece{lo: cursor, hi: to, c: &cause{kind: CauseScript, align: it.align, script: ex.script.cite(it),
				text: ex.script.cite(it)}}); to > cursor && cur >= 0 {
				ex.addPiece(cur, p)
			} else if to > cursor {
				top.pending = append(top.pending, p)
			}
			cursor = to
		case ldsDot:
			v, ok := uint64(0), false
			if have {
				v, ok = lds.Eval(it.expr, ex.lay.PageSize, &replayEnv{ex: ex, dot: cursor, symbols: script})
			}
			switch {
			case !ok:
				have = false
			case v > cursor && (cur < 0 || v <= secs[cur].End()):
				p := piece{lo: cursor, hi: v, content: true, c: &cause{text: "reserved by the script: " + ex.script.cite(it)}}
				if cur >= 0 {
					ex.addPiece(cur, p)
				} else {
					top.pending = append(top.pending, p)
				}
				cursor = v
			default:
				cursor = v
			}
		case ldsSymbol:
			y := script[it.name]
			if y == nil || !strings.HasSuffix(it.text, "= .") || len(ex.objSyms[it.name]) > 0 {
				continue
			}
			if !have || uint64(y.Addr) > cursor {
				cursor, have = uint64(y.Addr), true
			}
		case ldsInput:
			if cur < 0 {
				continue
			}
			for _, p := range ex.matching(cur, it.patterns, consumed) {
				consumed[p] = true
				if have && p.addr > cursor && roundUp(cursor, p.alignment()) == p.addr {
					ex.addPiece(cur, piece{lo: cursor, hi: p.addr, in: p})
				}
				cursor, have = max(cursor, p.end()), true
			}
		}
	}
}

// afterOrphans is where `.` is after output section cur, whose
// description ends at script item k: its end, or the end of the sections
// the script does not name that the linker put after it, before the next
// section the script places.
func (ex *explainer) afterOrphans(cur, k int, used map[int]bool) uint64 {
	secs := ex.lay.Sections
	end := secs[cur].End()
	named := map[string]bool{}
	next := uint64(1<<64 - 1)
	for _, it := range ex.script.items {
		if it.kind == ldsStart {
			named[it.name] = true
		}
	}
	for _, it := range ex.script.items[k:] {
		if it.kind == ldsStart {
			if j := ex.outputByName(it.name, used); j >= 0 {
				next = uint64(secs[j].Addr)
				break
			}
		}
	}
	for _, s := range secs {
		if s.Alloc() && s.Size > 0 && !named[s.Name] && uint64(s.Addr) >= end && s.End() <= next && s.Segment == secs[cur].Segment {
			end = max(end, s.End())
		}
	}
	return end
}

// outputByName is the first allocated section called name not yet used.
func (ex *explainer) outputByName(name string, used map[int]bool) int {
	for i, s := range ex.lay.Sections {
		if s.Alloc() && s.Name == name && !used[i] {
			return i
		}
	}
	return -1
}

// matching lists the input sections placed in section sec, not yet
// consumed, whose names match one of patterns, in address order.
func (ex *explainer) matching(sec int, patterns []string, consumed map[*placed]bool) []*placed {
	var out []*placed
	for _, p := range ex.placed[sec] {
		if consumed[p] {
			continue
		}
		for _, pat := range patterns {
			if ok, _ := path.Match(pat, p.name); ok {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// replayEnv gives script expressions the image's values: `.` where the
// replay is, symbols' addresses, sections' addresses and sizes.
type replayEnv struct {
	ex      *explainer
	dot     uint64
	symbols map[string]*Symbol
}

func (e *replayEnv) Symbol(name string) (uint64, bool) {
	if name == "." {
		return e.dot, true
	}
	if y := e.symbols[name]; y != nil {
		return uint64(y.Addr), true
	}
	return 0, false
}

func (e *replayEnv) Func(fn, name string) (uint64, bool) {
	if fn == "DEFINED" {
		if e.symbols[name] != nil {
			return 1, true
		}
		return 0, true
	}
	for _, s := range e.ex.lay.Sections {
		if !s.Alloc() || s.Name != name {
			continue
		}
		switch fn {
		case "SIZEOF":
			return s.Size, true
		case "ADDR":
			return uint64(s.Addr), true
		case "LOADADDR":
			if s.Segment < 0 {
				return 0, false
			}
			p := e.ex.lay.Segments[s.Segment]
			return uint64(s.Addr) - uint64(p.Vaddr) + uint64(p.Paddr), true
		}
	}
	if fn == "SIZEOF" {
		// A section the linker dropped for being empty.
		return 0, true
	}
	return 0, false
}
