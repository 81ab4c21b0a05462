package region_test

import (
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/kfixtures"
	"github.com/elfsynth/elfsynth/internal/linkertest"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/ldrun/region"
	"github.com/elfsynth/elfsynth/synth"
)

// gapsAround measures, from an image's symbol table alone, the bytes
// before zp_test_pfn, between it and zp_test_page, and after the array,
// with each one's address modulo the page: the holes the founding change
// made, by a rule independent of package layout.
func gapsAround(t *testing.T, image []byte) string {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		t.Fatal(err)
	}
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	addr := map[string]uint64{}
	for _, s := range syms {
		if s.Name == "zp_test_pfn" || s.Name == "zp_test_page" {
			addr[s.Name] = s.Value
		}
	}
	// before returns how far x is past the end of the symbols below it in
	// its section; after, how far the first symbol at or past x is.
	before := func(x uint64) uint64 {
		var end uint64
		for _, s := range syms {
			if s.Value < x && s.Size > 0 && s.Value+s.Size > end && s.Value+s.Size <= x {
				end = s.Value + s.Size
			}
		}
		return x - end
	}
	after := func(x uint64) uint64 {
		next := ^uint64(0)
		for _, s := range syms {
			if s.Value >= x && s.Size > 0 && s.Value < next {
				next = s.Value
			}
		}
		return next - x
	}
	pfn, page := addr["zp_test_pfn"], addr["zp_test_page"]
	return fmt.Sprintf("%d before the pfn at %#x, %d before the array at %#x, %d after it", before(pfn), pfn%4096,
		before(page), page%4096, after(page+4096))
}

// TestRegionOfARealImage is the acceptance test of scenario --from: the
// region around zp_test_page in the real x86_64 and arm64 6.1 images with
// the founding change, taken with their maps (with and without the
// objects), links under that build's real script with the kernel's flags
// to the image's holes around the array, to the byte.
func TestRegionOfARealImage(t *testing.T) {
	for _, arch := range kfixtures.Arches() {
		a, _ := arches.Lookup(arch)
		image, err := os.ReadFile(kfixtures.Image(t, arch, "change"))
		if err != nil {
			t.Fatal(err)
		}
		mf, err := os.Open(kfixtures.Map(t, arch, "change"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := layout.ReadMap(mf)
		mf.Close()
		if err != nil {
			t.Fatal(err)
		}
		var objs []*layout.Object
		for _, p := range kfixtures.Objects(t, arch, "change") {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			o, err := layout.ReadObject(p, data)
			if err != nil {
				t.Fatal(err)
			}
			objs = append(objs, o)
		}
		want := gapsAround(t, image)
		for _, withObjects := range []bool{false, true} {
			opt := region.Options{Image: bytes.NewReader(image), ImageName: "vmlinux", Map: m, Around: "zp_test_page"}
			if withObjects {
				opt.Objects = objs
			}
			res, err := region.Extract(opt)
			if err != nil {
				t.Fatal(err)
			}
			// Inferred alignments are the least that fit: only the
			// array's section is page-aligned, as in the build.
			for _, u := range res.Scenario.Units {
				for _, sec := range u.Sections {
					if paged := sec.Align.Bytes >= 4096; paged != (u.Name == "mm_init.o") && !strings.HasPrefix(u.Name, "rest-") {
						t.Errorf("%s objects=%v: %s(%s) aligned to %d", arch, withObjects, u.Name, sec.Name, sec.Align.Bytes)
					}
				}
			}
			in, err := synth.BuildInputs(res.Scenario, a, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range []arches.Linker{arches.LinkerBFD, arches.LLDVersion(ldrun.DefaultLLD)} {
				name := fmt.Sprintf("%s/%s/objects=%v", arch, l, withObjects)
				t.Run(name, func(t *testing.T) {
					linkertest.Need(t, a, l)
					r, err := ldrun.Link(context.Background(), ldrun.Options{Arch: a, Linker: l, Script: kfixtures.Script(arch, "change")}, in)
					if err != nil {
						t.Fatal(err)
					}
					if got := gapsAround(t, r.Image); got != want {
						t.Errorf("around the array: %s; the image has %s", got, want)
					}
				})
			}
		}
	}
}

// TestRegionRefusesAnotherBuildsMap gives the image with the founding
// change the base build's map: .rodata starts at the same address in
// both, but its size tells the maps apart, and the error says so.
func TestRegionRefusesAnotherBuildsMap(t *testing.T) {
	image, err := os.ReadFile(kfixtures.Image(t, "x86_64", "change"))
	if err != nil {
		t.Fatal(err)
	}
	mf, err := os.Open(kfixtures.Map(t, "x86_64", "base"))
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	m, err := layout.ReadMap(mf)
	if err != nil {
		t.Fatal(err)
	}
	_, err = region.Extract(region.Options{Image: bytes.NewReader(image), ImageName: "vmlinux", Map: m, Around: "zp_test_page"})
	if err == nil || !strings.Contains(err.Error(), "the map's .rodata is 101496 bytes, the image's 111080: is it the image's map?") {
		t.Fatalf("change image with the base map: %v", err)
	}
}
