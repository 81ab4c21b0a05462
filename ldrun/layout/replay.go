package layout

import (
	"fmt"
	"path"
	"strings"
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
	for _, it := range ex.src.Map.Items {
		switch it.Kind {
		case MapOutput:
			cur = ex.sectionAt(it.Name, it.Addr, 0)
			if cur >= 0 {
				ex.covered[cur] = true
			}
			match.enter(it.Name)
			cursor, have = it.Addr, true
		case MapInput:
			if cur < 0 || !have {
				continue
			}
			si := cur
			if s := secs[si]; it.Addr < uint64(s.Addr) || it.Addr+it.Size > s.End() {
				if si = ex.sectionAt("", it.Addr, it.Size); si < 0 {
					continue
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
				continue
			}
			if cur >= 0 {
				s := secs[cur]
				if from >= uint64(s.Addr) && from < s.End() && it.Addr <= s.End() {
					ex.statementPiece(it, from, c, cur)
					cursor = it.Addr
					continue
				}
				// A statement that takes `.` past its section's end is
				// outside it.
				from, cur = max(from, s.End()), -1
			}
			ex.statementPiece(it, from, c, -1)
			cursor = it.Addr
		}
	}
}

// mapInput places an input section from the map and explains the bytes
// before it.
func (ex *explainer) mapInput(it MapItem, si int, cursor uint64) {
	p := &placed{obj: it.Object, name: it.Name, addr: it.Addr, size: it.Size, align: it.Align, sec: si}
	if o := ex.objects.find(it.Object); o != nil {
		if os := o.section(it.Name, it.Size); os != nil {
			p.align, p.object = max(os.Align, 1), o
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
		ex.addPiece(si, piece{lo: cursor, hi: it.Addr, c: inputCause(p)})
	}
	if it.Size > 0 {
		ex.addPlaced(p)
	}
}

// statementPiece records what an assignment to `.` did to [from, to) in
// section sec (-1 between sections): padding for ALIGN, content a
// statement reserves inside a section. A top-level assignment other than
// ALIGN sets an address; it pads nothing.
func (ex *explainer) statementPiece(it MapItem, from uint64, c cause, sec int) {
	if it.Addr <= from {
		return
	}
	switch {
	case it.Kind == MapAlign:
		ex.addPiece(sec, piece{lo: from, hi: it.Addr, c: c})
	case sec >= 0:
		ex.addPiece(sec, piece{lo: from, hi: it.Addr, content: true,
			c: cause{text: "reserved by the script: " + collapse(it.Text)}})
	}
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
			if to > cursor {
				ex.addPiece(cur, piece{lo: cursor, hi: to, c: cause{kind: CauseScript, align: it.align,
					script: ex.script.cite(it), text: ex.script.cite(it)}})
			}
			cursor = to
		case ldsDot:
			v, ok := uint64(0), false
			if have {
				v, ok = evalWith(it.expr, ex.lay.PageSize, &replayEnv{ex: ex, dot: cursor, symbols: script})
			}
			switch {
			case !ok:
				have = false
			case cur >= 0 && v > cursor && v <= secs[cur].End():
				ex.addPiece(cur, piece{lo: cursor, hi: v, content: true, c: cause{text: "reserved by the script: " + ex.script.cite(it)}})
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
					ex.addPiece(cur, piece{lo: cursor, hi: p.addr, c: inputCause(p)})
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

func (e *replayEnv) value(name string) (uint64, bool) {
	if name == "." {
		return e.dot, true
	}
	if y := e.symbols[name]; y != nil {
		return uint64(y.Addr), true
	}
	return 0, false
}

func (e *replayEnv) section(fn, name string) (uint64, bool) {
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
