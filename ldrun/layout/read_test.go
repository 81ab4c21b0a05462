package layout_test

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/ldrun"
	. "github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/ldrun/report"
	"github.com/elfsynth/elfsynth/synth"
)

func mustArch(t testing.TB, name string) *arches.Arch {
	t.Helper()
	a, err := arches.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// needLinker skips (or fails) t when l is not installed for a.
func needLinker(t *testing.T, a *arches.Arch, l arches.Linker) {
	t.Helper()
	if _, err := ldrun.Find(a, l); errors.Is(err, ldrun.ErrNotInstalled) {
		toolcheck.Missing(t, "%v", err)
	} else if err != nil {
		t.Fatal(err)
	}
}

func link(t testing.TB, opt ldrun.Options, in *synth.Inputs) *ldrun.Result {
	t.Helper()
	res, err := ldrun.Link(context.Background(), opt, in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// founding returns GNU as sources of the founding case for page size p:
// a.o with .rodata and small ro_after_init data, mm_init.o with the
// page-aligned empty_zero_page (in .data..ro_after_init, or with fixed in
// .rodata..page_aligned), c.o with more ro_after_init data and .bss.
func founding(p uint64, fixed bool) map[string]string {
	zeroSec := `.data..ro_after_init,"aw"`
	if fixed {
		zeroSec = `.rodata..page_aligned,"a"`
	}
	sym := func(name string, size uint64) string {
		return fmt.Sprintf("\t.globl %[1]s\n%[1]s:\n\t.space %[2]d\n\t.size %[1]s, %[2]d\n", name, size)
	}
	return map[string]string{
		"a.o": "\t.text\n" + sym("func_a", 16) +
			"\t.section .rodata,\"a\"\n" + sym("ro_a", 100) +
			"\t.section .data..ro_after_init,\"aw\"\n\t.balign 8\n" + sym("a1", 8) + sym("a2", 24) +
			"\t.data\n" + sym("d1", 8),
		"mm_init.o": "\t.section .data..ro_after_init,\"aw\"\n\t.balign 8\n" + sym("zero_page_pfn", 8) +
			"\t.section " + zeroSec + "\n" + fmt.Sprintf("\t.balign %d\n", p) + sym("empty_zero_page", p) +
			"\t.section .data..ro_after_init,\"aw\"\n" + sym("__zero_page", 8) +
			fmt.Sprintf("\t.section .bss..page_aligned,\"aw\",%%nobits\n\t.balign %d\n", p) + sym("bss_pg", p),
		"c.o": "\t.section .data..ro_after_init,\"aw\"\n\t.balign 8\n" + sym("c1", 8) +
			"\t.bss\n\t.balign 8\n" + sym("b1", 8),
	}
}

// assemble runs GNU as for a on each source, in link order a, mm_init, c.
func assemble(t testing.TB, a *arches.Arch, srcs map[string]string) *synth.Inputs {
	t.Helper()
	as := toolcheck.Require(t, a.Tool("as"))
	dir := t.TempDir()
	ins := &synth.Inputs{}
	for _, name := range []string{"a.o", "mm_init.o", "c.o"} {
		src := filepath.Join(dir, name+".s")
		if err := os.WriteFile(src, []byte(srcs[name]), 0o644); err != nil {
			t.Fatal(err)
		}
		obj := filepath.Join(dir, name)
		out, err := exec.Command(as, append(append([]string{}, a.AsFlags...), "-o", obj, src)...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", as, err, out)
		}
		data, err := os.ReadFile(obj)
		if err != nil {
			t.Fatal(err)
		}
		ins.Objects = append(ins.Objects, synth.Object{Name: name, Data: data})
	}
	return ins
}

// TestLayoutMatchesImage links the founding case, assembled by GNU as, on
// every target with every linker and built-in script, and checks the
// layout against the image read independently.
func TestLayoutMatchesImage(t *testing.T) {
	for _, a := range arches.All() {
		t.Run(a.Name, func(t *testing.T) {
			if a.Triple == "" {
				t.Skip("no GNU tools exist for this target; TestSynthObjectsEveryPageSize covers it")
			}
			t.Parallel()
			p := a.DefaultPageSize()
			inputs := map[bool]*synth.Inputs{false: assemble(t, a, founding(p, false)), true: assemble(t, a, founding(p, true))}
			for _, l := range a.Linkers {
				if _, err := ldrun.Find(a, l); errors.Is(err, ldrun.ErrNotInstalled) {
					toolcheck.Missing(t, "%v", err)
					continue
				}
				for _, script := range ldrun.ScriptNames() {
					if l == arches.LinkerMold && script != ldrun.ScriptNone {
						continue
					}
					t.Run(l.String()+"/"+script, func(t *testing.T) {
						res := link(t, ldrun.Options{Arch: a, Linker: l, Script: script}, inputs[script == ldrun.ScriptKernelFixed])
						if l == arches.LinkerBFD && len(res.Layout.Warnings) > 0 {
							t.Errorf("bfd warned: %q", res.Layout.Warnings)
						}
						checkLayout(t, res.Image, res.Layout)
						if script != ldrun.ScriptNone {
							checkFounding(t, res.Layout, script == ldrun.ScriptKernelFixed)
						}
					})
				}
			}
		})
	}
}

// checkLayout compares lay with the image read independently, and checks
// that symbols and holes tile every allocated section.
func checkLayout(t *testing.T, image []byte, lay *Layout) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		t.Fatal(err)
	}
	// Sections: every non-symbol-table section, with its address and size.
	want := map[string]elf.SectionHeader{}
	for _, s := range f.Sections {
		meta := (s.Type == elf.SHT_SYMTAB || s.Type == elf.SHT_STRTAB) && s.Flags&elf.SHF_ALLOC == 0
		if s.Type != elf.SHT_NULL && !meta {
			want[s.Name] = s.SectionHeader
		}
	}
	if len(lay.Sections) != len(want) {
		t.Errorf("layout has %d sections, image %d", len(lay.Sections), len(want))
	}
	for _, s := range lay.Sections {
		w, ok := want[s.Name]
		if !ok || uint64(s.Addr) != w.Addr || s.Size != w.Size || s.Align != w.Addralign {
			t.Errorf("section %s %s size %d align %d; image has %+v", s.Name, s.Addr, s.Size, s.Align, w)
		}
	}
	// Symbols: every named global, local data symbol and script symbol.
	syms, _ := f.Symbols()
	type key struct {
		name       string
		addr, size uint64
	}
	img := map[key]int{}
	for _, s := range syms {
		if s.Section < elf.SHN_LORESERVE && int(s.Section) < len(f.Sections) {
			if typ := f.Sections[s.Section].Type; typ == elf.SHT_SYMTAB || typ == elf.SHT_STRTAB || typ == elf.SHT_NULL {
				continue
			}
		}
		if s.Name != "" && !strings.HasPrefix(s.Name, "$") && elf.ST_TYPE(s.Info) != elf.STT_FILE &&
			elf.ST_TYPE(s.Info) != elf.STT_SECTION && s.Section != elf.SHN_UNDEF {
			img[key{s.Name, s.Value, s.Size}]++
		}
	}
	for _, s := range lay.Symbols {
		k := key{s.Name, uint64(s.Addr), s.Size}
		if img[k] == 0 {
			t.Errorf("layout symbol %s %s size %d not in the image", s.Name, s.Addr, s.Size)
		}
		img[k]--
	}
	for k, n := range img {
		if n > 0 {
			t.Errorf("image symbol %s %#x size %d missing from the layout", k.name, k.addr, k.size)
		}
	}
	checkTiling(t, lay)
}

// checkTiling checks the layout's own invariant: every byte of every
// allocated section is a symbol's, padding or content, once; totals add
// up; every cause is borne out by the inputs.
func checkTiling(t *testing.T, lay *Layout) {
	t.Helper()
	if err := lay.Check(); err != nil {
		t.Error(err)
	}
}

func union(rs [][2]uint64) uint64 {
	sort.Slice(rs, func(i, j int) bool { return rs[i][0] < rs[j][0] })
	var n, end uint64
	for i, r := range rs {
		if i == 0 || r[0] > end {
			n += r[1] - r[0]
			end = r[1]
		} else if r[1] > end {
			n += r[1] - end
			end = r[1]
		}
	}
	return n
}

// roaiPadding is the padding inside [__start_ro_after_init,
// __end_ro_after_init).
func roaiPadding(t *testing.T, lay *Layout) uint64 {
	t.Helper()
	lo, hi := symAddr(t, lay, "__start_ro_after_init"), symAddr(t, lay, "__end_ro_after_init")
	var n uint64
	for _, h := range lay.Holes {
		if uint64(h.Addr) >= lo && uint64(h.Addr) < hi {
			n += h.Size
		}
	}
	return n
}

func symAddr(t *testing.T, lay *Layout, name string) uint64 {
	t.Helper()
	for _, s := range lay.Symbols {
		if s.Name == name {
			return uint64(s.Addr)
		}
	}
	t.Fatalf("no symbol %s", name)
	return 0
}

// checkFounding checks the founding case on any target: the page-aligned
// array in ro_after_init costs padding; with the fix it sits at
// __start_rodata and ro_after_init has no padding.
func checkFounding(t *testing.T, lay *Layout, fixed bool) {
	t.Helper()
	pad := roaiPadding(t, lay)
	t.Logf("%s %s ro_after_init padding %d", lay.Arch, lay.Linker.Name, pad)
	if !fixed {
		if pad < lay.PageSize/2 {
			t.Errorf("ro_after_init padding %d, want at least half a page", pad)
		}
		return
	}
	if pad != 0 {
		t.Errorf("fixed: ro_after_init padding %d, want 0", pad)
	}
	if z, s := symAddr(t, lay, "empty_zero_page"), symAddr(t, lay, "__start_rodata"); z != s {
		t.Errorf("fixed: empty_zero_page at %#x, __start_rodata at %#x", z, s)
	}
}
func holeWith(lay *Layout, after string) *Hole {
	for i := range lay.Holes {
		if lay.Holes[i].After == after {
			return &lay.Holes[i]
		}
	}
	return nil
}

// TestFoundingCaseX86 checks the founding case with GNU ld on x86_64 hole
// by hole: 3936 B before mm_init.o's page-aligned input section and 4088 B
// before empty_zero_page; none with the fix.
func TestFoundingCaseX86(t *testing.T) {
	a := mustArch(t, "x86_64")
	needLinker(t, a, arches.LinkerBFD)
	before := link(t, ldrun.Options{Arch: a, Linker: arches.LinkerBFD, Script: ldrun.ScriptKernel}, assemble(t, a, founding(4096, false)))
	after := link(t, ldrun.Options{Arch: a, Linker: arches.LinkerBFD, Script: ldrun.ScriptKernelFixed}, assemble(t, a, founding(4096, true)))
	want := map[string]Hole{
		"zero_page_pfn": {Size: 3936, Before: "a2", Kind: CauseInputSection, Align: 4096, Input: "mm_init.o(.data..ro_after_init)",
			Cause: "mm_init.o(.data..ro_after_init) aligned to 4096"},
		// GNU as records no symbol's alignment: its offset, 0x1000, in
		// an input section aligned to 4096 and the 4088 bytes before it
		// leave only 4096.
		"empty_zero_page": {Size: 4088, Before: "zero_page_pfn", Kind: CauseSymbol, Align: 4096, Input: "mm_init.o(.data..ro_after_init)",
			Symbol: "empty_zero_page", Cause: "symbol empty_zero_page aligned to 4096 (derived from its offset 0x1000 in mm_init.o(.data..ro_after_init))"},
	}
	for name, w := range want {
		h := holeWith(before.Layout, name)
		if h == nil || h.Size != w.Size || h.Before != w.Before || h.Cause != w.Cause || h.Kind != w.Kind || h.Align != w.Align ||
			h.Input != w.Input || h.Symbol != w.Symbol || h.Inferred {
			t.Errorf("hole before %s = %+v, want %+v", name, h, w)
		}
	}
	if got := roaiPadding(t, before.Layout); got != 8024 {
		t.Errorf("before the fix: ro_after_init padding %d, want 8024", got)
	}
	if got := roaiPadding(t, after.Layout); got != 0 {
		t.Errorf("after the fix: ro_after_init padding %d, want 0", got)
	}
	t.Logf("padding before %d (total %d), after %d (total %d)", roaiPadding(t, before.Layout), before.Layout.Padding,
		roaiPadding(t, after.Layout), after.Layout.Padding)
	// The padding totals differ by exactly the two holes; the pages they
	// cost show as __end_rodata moving two pages down.
	if d := before.Layout.Padding - after.Layout.Padding; d != 3936+4088 {
		t.Errorf("the fix saves %d bytes of padding, want the two holes' 8024", d)
	}
	if b, a := symAddr(t, before.Layout, "__end_rodata"), symAddr(t, after.Layout, "__end_rodata"); b-a != 8192 {
		t.Errorf("__end_rodata moves from %#x to %#x, want two pages down", b, a)
	}
	// The kernel maps all of ro_after_init read-only once booted.
	for _, s := range before.Layout.Symbols {
		if s.Name == "empty_zero_page" && (s.Perm != PermText || s.RuntimePerm != PermROAfterInit) {
			t.Errorf("empty_zero_page perm %q runtime %q", s.Perm, s.RuntimePerm)
		}
	}
	var buf bytes.Buffer
	if err := report.Layout(&buf, before.Layout); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"linker: bfd (GNU ld", "symbol empty_zero_page aligned to 4096", "padding: ", "R-- after init"} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("text report lacks %q:\n%s", s, buf.String())
		}
	}
	js, err := json.Marshal(before.Layout)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"addr":"0xffffffff81202000"`, `"runtime_perm":"R-- after init"`, `"page_size":4096`, `"padding":`} {
		if !bytes.Contains(js, []byte(s)) {
			t.Errorf("JSON lacks %s", s)
		}
	}
}

// TestMIPSAttributesAfterMemory checks that the MIPS sections GNU as adds
// land after _end, not inside the kernel image.
func TestMIPSAttributesAfterMemory(t *testing.T) {
	a := mustArch(t, "mips64el")
	links := 0
	for _, l := range a.Linkers {
		if l == arches.LinkerMold {
			continue
		}
		needLinker(t, a, l)
		res := link(t, ldrun.Options{Arch: a, Linker: l}, assemble(t, a, founding(4096, false)))
		links++
		end := symAddr(t, res.Layout, "_end")
		for _, s := range res.Layout.Sections {
			if strings.HasPrefix(s.Name, ".MIPS.") && uint64(s.Addr) < end {
				t.Errorf("%v: %s at %s, before _end %#x", l, s.Name, s.Addr, end)
			}
		}
	}
	if links == 0 {
		t.Fatal("no linker of mips64el takes a script")
	}
}

// TestDiffGoldAbsolute checks Diff on bfd and gold: gold makes script
// symbols assigned between output sections absolute.
func TestDiffGoldAbsolute(t *testing.T) {
	a := mustArch(t, "x86_64")
	needLinker(t, a, arches.LinkerBFD)
	needLinker(t, a, arches.LinkerGold)
	in := assemble(t, a, founding(4096, false))
	b := link(t, ldrun.Options{Arch: a, Linker: arches.LinkerBFD}, in)
	g := link(t, ldrun.Options{Arch: a, Linker: arches.LinkerGold}, in)
	d := strings.Join(Diff(b.Layout, g.Layout), "\n")
	if !strings.Contains(d, "symbol __end_rodata: bfd 0xffffffff81204000 size 0 in .data, gold 0xffffffff81204000 size 0 in *ABS*") {
		t.Errorf("diff:\n%s", d)
	}
	if len(Diff(b.Layout, b.Layout)) != 0 {
		t.Error("a layout differs from itself")
	}
}

func TestReadGarbage(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("garbage"), []byte("\x7fELF\x02\x01\x01"), bytes.Repeat([]byte{0x7f}, 200)} {
		if _, err := Read(bytes.NewReader(b), Sources{}); err == nil {
			t.Errorf("Read(%q) succeeded", b)
		}
	}
}

// TestScriptFileFindingsOrphans links with a script file that ends rodata
// off a page boundary and places no .init.data.
func TestScriptFileFindingsOrphans(t *testing.T) {
	a := mustArch(t, "x86_64")
	needLinker(t, a, arches.LinkerBFD)
	srcs := founding(4096, false)
	srcs["c.o"] += "\t.section .init.data,\"aw\"\n\t.globl init_x\ninit_x:\n\t.space 8\n\t.size init_x, 8\n"
	res := link(t, ldrun.Options{Arch: a, Linker: arches.LinkerBFD, Script: "testdata/unaligned.lds"}, assemble(t, a, srcs))
	lay := res.Layout
	if len(lay.Orphans) != 1 || lay.Orphans[0] != "c.o(.init.data)" {
		t.Errorf("orphans %q, want [c.o(.init.data)]", lay.Orphans)
	}
	found := false
	for _, f := range lay.Findings {
		found = found || strings.HasPrefix(f, "__end_rodata at ") && strings.Contains(f, "R-- and RW-")
	}
	if !found {
		t.Errorf("no finding for the unaligned __end_rodata: %q", lay.Findings)
	}
	checkTiling(t, lay)
}

func FuzzRead(f *testing.F) {
	f.Add([]byte("\x7fELF"))
	// A real image, when a linker is at hand, lets the fuzzer mutate
	// valid headers, sections and symbols.
	if a, _ := arches.Lookup("i386"); a != nil {
		if _, err := ldrun.Find(a, arches.LinkerBFD); err == nil {
			if res, err := linkI386(f, a); err == nil {
				f.Add(res.Image)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		lay, err := Read(bytes.NewReader(b), Sources{})
		if err == nil {
			// Whatever it reads must be writable.
			if err := report.Layout(&bytes.Buffer{}, lay); err != nil {
				t.Fatal(err)
			}
			if _, err := json.Marshal(lay); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// linkI386 links a small founding-case image without a script, for a seed.
func linkI386(f *testing.F, a *arches.Arch) (*ldrun.Result, error) {
	as := a.Tool("as")
	if _, err := exec.LookPath(as); err != nil {
		return nil, err
	}
	dir := f.TempDir()
	src := filepath.Join(dir, "c.s")
	if err := os.WriteFile(src, []byte(founding(4096, false)["c.o"]), 0o644); err != nil {
		return nil, err
	}
	obj := filepath.Join(dir, "c.o")
	if err := exec.Command(as, append(append([]string{}, a.AsFlags...), "-o", obj, src)...).Run(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(obj)
	if err != nil {
		return nil, err
	}
	in := &synth.Inputs{Objects: []synth.Object{{Name: "c.o", Data: data}}}
	return ldrun.Link(context.Background(), ldrun.Options{Arch: a, Linker: arches.LinkerBFD, Script: ldrun.ScriptNone}, in)
}
