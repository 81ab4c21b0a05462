package ldrun

import (
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
)

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
func assemble(t *testing.T, a *arches.Arch, srcs map[string]string) []Input {
	t.Helper()
	as := toolcheck.Require(t, a.Tool("as"))
	dir := t.TempDir()
	var ins []Input
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
		ins = append(ins, Input{Name: name, Data: data})
	}
	return ins
}

func TestLinkAllTargets(t *testing.T) {
	for _, a := range arches.All() {
		t.Run(a.Name, func(t *testing.T) {
			if a.Triple == "" {
				t.Skip("no GNU tools exist for this target; TestSynthObjectsEveryPageSize covers it")
			}
			t.Parallel()
			p := a.DefaultPageSize()
			inputs := map[bool][]Input{false: assemble(t, a, founding(p, false)), true: assemble(t, a, founding(p, true))}
			for _, l := range a.Linkers {
				if _, err := Find(a, l); err != nil {
					toolcheck.Missing(t, "%v", err)
					continue
				}
				for _, script := range ScriptNames {
					if l == arches.Mold && script != ScriptNone {
						continue
					}
					t.Run(l.String()+"/"+script, func(t *testing.T) {
						res, err := Link(context.Background(), Options{Arch: a, Linker: l, Script: script}, inputs[script == ScriptKernelFixed])
						if err != nil {
							t.Fatal(err)
						}
						if l == arches.BFD && len(res.Layout.Warnings) > 0 {
							t.Errorf("bfd warned: %q", res.Layout.Warnings)
						}
						checkLayout(t, res.Image, res.Layout)
						if script != ScriptNone {
							checkFounding(t, res.Layout, script == ScriptKernelFixed)
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

// checkTiling checks that, in each allocated section with symbols, the bytes covered
// by symbols and by holes add up to the section's size, that the padding
// is the holes' total, and that every hole has a cause.
func checkTiling(t *testing.T, lay *Layout) {
	t.Helper()
	var total uint64
	for _, h := range lay.Holes {
		total += h.Size
		if h.Cause == "" || h.Cause == "unexplained" {
			t.Errorf("hole %+v has no cause", h)
		}
	}
	if total != lay.Padding {
		t.Errorf("padding %d, holes add up to %d", lay.Padding, total)
	}
	for _, s := range lay.Sections {
		if !strings.Contains(s.Flags, "A") || strings.Contains(s.Flags, "T") {
			continue
		}
		lo, hi := uint64(s.Addr), uint64(s.Addr)+s.Size
		covered := make([][2]uint64, 0)
		for _, y := range lay.Symbols {
			if y.Section == s.Name && y.Size > 0 {
				covered = append(covered, [2]uint64{uint64(y.Addr), min(uint64(y.Addr)+y.Size, hi)})
			}
		}
		for _, h := range lay.Holes {
			if uint64(h.Addr) >= lo && uint64(h.Addr) < hi {
				covered = append(covered, [2]uint64{uint64(h.Addr), uint64(h.Addr) + h.Size})
			}
		}
		if len(covered) == 0 {
			continue // no symbols: the section is all contents
		}
		if n := union(covered); n != s.Size {
			t.Errorf("section %s: symbols and holes cover %d of %d bytes", s.Name, n, s.Size)
		}
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
