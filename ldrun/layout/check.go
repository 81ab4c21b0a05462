package layout

import (
	"cmp"
	"debug/elf"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Check verifies what a Layout claims: every byte of every allocated
// section is exactly one of a symbol's, padding or content, and the
// classes add up to the section's size (bloaty's invariant); the totals
// are the sums; every hole lies where it says, is smaller than the
// alignment that made it, and has a cause that the sources Read was
// given bear out: an input section's or a declared symbol's alignment as
// the objects and the scenario say, a script statement at the line cited
// with the N cited. It returns every violation found, joined, or nil.
func (l *Layout) Check() error {
	c := &checker{l: l}
	c.totals()
	c.sections()
	c.gaps()
	if l.src != nil {
		for _, h := range l.Holes {
			c.cause(h)
		}
	}
	return c.err()
}

type checker struct {
	l    *Layout
	errs []string
}

// maxErrors bounds how many violations Check lists.
const maxErrors = 20

func (c *checker) fail(format string, args ...any) {
	if len(c.errs) <= maxErrors {
		c.errs = append(c.errs, fmt.Sprintf(format, args...))
	}
}

func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	if len(c.errs) > maxErrors {
		c.errs = append(c.errs[:maxErrors], "... and more")
	}
	return errors.New("layout check: " + strings.Join(c.errs, "; "))
}

// totals checks the image's totals against the sections' and holes'.
func (c *checker) totals() {
	l := c.l
	var sum Bytes
	for _, s := range l.Sections {
		if s.Alloc() {
			sum.add(s.Bytes)
		}
	}
	if sum != l.Bytes {
		c.fail("the sections' bytes add up to %+v, the layout says %+v", sum, l.Bytes)
	}
	if l.Padding != l.Bytes.Padding {
		c.fail("padding %d is not the padding bytes %d", l.Padding, l.Bytes.Padding)
	}
	var inside, between uint64
	for _, h := range l.Holes {
		if h.Section == "" {
			between += h.Size
		} else {
			inside += h.Size
		}
	}
	if inside != l.Padding {
		c.fail("holes inside sections add up to %d, padding is %d", inside, l.Padding)
	}
	if between != l.Gaps {
		c.fail("holes between sections add up to %d, gaps are %d", between, l.Gaps)
	}
}

// span is a labelled run of bytes.
type span struct{ lo, hi uint64 }

// sections checks, section by section, that symbols, holes and content
// are disjoint and cover it: their union is the section and their sizes
// add up to it.
func (c *checker) sections() {
	l := c.l
	type parts struct {
		syms, holes, content []span
	}
	byAddr := map[string][]int{}
	for i, s := range l.Sections {
		if s.Alloc() {
			byAddr[s.Name] = append(byAddr[s.Name], i)
		}
	}
	all := map[int]*parts{}
	owner := func(name string, lo, hi uint64) int {
		for _, i := range byAddr[name] {
			s := l.Sections[i]
			if lo >= uint64(s.Addr) && hi <= s.End() && hi > lo {
				return i
			}
		}
		return -1
	}
	get := func(i int) *parts {
		if all[i] == nil {
			all[i] = &parts{}
		}
		return all[i]
	}
	for _, h := range l.Holes {
		if h.Size == 0 || uint64(h.Addr)+h.Size < uint64(h.Addr) {
			c.fail("hole at %s has size %d", h.Addr, h.Size)
			continue
		}
		if h.Section == "" {
			continue
		}
		i := owner(h.Section, uint64(h.Addr), uint64(h.Addr)+h.Size)
		if i < 0 {
			c.fail("hole %s+%d is not inside section %s", h.Addr, h.Size, h.Section)
			continue
		}
		get(i).holes = append(get(i).holes, span{uint64(h.Addr), uint64(h.Addr) + h.Size})
	}
	var reserved uint64
	for _, x := range l.Content {
		if x.Section == "" {
			reserved += x.Size
			continue
		}
		i := owner(x.Section, uint64(x.Addr), uint64(x.Addr)+x.Size)
		if i < 0 {
			c.fail("content %s+%d is not inside section %s", x.Addr, x.Size, x.Section)
			continue
		}
		get(i).content = append(get(i).content, span{uint64(x.Addr), uint64(x.Addr) + x.Size})
	}
	if reserved != l.Reserved {
		c.fail("content between sections adds up to %d, reserved is %d", reserved, l.Reserved)
	}
	where := map[elf.SectionIndex]int{}
	for i, s := range l.Sections {
		where[s.index] = i
	}
	for _, y := range l.Symbols {
		i, ok := where[y.shndx]
		if !ok || y.Section == absSection || y.Size == 0 {
			continue
		}
		s := l.Sections[i]
		if !s.Alloc() || s.Flags.Has(elf.SHF_TLS) || uint64(y.Addr) < uint64(s.Addr) || uint64(y.Addr) >= s.End() {
			continue
		}
		get(i).syms = append(get(i).syms, span{uint64(y.Addr), min(s.End(), uint64(y.Addr)+min(y.Size, s.End()-uint64(y.Addr)))})
	}
	for i, s := range l.Sections {
		if !s.Alloc() {
			continue
		}
		if s.Bytes.Total() != s.Size {
			c.fail("section %s: %d symbol + %d padding + %d content bytes, size %d", s.Name, s.Bytes.Symbols, s.Bytes.Padding,
				s.Bytes.Content, s.Size)
		}
		p := get(i)
		symBytes := unionSpan(p.syms)
		holeBytes, contentBytes := sumSpan(p.holes), sumSpan(p.content)
		if symBytes != s.Bytes.Symbols || holeBytes != s.Bytes.Padding || contentBytes != s.Bytes.Content {
			c.fail("section %s: symbols cover %d, holes %d, content %d bytes; its counts say %+v", s.Name, symBytes,
				holeBytes, contentBytes, s.Bytes)
		}
		every := append(append(append([]span{}, p.syms...), p.holes...), p.content...)
		if u := unionSpan(every); u != s.Size || symBytes+holeBytes+contentBytes != s.Size {
			c.fail("section %s: its %d bytes are not each labelled once (labels cover %d, add up to %d)", s.Name, s.Size, u,
				symBytes+holeBytes+contentBytes)
		}
	}
}

func sumSpan(ss []span) uint64 {
	var n uint64
	for _, s := range ss {
		n += s.hi - s.lo
	}
	return n
}

// unionSpan is how many bytes the spans cover together.
func unionSpan(ss []span) uint64 {
	ss = slices.Clone(ss)
	slices.SortFunc(ss, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	var n, end uint64
	for i, s := range ss {
		lo := s.lo
		if i > 0 && lo < end {
			lo = end
		}
		if s.hi > lo {
			n += s.hi - lo
			end = s.hi
		}
	}
	return n
}

// gaps checks that no hole between sections overlaps a section, or
// another hole, and that every hole is smaller than its alignment.
func (c *checker) gaps() {
	l := c.l
	var secs []span
	for _, s := range l.Sections {
		if s.Alloc() && s.Size > 0 && !(s.Flags.Has(elf.SHF_TLS) && s.Type == elf.SHT_NOBITS) {
			secs = append(secs, span{uint64(s.Addr), s.End()})
		}
	}
	slices.SortFunc(secs, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	overlaps := func(lo, hi uint64) bool {
		j, _ := slices.BinarySearchFunc(secs, hi, func(s span, a uint64) int { return cmp.Compare(s.lo, a) })
		return j > 0 && secs[j-1].hi > lo
	}
	for _, x := range l.Content {
		if x.Section == "" && overlaps(uint64(x.Addr), uint64(x.Addr)+x.Size) {
			c.fail("content %s+%d between sections overlaps a section", x.Addr, x.Size)
		}
	}
	var prevEnd uint64
	for i, h := range l.Holes {
		lo, hi := uint64(h.Addr), uint64(h.Addr)+h.Size
		if h.Align == 0 || h.Size >= h.Align && h.Kind != CauseSegment || h.Size >= 2*h.Align {
			c.fail("hole %s+%d (%s) is not smaller than the alignment %d that made it", h.Addr, h.Size, h.Cause, h.Align)
		}
		if h.Kind == "" || h.Cause == "" {
			c.fail("hole %s+%d has no cause", h.Addr, h.Size)
		}
		if i > 0 && lo < prevEnd {
			c.fail("hole %s+%d overlaps the hole before it", h.Addr, h.Size)
		}
		prevEnd = max(prevEnd, hi)
		if h.Section != "" {
			continue
		}
		if overlaps(lo, hi) {
			c.fail("gap %s+%d overlaps a section", h.Addr, h.Size)
		}
	}
}

// cause checks a hole's cause against the sources.
func (c *checker) cause(h Hole) {
	ex := c.l.src
	end := uint64(h.Addr) + h.Size
	if ex.src.Complete && h.Inferred && (h.Kind != CauseSymbol || c.declared(h)) {
		c.fail("hole %s+%d: inferred cause %q in a link whose inputs are all known", h.Addr, h.Size, h.Cause)
	}
	switch h.Kind {
	case CauseInputSection:
		p := ex.where(h.Input)
		switch {
		case p == nil:
			c.fail("hole %s+%d names input section %q, which no source places", h.Addr, h.Size, h.Input)
		case end != p.addr:
			c.fail("hole %s+%d ends at %#x, not at %s, which it names", h.Addr, h.Size, end, h.Input)
		case h.Inferred:
			if end%h.Align != 0 {
				c.fail("hole %s+%d: %s is not at a multiple of %d", h.Addr, h.Size, h.Input, h.Align)
			}
		default:
			if want := c.inputAlign(p); want != h.Align {
				c.fail("hole %s+%d says %s is aligned to %d; the %s say %d", h.Addr, h.Size, h.Input, h.Align, c.sourceOf(p), want)
			}
		}
	case CauseSymbol:
		c.symbolCause(h, end)
	case CauseSectionTail:
		p := ex.where(h.Input)
		if p == nil || end != p.end() || p.object == nil {
			c.fail("hole %s+%d: %q is not the tail of an input section an object places", h.Addr, h.Size, h.Cause)
		} else if a := c.inputAlign(p); h.Align != a && (ex.arch == nil || h.Align != min(a, ex.arch.SizeMultiple)) {
			c.fail("hole %s+%d: %s rounds to %d, its alignment is %d", h.Addr, h.Size, h.Input, h.Align, a)
		}
	case CauseScript:
		c.scriptCause(h)
	case CauseOutputSection:
		ok := false
		for i, s := range c.l.Sections {
			if s.Alloc() && uint64(s.Addr) == end && s.Align == h.Align {
				ok = true
				if h.Input != "" {
					p := ex.where(h.Input)
					if p == nil || p.sec != i || c.inputAlign(p) != h.Align {
						c.fail("hole %s+%d: %s did not raise %s's alignment to %d", h.Addr, h.Size, h.Input, s.Name, h.Align)
					}
				}
			}
		}
		if !ok {
			c.fail("hole %s+%d: no section aligned to %d starts at %#x", h.Addr, h.Size, h.Align, end)
		}
	case CauseSegment:
		ok := h.Align == c.l.PageSize
		for _, p := range c.l.Segments {
			ok = ok || p.Type == SegmentType(elf.PT_LOAD) && p.Align == h.Align
		}
		if !ok {
			c.fail("hole %s+%d: no segment is aligned to %d", h.Addr, h.Size, h.Align)
		}
	case CauseAlignment:
		if !h.Inferred || end%h.Align != 0 {
			c.fail("hole %s+%d: an inferred alignment %d that the address %#x does not have", h.Addr, h.Size, h.Align, end)
		}
	default:
		c.fail("hole %s+%d has a cause of kind %q", h.Addr, h.Size, h.Kind)
	}
}

// declared reports whether the scenario declares the alignment of the
// symbol a hole names.
func (c *checker) declared(h Hole) bool {
	ex := c.l.src
	p := ex.where(h.Input)
	if p == nil || p.object == nil {
		return false
	}
	_, ok := ex.declared[[2]string{p.object.Name, h.Symbol}]
	return ok
}

// inputAlign is the alignment the sources give input section p: its
// object's section header's, else the map's.
func (c *checker) inputAlign(p *placed) uint64 {
	if p.object != nil {
		if s := p.object.section(p.name, p.size); s != nil {
			return max(s.Align, 1)
		}
	}
	if p.align != 0 {
		return p.align
	}
	if p.lo == p.hi {
		return p.hi
	}
	return 0
}

func (c *checker) sourceOf(p *placed) string {
	if p.object != nil {
		return "object's section headers"
	}
	return "map"
}

// symbolCause checks a symbol's alignment against the scenario's, or its
// offset in its input section.
func (c *checker) symbolCause(h Hole, end uint64) {
	ex := c.l.src
	p := ex.where(h.Input)
	if p == nil || end < p.addr || end >= p.end() {
		c.fail("hole %s+%d: symbol %s is not in input section %q", h.Addr, h.Size, h.Symbol, h.Input)
		return
	}
	found := false
	for _, y := range ex.symbolsIn(p.sec, end, end+1) {
		found = found || y.Name == h.Symbol
	}
	if !found {
		c.fail("hole %s+%d: no symbol %s at %#x", h.Addr, h.Size, h.Symbol, end)
	}
	off := end - p.addr
	if p.object != nil {
		if d, ok := ex.declared[[2]string{p.object.Name, h.Symbol}]; ok {
			if d != h.Align {
				c.fail("hole %s+%d says symbol %s is aligned to %d; the scenario declares %d", h.Addr, h.Size, h.Symbol, h.Align, d)
			}
			return
		}
	}
	if off%h.Align != 0 || h.Align > max(c.inputAlign(p), p.hi) {
		c.fail("hole %s+%d: symbol %s at offset %#x of %s cannot be aligned to %d", h.Addr, h.Size, h.Symbol, off, h.Input, h.Align)
	}
}

// scriptCause checks a script cause against the script: the cited line
// holds the cited ALIGN statement, of the alignment the hole names.
func (c *checker) scriptCause(h Hole) {
	ex := c.l.src
	if ex.script == nil {
		if !ex.mapped {
			c.fail("hole %s+%d blames a script statement, but no script or map was used", h.Addr, h.Size)
			return
		}
		if n, ok := textAlign(h.Script); !ok || n != h.Align {
			c.fail("hole %s+%d: the map's %q is not ALIGN(%d)", h.Addr, h.Size, h.Script, h.Align)
		}
		return
	}
	name, rest, _ := strings.Cut(h.Script, ":")
	lineText, text, _ := strings.Cut(rest, ": ")
	line, err := strconv.Atoi(lineText)
	if name != ex.script.name || err != nil {
		c.fail("hole %s+%d: %q does not cite a line of %s", h.Addr, h.Size, h.Script, ex.script.name)
		return
	}
	for _, it := range ex.script.items {
		if it.line == line && it.text == text && it.kind == ldsAlign && it.align == h.Align {
			return
		}
	}
	c.fail("hole %s+%d: line %d of %s has no %q aligning to %d", h.Addr, h.Size, line, name, text, h.Align)
}
