package layout

import (
	"debug/elf"
	"fmt"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
)

// inputSym is where a symbol sits in the object that defines it.
type inputSym struct {
	obj, sec string
	secAlign uint64
	secSize  uint64
	off      uint64 // offset in its input section
}

func (s inputSym) where() string { return s.obj + "(" + s.sec + ")" }

// inputIndex maps symbol names to their places in the inputs.
type inputIndex map[string][]inputSym

// indexInputs maps every symbol the objects define to its place.
func indexInputs(objs []*Object) inputIndex {
	ix := inputIndex{}
	for _, o := range objs {
		for _, s := range o.Symbols {
			if s.Section < 0 {
				continue
			}
			sec := o.Sections[s.Section]
			ix[s.Name] = append(ix[s.Name], inputSym{obj: o.Name, sec: sec.Name,
				secAlign: sec.Align, secSize: sec.Size, off: s.Value})
		}
	}
	return ix
}

// lookup returns where the image symbol name at addr came from: among
// same-named symbols, the one whose input section start is aligned.
func (ix inputIndex) lookup(name string, addr uint64) (inputSym, bool) {
	cs := ix[name]
	for _, c := range cs {
		start := addr - c.off
		if c.off <= addr && (c.secAlign <= 1 || start%c.secAlign == 0) {
			return c, true
		}
	}
	// A linker may misalign a whole output section (gold honours an
	// explicit ALIGN(n) over its inputs'); a single candidate still fits.
	if len(cs) == 1 && cs[0].off <= addr {
		return cs[0], true
	}
	return inputSym{}, false
}

// holeFinder explains the gaps of one image.
type holeFinder struct {
	ix   inputIndex
	arch *arches.Arch
	// noInputs is true when Read got no inputs: causes are inferred.
	noInputs bool
	// script is the linker script's text, or "".
	script string
	// sec is the section sectionHoles walks.
	sec *Section
	// scriptSym is a symbol no input defines (so the script does) at the
	// start of the section betweenSections explains, or "".
	scriptSym string
}

// findHoles lists the gaps between neighbouring symbols inside each
// allocated section and between allocated sections, each with its cause.
func (l *Layout) findHoles(h holeFinder) {
	l.Holes = []Hole{}
	var prev *Section
	for i := range l.Sections {
		s := &l.Sections[i]
		// TLS .tbss takes no memory of its own; skip it.
		if !s.Alloc() || s.Flags.Has(elf.SHF_TLS) {
			continue
		}
		if prev != nil {
			end := uint64(prev.Addr) + prev.Size
			if uint64(s.Addr) > end {
				h.scriptSym = l.scriptSymbolAt(uint64(s.Addr), h)
				l.addHole(end, uint64(s.Addr), "end of "+prev.Name, "start of "+s.Name, h.betweenSections(prev, s, uint64(s.Addr)-end))
			}
		}
		l.sectionHoles(s, h)
		if prev == nil || uint64(s.Addr)+s.Size >= uint64(prev.Addr)+prev.Size {
			prev = s
		}
	}
	for _, x := range l.Holes {
		l.Padding += x.Size
	}
}

// piece is one cause of the part of a gap that ends at hi.
type piece struct {
	hi    uint64
	kind  CauseKind
	align uint64
	text  string
}

// addHole records the gap [lo, hi) as one hole per cause, in address
// order: the pieces split it at their ends.
func (l *Layout) addHole(lo, hi uint64, before, after string, pieces ...piece) {
	for _, p := range pieces {
		if p.hi <= lo {
			continue
		}
		end := min(p.hi, hi)
		if p.text == "" {
			// No alignment can have made the gap: the bytes are
			// contents no symbol labels.
			p.kind, p.align, p.text = CauseUnknown, 0, "bytes no symbol covers (linker-made or unlabelled input data)"
		}
		l.Holes = append(l.Holes, Hole{Addr: Addr(lo), Size: end - lo, Before: before, After: after,
			Cause: p.text, Kind: p.kind, Align: p.align})
		lo = end
	}
	if lo < hi {
		l.addHole(lo, hi, before, after, piece{hi: hi})
	}
}

// sectionHoles walks s's symbols in address order and reports every gap
// not covered by a symbol, including at the start and the end of s.
//
// A section no symbol lies in is all contents (.got, .MIPS.abiflags and
// other linker-made sections): it has no holes.
func (l *Layout) sectionHoles(s *Section, h holeFinder) {
	lo, end := uint64(s.Addr), uint64(s.Addr)+s.Size
	if s.Name == ".relro_padding" {
		// mold's NOBITS section that pads the RELRO region to a page.
		l.addHole(lo, end, "start of "+s.Name, "end of "+s.Name, piece{end, CauseSegment, 0, "mold pads the RELRO region to a page boundary"})
		return
	}
	if !l.hasSymbols(s) {
		return
	}
	h.sec = s
	cursor, before := lo, "start of "+s.Name
	var prevSym *Symbol
	for i := range l.Symbols {
		y := &l.Symbols[i]
		if y.shndx != s.index {
			continue
		}
		a := uint64(y.Addr)
		if a < lo || a > end {
			continue
		}
		if a > cursor {
			l.addHole(cursor, a, before, y.Name, h.beforeSymbol(prevSym, y, cursor, a)...)
		}
		if a+y.Size >= cursor {
			cursor, before, prevSym = max(a+y.Size, cursor), y.Name, y
			if a+y.Size > end {
				cursor = end
			}
		}
	}
	if end > cursor {
		l.addHole(cursor, end, before, "end of "+s.Name, h.atSectionEnd(prevSym, s, cursor, end)...)
	}
}

// scriptSymbolAt returns the symbol at a that no input defines and that
// the script assigns first (the first by name without a script).
func (l *Layout) scriptSymbolAt(a uint64, h holeFinder) string {
	best, bestPos := "", -1
	for _, y := range l.Symbols {
		if uint64(y.Addr) != a || len(h.ix[y.Name]) != 0 {
			continue
		}
		pos := strings.Index(h.script, y.Name+" = .")
		if best == "" || pos >= 0 && (bestPos < 0 || pos < bestPos) {
			best, bestPos = y.Name, pos
		}
	}
	return best
}

func (l *Layout) hasSymbols(s *Section) bool {
	for _, y := range l.Symbols {
		if y.shndx == s.index && uint64(y.Addr) >= uint64(s.Addr) && uint64(y.Addr) <= uint64(s.Addr)+s.Size {
			return true
		}
	}
	return false
}

// beforeSymbol explains the gap [lo, hi) ending at symbol y: the tail of
// the previous symbol's input section, the alignment of y's input section,
// and y's own alignment inside it, in address order.
func (h holeFinder) beforeSymbol(prev, y *Symbol, lo, hi uint64) []piece {
	in, ok := h.ix.lookup(y.Name, hi)
	if ok && prev != nil {
		pin, pok := h.ix.lookup(prev.Name, uint64(prev.Addr))
		if pok && pin.obj == in.obj && pin.sec == in.sec && uint64(prev.Addr)-pin.off == hi-in.off {
			// Both in one input section: only y's own alignment.
			return []piece{symbolAlign(y.Name, hi, hi-lo, hi-in.off)}
		}
	}
	var parts []piece
	lo, parts = h.tail(prev, lo, hi, parts)
	if lo >= hi {
		return parts
	}
	if !ok {
		return append(parts, h.unknownAlign(y.Name, lo, hi))
	}
	start := hi - in.off
	if start > lo {
		rel := start - uint64(h.sec.Addr)
		switch {
		case in.secAlign > 1 && start%in.secAlign == 0 && start-lo < in.secAlign:
			parts = append(parts, piece{start, CauseInputSection, in.secAlign,
				fmt.Sprintf("%s aligned to %d", in.where(), in.secAlign)})
		case in.secAlign > 1 && rel%in.secAlign == 0 && start-lo < in.secAlign:
			parts = append(parts, piece{start, CauseInputSection, in.secAlign,
				fmt.Sprintf("%s aligned to %d relative to output section %s, which is itself misaligned at %s",
					in.where(), in.secAlign, h.sec.Name, h.sec.Addr)})
		default:
			parts = append(parts, scriptAlign(start, start-lo, "before "+in.where()))
		}
		lo = start
	}
	if hi > lo {
		parts = append(parts, symbolAlign(y.Name, hi, hi-lo, hi-in.off))
	}
	return parts
}

// symbolAlign explains a gap of gap bytes before symbol name at a, inside
// its input section placed at start; alignment counts from start.
func symbolAlign(name string, a, gap, start uint64) piece {
	n := alignOf(a-start, gap)
	return piece{a, CauseSymbol, n, fmt.Sprintf("symbol %s aligned to %d", name, n)}
}

// tail explains the part of [lo, hi) that is still inside the input
// section of the previous symbol, and returns where that part ends.
func (h holeFinder) tail(prev *Symbol, lo, hi uint64, parts []piece) (uint64, []piece) {
	if prev == nil {
		return lo, parts
	}
	in, ok := h.ix.lookup(prev.Name, uint64(prev.Addr))
	if !ok {
		return lo, parts
	}
	secEnd := uint64(prev.Addr) - in.off + in.secSize
	if secEnd <= lo {
		return lo, parts
	}
	end := min(secEnd, hi)
	why, align := "bytes after its last symbol", uint64(0)
	if h.arch != nil && (h.arch.SizeRoundsToAlign || h.arch.SizeMultiple != 0) {
		// The assembler rounded the size up to (a cap on) the section's
		// alignment: that alignment made these bytes.
		why, align = "size rounded up by the assembler", in.secAlign
	}
	return end, append(parts, piece{end, CauseSectionTail, align, in.where() + " " + why})
}

// unknownAlign explains a gap before a symbol the inputs do not define: a
// script symbol after `. = ALIGN(N)`, or, without inputs, any alignment.
func (h holeFinder) unknownAlign(name string, lo, hi uint64) piece {
	if h.noInputs {
		n := alignOf(hi, hi-lo)
		if n == 0 {
			return piece{hi: hi}
		}
		return piece{hi, CauseUnknown, n, fmt.Sprintf("%s aligned to %d (inferred from its address: an input section, symbol or script alignment)", name, n)}
	}
	return scriptAlign(hi, hi-lo, "before "+name)
}

// atSectionEnd explains the gap between the last symbol and the end of s.
func (h holeFinder) atSectionEnd(prev *Symbol, s *Section, lo, hi uint64) []piece {
	var parts []piece
	lo, parts = h.tail(prev, lo, hi, parts)
	if hi > lo {
		if h.noInputs {
			parts = append(parts, piece{hi, CauseUnknown, 0,
				fmt.Sprintf("unlabelled bytes at the end of %s (input section tails or a script . = ALIGN)", s.Name)})
		} else {
			parts = append(parts, scriptAlign(hi, hi-lo, "at the end of output section "+s.Name))
		}
	}
	return parts
}

// betweenSections explains the gap before output section s.
func (h holeFinder) betweenSections(prev, s *Section, gap uint64) piece {
	a := uint64(s.Addr)
	switch {
	case s.Align > 1 && a%s.Align == 0 && gap < s.Align:
		return piece{a, CauseOutputSection, s.Align, fmt.Sprintf("output section %s aligned to %d", s.Name, s.Align)}
	case !h.noInputs && h.scriptSym != "":
		return scriptAlign(a, gap, "before "+h.scriptSym)
	case prev.Segment != s.Segment && s.Segment >= 0:
		if n := alignOf(a, gap); n != 0 {
			return piece{a, CauseSegment, n, fmt.Sprintf("new segment for %s starts on a page boundary (%d)", s.Name, n)}
		}
		return piece{a, CauseSegment, 0, fmt.Sprintf("new segment for %s starts on a new page (at its file offset modulo the page size)", s.Name)}
	}
	return scriptAlign(a, gap, "before output section "+s.Name)
}

// scriptAlign names the `. = ALIGN(N)` statement that explains a gap of
// gap bytes ending at aligned address a.
func scriptAlign(a, gap uint64, where string) piece {
	n := alignOf(a, gap)
	if n == 0 {
		return piece{hi: a}
	}
	return piece{a, CauseScript, n, fmt.Sprintf("script: . = ALIGN(%d) %s", n, where)}
}

// alignOf is the smallest power of two larger than gap that divides a:
// the smallest alignment that can have made a gap of that size before a.
// It is 0 when no alignment explains the gap.
func alignOf(a, gap uint64) uint64 {
	for n := uint64(1); n != 0; n <<= 1 {
		if n > gap && a%n == 0 {
			return n
		}
	}
	return 0
}
