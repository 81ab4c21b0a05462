package layout_test

import (
	"bufio"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/elfsynth/elfsynth/internal/kfixtures"
	. "github.com/elfsynth/elfsynth/ldrun/layout"
)

// kernelSources says what a test gives Read beside a real kernel image.
type kernelSources int

const (
	imageOnly   kernelSources = iota
	withMap                   // the link map and the preprocessed script
	withObjects               // the objects the fixture keeps
	withAll                   // map, script and objects
)

func (k kernelSources) String() string {
	return [...]string{"image", "map", "objects", "map+objects"}[k]
}

// kernels keeps each fixture read with each kind of source, for the
// tests that read the same ones: reading is what makes them slow under
// -race.
var kernels sync.Map // string -> *kernelOnce

type kernelOnce struct {
	once sync.Once
	lay  *Layout
	err  error
}

// kernel reads a real kernel fixture with the sources asked for, once
// per test binary; the layouts are the tests' to read, not to change.
func kernel(t *testing.T, arch, variant string, with kernelSources) *Layout {
	t.Helper()
	v, _ := kernels.LoadOrStore(arch+"/"+variant+"/"+with.String(), &kernelOnce{})
	k := v.(*kernelOnce)
	k.once.Do(func() { k.lay, k.err = readKernel(t, arch, variant, with) })
	if k.err != nil {
		t.Fatal(k.err)
	}
	return k.lay
}

func readKernel(t *testing.T, arch, variant string, with kernelSources) (*Layout, error) {
	t.Helper()
	f, err := os.Open(kfixtures.Image(t, arch, variant))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var src Sources
	if with == withMap || with == withAll {
		src.Map = kernelMap(t, arch, variant)
		script := kfixtures.Script(arch, variant)
		b, err := os.ReadFile(script)
		if err != nil {
			t.Fatal(err)
		}
		src.Script, src.ScriptName = string(b), "vmlinux.lds"
	}
	if with == withObjects || with == withAll {
		src.Objects = kernelObjects(t, arch, variant)
	}
	return Read(f, src)
}

func kernelMap(t *testing.T, arch, variant string) *LinkMap {
	t.Helper()
	f, err := os.Open(kfixtures.Map(t, arch, variant))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := ReadMap(bufio.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// kernelObjects reads the objects a fixture keeps, named as the build
// names them (objects/LIST), as a map names them.
func kernelObjects(t *testing.T, arch, variant string) []*Object {
	t.Helper()
	paths := kfixtures.Objects(t, arch, variant)
	list, err := os.ReadFile(filepath.Join(kfixtures.Dir(), arch, variant, "objects", "LIST"))
	if err != nil {
		t.Fatal(err)
	}
	names := strings.Fields(string(list))
	if len(names) != len(paths) {
		t.Fatalf("%d objects, %d names", len(paths), len(names))
	}
	var objs []*Object
	for i, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		o, err := ReadObject(names[i], b)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	return objs
}

// TestKernelEveryByte reads every real kernel fixture with every kind of
// source and checks that every byte is labelled once, the totals add up,
// and every cause is borne out; that no padding hole holds anything but
// fill; and, with the map, that every hole between input sections is
// one GNU ld filled.
func TestKernelEveryByte(t *testing.T) {
	for _, arch := range kfixtures.Arches() {
		for _, v := range kfixtures.Variants {
			for _, with := range []kernelSources{imageOnly, withMap, withObjects, withAll} {
				t.Run(fmt.Sprintf("%s/%s/%s", arch, v, with), func(t *testing.T) {
					t.Parallel()
					lay := kernel(t, arch, v, with)
					if err := lay.Check(); err != nil {
						t.Fatal(err)
					}
					checkFill(t, kfixtures.Image(t, arch, v), lay)
					if with == withMap || with == withAll {
						checkFillsInMap(t, kfixtures.Map(t, arch, v), lay)
					}
					for _, f := range lay.Findings {
						// Without the map and the script, what a script
						// reserves between sections is a gap no alignment
						// explains: a finding, and it says so.
						if f.Kind == FindingOverlap || f.Kind == FindingUnexplainedGap && (with == withMap || with == withAll) {
							t.Errorf("finding: %s", f.Message)
						}
					}
				})
			}
		}
	}
}

// checkFill reads every padding hole's bytes from the image, apart from
// Read, and fails on any that is not fill: zeros, or in code the no-ops
// and traps GNU as and GNU ld pad with.
func checkFill(t *testing.T, image string, lay *Layout) {
	t.Helper()
	f, err := elf.Open(image)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, h := range lay.Holes {
		if h.Section == "" {
			continue
		}
		var sec *elf.Section
		for _, s := range f.Sections {
			if s.Name == h.Section && uint64(h.Addr) >= s.Addr && uint64(h.Addr)+h.Size <= s.Addr+s.Size {
				sec = s
			}
		}
		if sec == nil {
			t.Fatalf("hole %+v in no section", h)
		}
		if sec.Type == elf.SHT_NOBITS {
			continue
		}
		b := make([]byte, h.Size)
		if _, err := sec.ReadAt(b, int64(uint64(h.Addr)-sec.Addr)); err != nil {
			t.Fatal(err)
		}
		if !looksLikeFill(f.Machine, sec.Flags&elf.SHF_EXECINSTR != 0, b) {
			t.Errorf("padding %s+%d (%s) holds % x", h.Addr, h.Size, h.Cause, b[:min(len(b), 32)])
		}
	}
}

// looksLikeFill is a test's own idea of fill: zeros; in x86 code bytes of
// int3 and the NOP encodings; in arm64 code NOP words.
func looksLikeFill(m elf.Machine, code bool, b []byte) bool {
	for i, c := range b {
		switch {
		case c == 0:
		case code && m == elf.EM_X86_64 && strings.IndexByte("\xcc\x90\x66\x2e\x0f\x1f\x40\x44\x80\x84", c) >= 0:
		case code && m == elf.EM_AARCH64 && i%4 < 4 && len(b)%4 == 0 && string(b[i-i%4:i-i%4+4]) == "\x1f\x20\x03\xd5":
		default:
			return false
		}
	}
	return true
}

var fillRE = regexp.MustCompile(`^ \*fill\*\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)`)

// checkFillsInMap checks the holes between input sections against the
// *fill* lines of GNU ld's map: each lies inside one, so no input
// section's byte is called padding.
func checkFillsInMap(t *testing.T, mapFile string, lay *Layout) {
	t.Helper()
	f, err := os.Open(mapFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type span struct{ lo, hi uint64 }
	var fills []span
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := fillRE.FindStringSubmatch(sc.Text()); m != nil {
			lo, _ := strconv.ParseUint(m[1], 16, 64)
			n, _ := strconv.ParseUint(m[2], 16, 64)
			fills = append(fills, span{lo, lo + n})
		}
	}
	if len(fills) == 0 {
		t.Fatal("no *fill* in the map")
	}
	for _, h := range lay.Holes {
		if h.Section == "" || h.Kind != CauseInputSection && h.Kind != CauseScript {
			continue
		}
		lo, hi := uint64(h.Addr), uint64(h.Addr)+h.Size
		in := false
		for _, s := range fills {
			in = in || s.lo <= lo && hi <= s.hi
		}
		if !in {
			t.Errorf("hole %s+%d (%s) is not in any *fill* of the map", h.Addr, h.Size, h.Cause)
		}
	}
}

// foundingHoles are the two holes the founding change (in the seed's
// order: the pfn, then the array) makes: before mm/mm_init.o's
// .data..ro_after_init input section, and before the array in it.
func foundingHoles(t *testing.T, lay *Layout) (section, array Hole) {
	t.Helper()
	for _, h := range lay.Holes {
		switch h.After {
		case "zp_test_pfn":
			section = h
		case "zp_test_page":
			array = h
		}
	}
	if section.Size == 0 || array.Size == 0 {
		t.Fatalf("no holes before zp_test_pfn and zp_test_page: %+v %+v", section, array)
	}
	return section, array
}

// TestKernelFoundingChangeCauses: with the map, each of the founding
// change's two holes has its true cause: mm/mm_init.o's input section,
// aligned to 4096 (GNU ld's map gives no alignments; the hole inside it,
// 4088 bytes before the array, needs 4096, and its address allows no
// more), then the array's own alignment; with the objects too, the same,
// from the object's section header; with the objects alone, the same
// placed by the symbols; with the image alone, "at least 4096", inferred.
func TestKernelFoundingChangeCauses(t *testing.T) {
	for _, arch := range kfixtures.Arches() {
		for _, with := range []kernelSources{imageOnly, withMap, withObjects, withAll} {
			t.Run(arch+"/"+with.String(), func(t *testing.T) {
				t.Parallel()
				lay := kernel(t, arch, "change", with)
				sec, arr := foundingHoles(t, lay)
				pfn, _ := lay.Symbol("zp_test_pfn")
				page, _ := lay.Symbol("zp_test_page")
				if uint64(sec.Addr)+sec.Size != uint64(pfn.Addr) || uint64(arr.Addr)+arr.Size != uint64(page.Addr) {
					t.Errorf("holes %+v %+v do not end at zp_test_pfn %s and zp_test_page %s", sec, arr, pfn.Addr, page.Addr)
				}
				if arr.Size != 4096-8 {
					t.Errorf("hole before the array: %d bytes, want a page less the pfn", arr.Size)
				}
				if with == imageOnly {
					for _, h := range []Hole{sec, arr} {
						if h.Kind != CauseAlignment || !h.Inferred || h.Align != 4096 {
							t.Errorf("image alone: %+v", h)
						}
					}
					return
				}
				want := Hole{Kind: CauseInputSection, Align: 4096, Input: "mm/mm_init.o(.data..ro_after_init)"}
				if sec.Kind != want.Kind || sec.Align != want.Align || sec.Input != want.Input || sec.Inferred {
					t.Errorf("hole before mm/mm_init.o's input section: %+v, want %+v", sec, want)
				}
				if arr.Kind != CauseSymbol || arr.Symbol != "zp_test_page" || arr.Align != 4096 || arr.Input != want.Input || arr.Inferred {
					t.Errorf("hole before the array: %+v", arr)
				}
			})
		}
	}
}

// TestKernelPaddingTotals: across base, the change and the fix, with the
// map, the padding totals differ exactly by the holes that differ: the
// change adds its two holes and absorbs the hole that was before the
// input section that now follows mm/mm_init.o's (the array ends on a page
// boundary, which that section's alignment divides); the fix, which puts
// the array on the page __start_rodata begins, moves everything after it
// by a page and changes no padding.
func TestKernelPaddingTotals(t *testing.T) {
	for _, arch := range kfixtures.Arches() {
		t.Run(arch, func(t *testing.T) {
			t.Parallel()
			base, change, fix := kernel(t, arch, "base", withMap), kernel(t, arch, "change", withMap), kernel(t, arch, "fix", withMap)
			sec, arr := foundingHoles(t, change)
			added, removed := holeDiff(change, base)
			t.Logf("%s padding: base %d, change %d, fix %d; the change adds %v, removes %v", arch, base.Padding, change.Padding,
				fix.Padding, added, removed)
			if len(added) != 2 || added[0] != sec.Size && added[1] != sec.Size || added[0]+added[1] != sec.Size+arr.Size {
				t.Errorf("the change adds holes of %v bytes, want its two: %d and %d", added, sec.Size, arr.Size)
			}
			var gone uint64
			for _, n := range removed {
				gone += n
			}
			if len(removed) > 1 || change.Padding-base.Padding != sec.Size+arr.Size-gone {
				t.Errorf("padding %d -> %d: not the two holes (%d + %d) less the absorbed %v", base.Padding, change.Padding,
					sec.Size, arr.Size, removed)
			}
			if fix.Padding != base.Padding {
				t.Errorf("fix padding %d, base %d", fix.Padding, base.Padding)
			}
			if z, s := symAddr(t, fix, "zp_test_page"), symAddr(t, fix, "__start_rodata"); z != s {
				t.Errorf("fix: zp_test_page at %#x, __start_rodata at %#x", z, s)
			}
		})
	}
}

// holeDiff lists the sizes of the holes inside sections that a has and b
// has not, and the other way round, holes matched by what they are
// between and their cause: addresses move between variants.
func holeDiff(a, b *Layout) (onlyA, onlyB []uint64) {
	key := func(h Hole) string {
		return h.Section + "|" + h.Before + "|" + h.After + "|" + string(h.Kind) + "|" + h.Input + "|" + h.Symbol
	}
	count := map[string][]uint64{}
	for _, h := range b.Holes {
		if h.Section != "" {
			count[key(h)] = append(count[key(h)], h.Size)
		}
	}
	for _, h := range a.Holes {
		if h.Section == "" {
			continue
		}
		k := key(h)
		if s := count[k]; len(s) > 0 && s[0] == h.Size {
			count[k] = s[1:]
			continue
		}
		onlyA = append(onlyA, h.Size)
	}
	for _, s := range count {
		onlyB = append(onlyB, s...)
	}
	return onlyA, onlyB
}

// TestKernelImageEffects shows the change's cost at the level of the
// image: pages by runtime permission, and the landmarks it moves. On
// arm64 a 1.8 KiB hole pushes __end_rodata up a page and with it
// __init_begin, _sdata and _end by the 64 KiB segment alignment; on
// x86_64 they stay (rodata ends 2 MiB-aligned) and ro_after_init takes
// more pages.
func TestKernelImageEffects(t *testing.T) {
	for _, arch := range kfixtures.Arches() {
		t.Run(arch, func(t *testing.T) {
			t.Parallel()
			base, change := kernel(t, arch, "base", withMap), kernel(t, arch, "change", withMap)
			after := func(l *Layout) uint64 { return l.Pages[PermROAfterInit] }
			if after(change) <= after(base) {
				t.Errorf("ro_after_init pages: base %d, change %d", after(base), after(change))
			}
			moved := func(name string) uint64 { return symAddr(t, change, name) - symAddr(t, base, name) }
			t.Logf("%s: pages base %v change %v; __end_rodata +%#x __init_begin +%#x _sdata +%#x _end +%#x", arch, base.Pages,
				change.Pages, moved("__end_rodata"), moved("__init_begin"), moved("_sdata"), moved("_end"))
			switch arch {
			case "arm64":
				for _, n := range []string{"__init_begin", "_sdata", "_end"} {
					if d := moved(n); d != 64<<10 {
						t.Errorf("%s moves by %#x, want the 64 KiB segment alignment", n, d)
					}
				}
			case "x86_64":
				for _, n := range []string{"__init_begin", "_sdata", "_end"} {
					if d := moved(n); d != 0 {
						t.Errorf("%s moves by %#x, want 0", n, d)
					}
				}
			}
		})
	}
}
