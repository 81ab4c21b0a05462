package layout_test

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
	. "github.com/elfsynth/elfsynth/ldrun/layout"
)

// changesOf returns the changes of kind k.
func changesOf(d *Delta, k ChangeKind) []Change {
	var out []Change
	for _, c := range d.Changes {
		if c.Kind == k {
			out = append(out, c)
		}
	}
	return out
}

// holeDeltas sums the deltas of the hole changes.
func holeDeltas(cs []Change) int64 {
	var n int64
	for _, c := range cs {
		switch c.Kind {
		case ChangeHoleAdded, ChangeHoleRemoved, ChangeHoleGrown, ChangeHoleShrunk:
			n += c.Delta
		}
	}
	return n
}

// TestDiffFoundingFix diffs the founding case before and after the fix,
// linked by GNU ld from GNU as objects: the two holes go, with their
// causes; the padding delta is the sum of the hole deltas; ro_after_init
// takes fewer pages; a layout has no differences from itself.
func TestDiffFoundingFix(t *testing.T) {
	a := mustArch(t, "x86_64")
	needLinker(t, a, arches.LinkerBFD)
	before := link(t, ldrun.Options{Arch: a, Linker: arches.LinkerBFD, Script: ldrun.ScriptKernel}, assemble(t, a, founding(4096, false))).Layout
	after := link(t, ldrun.Options{Arch: a, Linker: arches.LinkerBFD, Script: ldrun.ScriptKernelFixed}, assemble(t, a, founding(4096, true))).Layout
	d := Diff(before, after)
	want := map[string]Change{
		"zero_page_pfn": {Kind: ChangeHoleRemoved, Section: ".rodata", Old: Num(3936), Delta: -3936, OldCause: "mm_init.o(.data..ro_after_init) aligned to 4096"},
		"empty_zero_page": {Kind: ChangeHoleRemoved, Section: ".rodata", Old: Num(4088), Delta: -4088,
			OldCause: "symbol empty_zero_page aligned to 4096 (derived from its offset 0x1000 in mm_init.o(.data..ro_after_init))"},
	}
	for _, c := range changesOf(d, ChangeHoleRemoved) {
		if w, ok := want[c.Symbol]; ok {
			w.Symbol, w.Place = c.Symbol, "before "+c.Symbol
			if c != w {
				t.Errorf("hole before %s:\n got %+v\nwant %+v", c.Symbol, c, w)
			}
			delete(want, c.Symbol)
		}
	}
	if len(want) != 0 {
		t.Errorf("no hole-removed change for %v in %+v", want, d.Changes)
	}
	if got, want := holeDeltas(d.Changes), int64(after.TotalPadding())-int64(before.TotalPadding()); got != want || want != -8192 {
		t.Errorf("the holes' deltas add up to %d; the padding moved by %d, want -8192", got, want)
	}
	pages := map[Perm][2]uint64{}
	for _, c := range changesOf(d, ChangePages) {
		pages[c.Perm] = [2]uint64{c.Old.N, c.New.N}
	}
	if p := pages[PermROAfterInit]; p[1] >= p[0] {
		t.Errorf("ro_after_init pages %d -> %d, want fewer after the fix", p[0], p[1])
	}
	if shrunk := changesOf(d, ChangeSectionShrunk); len(shrunk) != 1 || shrunk[0].Section != ".rodata" || shrunk[0].Cause != "padding -8024" {
		t.Errorf("section changes %+v, want .rodata shrunk, padding -8024", shrunk)
	}
	if self := Diff(before, before); len(self.Changes) != 0 {
		t.Errorf("a layout differs from itself: %+v", self.Changes)
	}
	back := Diff(after, before)
	if got := holeDeltas(back.Changes); got != 8192 {
		t.Errorf("diffed the other way the holes add up to %d, want 8192", got)
	}
}

// TestDiffGoldAbsolute: gold makes script symbols assigned between output
// sections absolute; at the same address that is a symbol-absolute change,
// which linker comparisons hide by default and count.
func TestDiffGoldAbsolute(t *testing.T) {
	a := mustArch(t, "x86_64")
	needLinker(t, a, arches.LinkerBFD)
	needLinker(t, a, arches.LinkerGold)
	in := assemble(t, a, founding(4096, false))
	b := link(t, ldrun.Options{Arch: a, Linker: arches.LinkerBFD}, in).Layout
	g := link(t, ldrun.Options{Arch: a, Linker: arches.LinkerGold}, in).Layout
	all := Compare("bfd", b, "gold", g, nil)
	found := false
	for _, c := range all.Changes {
		if c.Symbol == "__end_rodata" {
			found = c.Kind == ChangeSymbolAbsolute && c.Old.String() == ".data+0x0" && c.New.String() == "*ABS* 0xffffffff81204000"
			if !found {
				t.Errorf("__end_rodata: %+v", c)
			}
		}
	}
	if !found {
		t.Errorf("no change for __end_rodata: %+v", all.Changes)
	}
	shown := Compare("bfd", b, "gold", g, CosmeticKinds(true))
	for _, c := range shown.Changes {
		if slices.Contains(CosmeticKinds(true), c.Kind) {
			t.Errorf("hidden kind shown: %+v", c)
		}
	}
	if shown.Hidden[ChangeSymbolAbsolute] == 0 {
		t.Errorf("hidden counts %v lack symbol-absolute", shown.Hidden)
	}
}

// testLayout makes a layout by hand: one RW segment from 0x1000 and the
// sections given, each holding the symbols named after it.
func testLayout(secs []Section, syms []Symbol, holes []Hole) *Layout {
	l := &Layout{PageSize: 0x1000, Segments: []Segment{{Type: SegmentType(elf.PT_LOAD), Vaddr: 0x1000, Memsz: 0x100000, Flags: PermRW}}}
	for _, s := range secs {
		s.Flags, s.Segment = SectionFlags(elf.SHF_ALLOC|elf.SHF_WRITE), 0
		l.Sections = append(l.Sections, s)
	}
	for _, y := range syms {
		y.Segment, y.Perm, y.RuntimePerm = 0, PermRW, PermRW
		l.Symbols = append(l.Symbols, y)
	}
	l.Holes = holes
	for _, h := range holes {
		l.Padding += h.Size
	}
	return l
}

// TestDiffShiftIsOneLine: a hole that grows before the 100th of 1000
// symbols moves the 900 after it; that is one symbol-shift change, with
// the hole, the section's growth and its pages (2 to 3), and nothing else.
func TestDiffShiftIsOneLine(t *testing.T) {
	mk := func(gap uint64) *Layout {
		var syms []Symbol
		a := uint64(0x1000)
		var holes []Hole
		for i := 0; i < 1000; i++ {
			if i == 100 && gap > 0 {
				holes = append(holes, Hole{Addr: Addr(a), Size: gap, Before: "s99", After: "s100", Cause: "symbol s100 aligned"})
				a += gap
			}
			syms = append(syms, Symbol{Name: fmt.Sprintf("s%d", i), Addr: Addr(a), Size: 8, Section: ".data"})
			a += 8
		}
		l := testLayout([]Section{{Name: ".data", Addr: 0x1000, Size: a - 0x1000, Align: 8}}, syms, holes)
		l.Pages = Pages{PermRW: (a-1)/0x1000 - 0x1000/0x1000 + 1}
		return l
	}
	d := Diff(mk(0), mk(4088))
	kinds := map[ChangeKind]int{}
	for _, c := range d.Changes {
		kinds[c.Kind]++
	}
	want := map[ChangeKind]int{ChangeHoleAdded: 1, ChangeSectionGrown: 1, ChangePages: 1, ChangeSymbolShift: 1}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Fatalf("kinds %v, want %v: %+v", kinds, want, d.Changes)
	}
	s := changesOf(d, ChangeSymbolShift)[0]
	if s.Symbol != "s100" || s.Last != "s999" || s.Count != 900 || s.Delta != 4088 || s.Old != Hex(800) || s.New != Hex(800+4088) {
		t.Errorf("shift %+v", s)
	}
	if g := changesOf(d, ChangeSectionGrown)[0]; g.Delta != 4088 || g.Cause != "padding +4088" {
		t.Errorf("growth %+v", g)
	}
}

// TestDiffBoundaries: a linker that keeps an empty .text where another
// drops it, counts _stext in .text or in .rodata, and makes __end absolute
// or keeps it in .data: the same places, so cosmetic kinds only.
func TestDiffBoundaries(t *testing.T) {
	kept := testLayout(
		[]Section{{Name: ".text", Addr: 0x1000}, {Name: ".rodata", Addr: 0x1000, Size: 16}, {Name: ".data", Addr: 0x2000, Size: 8}},
		[]Symbol{{Name: "_stext", Addr: 0x1000, Section: ".text"}, {Name: "ro", Addr: 0x1000, Size: 16, Section: ".rodata"},
			{Name: "__end", Addr: 0x2000, Section: ".data"}, {Name: "d", Addr: 0x2000, Size: 8, Section: ".data"}}, nil)
	dropped := testLayout(
		[]Section{{Name: ".rodata", Addr: 0x1000, Size: 16}, {Name: ".data", Addr: 0x2000, Size: 8}},
		[]Symbol{{Name: "_stext", Addr: 0x1000, Section: ".rodata"}, {Name: "ro", Addr: 0x1000, Size: 16, Section: ".rodata"},
			{Name: "__end", Addr: 0x2000, Section: "*ABS*"}, {Name: "d", Addr: 0x2000, Size: 8, Section: ".data"}}, nil)
	d := Diff(kept, dropped)
	got := map[string]ChangeKind{}
	for _, c := range d.Changes {
		got[c.Symbol+c.Section] = c.Kind
	}
	want := map[string]ChangeKind{".text": ChangeSectionEmpty, "_stext.rodata": ChangeSymbolBoundary, "__end*ABS*": ChangeSymbolAbsolute}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("changes %v, want %v", got, want)
	}
	// Moved for real: __end 8 bytes into .data on one side.
	dropped.Symbols[2].Addr = 0x2008
	if c := changesOf(Diff(kept, dropped), ChangeSymbolSection); len(c) != 1 || c[0].Symbol != "__end" {
		t.Errorf("a symbol at another place: %+v", c)
	}
}

// TestPagesPerPerm lists the layout's pages in report order.
func TestPagesPerPerm(t *testing.T) {
	l := &Layout{Pages: Pages{PermRW: 2, PermRO: 3, PermText: 1, PermROAfterInit: 4}}
	got := fmt.Sprint(PagesPerPerm(l))
	if want := fmt.Sprint([]PermPages{{PermText, 1}, {PermRO, 3}, {PermROAfterInit, 4}, {PermRW, 2}}); got != want {
		t.Errorf("pages %s, want %s", got, want)
	}
}

func TestValueJSON(t *testing.T) {
	for _, v := range []Value{{}, Num(0), Num(4096), Hex(0xffffffff81000000), Text("R-X"), Text(".rodata+0x10")} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var back Value
		if err := json.Unmarshal(b, &back); err != nil || back != v {
			t.Errorf("%s read back as %+v (%v), want %+v", b, back, err, v)
		}
	}
}

// TestDiffSymbolBeforeItsSection: GNU ld counts __end_rodata in .data
// while it lies before .data's start; its offset is negative, and when it
// moves that is a shift like any other.
func TestDiffSymbolBeforeItsSection(t *testing.T) {
	mk := func(end Addr) *Layout {
		return testLayout([]Section{{Name: ".rodata", Addr: 0x1000, Size: 0x10}, {Name: ".data", Addr: 0x4000, Size: 8}},
			[]Symbol{{Name: "ro", Addr: 0x1000, Size: 0x10, Section: ".rodata"}, {Name: "__end_rodata", Addr: end, Section: ".data"},
				{Name: "d", Addr: 0x4000, Size: 8, Section: ".data"}}, nil)
	}
	if d := Diff(mk(0x2000), mk(0x2000)); len(d.Changes) != 0 {
		t.Errorf("no move, changes %+v", d.Changes)
	}
	d := Diff(mk(0x2000), mk(0x3000))
	// __end_rodata is a kernel landmark too: its address moves.
	want := []Change{{Kind: ChangeLandmark, Section: ".data", Symbol: "__end_rodata", Old: Hex(0x2000), New: Hex(0x3000), Delta: 0x1000},
		{Kind: ChangeSymbolShift, Section: ".data", Symbol: "__end_rodata", Old: Text("-0x2000"), New: Text("-0x1000"), Delta: 0x1000, Count: 1}}
	if fmt.Sprint(d.Changes) != fmt.Sprint(want) {
		t.Errorf("changes %+v, want %+v", d.Changes, want)
	}
}
