package region_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/linkertest"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/ldrun/region"
	"github.com/elfsynth/elfsynth/synth"
)

// mixed is a region worth taking apart: ro_after_init data of mixed
// alignments across units, a page-aligned array in the middle, bytes no
// symbol names, and .rodata before it all.
const mixed = `name: mixed
units:
  - name: a.o
    sections:
      - name: .rodata
        symbols:
          - {name: a_rodata, size: 100, align: 4}
      - name: .data..ro_after_init
        symbols:
          - {name: a_ro, size: 8, align: 8}
          - {name: a_table, size: 24, align: 8}
  - name: b.o
    sections:
      - name: .rodata
        symbols:
          - {name: b_rodata, size: 13}
      - name: .data..ro_after_init
        symbols:
          - {name: b_flag, size: 1}
          - {name: b_wide, size: 64, align: 64}
  - name: mm_init.o
    sections:
      - name: .data..ro_after_init
        symbols:
          - {name: zero_page_pfn, size: 8, align: 8}
          - {name: empty_zero_page, size: page, align: page}
          - {name: after_page, size: 12, align: 4}
  - name: c.o
    sections:
      - name: .data..ro_after_init
        symbols:
          - {name: c_ro, size: 8, align: 8}
          - {name: c_unnamed_tail, size: 3, bind: local}
  - name: d.o
    sections:
      - name: .data..ro_after_init
        symbols:
          - {name: d_ro, size: 16, align: 16}
`

// link links s for x86_64 with l under the built-in kernel script,
// writing a link map when mapPath is set.
func link(t *testing.T, s *synth.Scenario, l arches.Linker, mapPath string) (*ldrun.Result, *synth.Inputs) {
	t.Helper()
	a, _ := arches.Lookup("x86_64")
	linkertest.Need(t, a, l)
	in, err := synth.BuildInputs(s, a, 0)
	if err != nil {
		t.Fatal(err)
	}
	opt := ldrun.Options{Arch: a, Linker: l, Script: ldrun.ScriptKernel}
	if mapPath != "" {
		opt.Flags = []string{"-Map=" + mapPath}
	}
	r, err := ldrun.Link(context.Background(), opt, in)
	if err != nil {
		t.Fatal(err)
	}
	return r, in
}

// holesAround are the holes, as "before..after size", whose neighbours
// are among names.
func holesAround(lay *layout.Layout, names ...string) []string {
	var out []string
	for _, h := range lay.Holes {
		if slices.Contains(names, h.Before) || slices.Contains(names, h.After) {
			out = append(out, fmt.Sprintf("%s..%s %d", h.Before, h.After, h.Size))
		}
	}
	return out
}

// TestExtractedRegionLinksAsTheImage takes the region around
// empty_zero_page out of an image elfsynth linked (with its map, with and
// without its objects, from GNU ld's map and lld's), links the scenario
// under the same script, and gets the same holes around the array, at the
// same addresses modulo the page.
func TestExtractedRegionLinksAsTheImage(t *testing.T) {
	s, err := synth.Parse("mixed.yaml", []byte(mixed))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []arches.Linker{arches.LinkerBFD, arches.LLDVersion(ldrun.DefaultLLD)} {
		for _, withObjects := range []bool{false, true} {
			name := l.String()
			if withObjects {
				name += "+objects"
			}
			t.Run(name, func(t *testing.T) {
				mapPath := filepath.Join(t.TempDir(), "image.map")
				orig, in := link(t, s, l, mapPath)
				f, err := os.Open(mapPath)
				if err != nil {
					t.Fatal(err)
				}
				m, err := layout.ReadMap(f)
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
				opt := region.Options{Image: bytes.NewReader(orig.Image), ImageName: "image", Map: m, Around: "empty_zero_page", Context: 1}
				if withObjects {
					opt.Objects, err = layout.ReadObjects(in.Objects)
					if err != nil {
						t.Fatal(err)
					}
				}
				res, err := region.Extract(opt)
				if err != nil {
					t.Fatal(err)
				}
				text := synth.Format(res.Scenario, res.Comment)
				back, err := synth.Parse("region.yaml", text)
				if err != nil {
					t.Fatalf("%s\n%v", text, err)
				}
				again, _ := link(t, back, l, "")
				names := []string{"zero_page_pfn", "empty_zero_page", "after_page"}
				want, got := holesAround(orig.Layout, names...), holesAround(again.Layout, names...)
				if strings.Join(got, "; ") != strings.Join(want, "; ") || len(want) < 2 {
					t.Errorf("holes around the array %q, want %q (scenario:\n%s)", got, want, text)
				}
				for _, n := range names {
					a, _ := orig.Layout.Symbol(n)
					b, _ := again.Layout.Symbol(n)
					if uint64(a.Addr)%4096 != uint64(b.Addr)%4096 || a.Size != b.Size {
						t.Errorf("%s at %v size %d, want %v size %d modulo the page", n, b.Addr, b.Size, a.Addr, a.Size)
					}
				}
				// lld's map gives alignments; GNU ld's does not, and
				// without the objects they are inferred.
				wantInferred := !withObjects && m.Format == "gnu"
				if inferred := strings.Contains(res.Comment, "inferred"); inferred != wantInferred {
					t.Errorf("comment %q says alignments are inferred: %v, want %v", res.Comment, inferred, wantInferred)
				}
			})
		}
	}
}

func TestExtractNeedsWhatItNames(t *testing.T) {
	s, err := synth.Parse("mixed.yaml", []byte(mixed))
	if err != nil {
		t.Fatal(err)
	}
	mapPath := filepath.Join(t.TempDir(), "image.map")
	orig, _ := link(t, s, arches.LinkerBFD, mapPath)
	f, _ := os.Open(mapPath)
	m, err := layout.ReadMap(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		opt  region.Options
		want string
	}{
		{region.Options{Around: "empty_zero_page"}, "a link map is needed"},
		{region.Options{Map: m, Around: "no_such_symbol"}, "no symbol no_such_symbol in the image"},
		{region.Options{Map: m, Around: "empty_zero_page", Section: ".data"}, "no symbol empty_zero_page in section .data"},
		{region.Options{Map: &layout.LinkMap{}, Around: "empty_zero_page"}, "the map has no output section .rodata"},
	} {
		c.opt.Image = bytes.NewReader(orig.Image)
		if _, err := region.Extract(c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Extract(%+v) = %v, want an error with %q", c.opt, err, c.want)
		}
	}
}
