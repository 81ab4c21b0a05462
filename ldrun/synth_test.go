package ldrun_test

import (
	"context"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/golden"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

// foundingYAML is the founding case as a scenario; ZEROPAGE is replaced by
// nothing (empty_zero_page in .data..ro_after_init) or by the start of a
// .rodata..page_aligned section.
const foundingYAML = `name: founding
units:
  - name: a.o
    sections:
      - name: .rodata
        symbols:
          - {name: a_rodata, size: 100, align: 4}
      - name: .data..ro_after_init
        symbols:
          - {name: a_ro_after_init, size: 8, align: 8}
          - {name: a_ro_table, size: 24, align: 8}
  - name: mm_init.o
    sections:
      - name: .data..ro_after_init
        symbols:
          - {name: zero_page_pfn, size: 8, align: 8}
ZEROPAGE          - {name: empty_zero_page, size: page, align: page}
          - {name: __zero_page, size: 8, align: 8}
  - name: c.o
    sections:
      - name: .data..ro_after_init
        symbols:
          - {name: c_ro_after_init, size: 8, align: 8}
`

func synthInputs(t *testing.T, a *arches.Arch, page uint64, fixed bool) []ldrun.Input {
	t.Helper()
	sec := ""
	if fixed {
		sec = "      - name: .rodata..page_aligned\n        symbols:\n"
	}
	s, err := synth.Parse("founding.yaml", []byte(strings.Replace(foundingYAML, "ZEROPAGE", sec, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return planInputs(t, s, a, page)
}

// scenarioInputs synthesizes one of the golden scenarios for a target and
// page size (zero: the target's default).
func scenarioInputs(t testing.TB, name string, a *arches.Arch, page uint64) []ldrun.Input {
	t.Helper()
	s, err := synth.ParseFile("../golden/testdata/scenarios/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return planInputs(t, s, a, page)
}

func planInputs(t testing.TB, s *synth.Scenario, a *arches.Arch, page uint64) []ldrun.Input {
	t.Helper()
	plan, err := synth.Build(s, a, page)
	if err != nil {
		t.Fatal(err)
	}
	ins, _, err := golden.Inputs(plan)
	if err != nil {
		t.Fatal(err)
	}
	return ins
}

// TestSynthObjectsEveryPageSize links synthesized founding-case objects on
// every target (loongarch64 too, which has no GNU as) for every kernel page
// size, with every installed linker that takes scripts: the unfixed case
// pads ro_after_init by about two pages, the fixed one not at all.
func TestSynthObjectsEveryPageSize(t *testing.T) {
	for _, a := range arches.All() {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			for _, page := range a.PageSizes {
				before := synthInputs(t, a, page, false)
				after := synthInputs(t, a, page, true)
				for _, l := range a.Linkers {
					if l == arches.Mold {
						continue // takes no script
					}
					if _, err := ldrun.Find(a, l); err != nil {
						toolcheck.Missing(t, "%v", err)
						continue
					}
					pb := roai(t, a, l, page, ldrun.ScriptKernel, before)
					pa := roai(t, a, l, page, ldrun.ScriptKernelFixed, after)
					t.Logf("%s %s page %d: ro_after_init padding %d -> %d", a.Name, l, page, pb, pa)
					if pb < page || pa != 0 {
						t.Errorf("%s page %d: ro_after_init padding %d before the fix, %d after", l, page, pb, pa)
					}
				}
			}
		})
	}
}

// roai links and returns the padding inside the ro_after_init block.
func roai(t *testing.T, a *arches.Arch, l arches.Linker, page uint64, script string, in []ldrun.Input) uint64 {
	t.Helper()
	res, err := ldrun.Link(context.Background(), ldrun.Options{Arch: a, Linker: l, PageSize: page, Script: script}, in)
	if err != nil {
		t.Fatal(err)
	}
	if l == arches.BFD && len(res.Layout.Warnings) > 0 {
		t.Errorf("bfd warned: %q", res.Layout.Warnings)
	}
	var lo, hi uint64
	for _, s := range res.Layout.Symbols {
		switch s.Name {
		case "__start_ro_after_init":
			lo = uint64(s.Addr)
		case "__end_ro_after_init":
			hi = uint64(s.Addr)
		}
	}
	var n uint64
	for _, h := range res.Layout.Holes {
		if uint64(h.Addr) >= lo && uint64(h.Addr) < hi {
			n += h.Size
			if h.Cause == "" {
				t.Errorf("hole without a cause: %+v", h)
			}
		}
	}
	return n
}
