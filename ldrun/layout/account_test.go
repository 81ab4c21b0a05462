package layout_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
	. "github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/synth"
)

// percpuScenario has what x86_64 SMP kernels have: data linked at address
// 0 (per-CPU data) between sections at kernel addresses, loaded among
// them.
const percpuScenario = `
name: percpu
units:
  - name: a.o
    sections:
      - name: .text
        symbols:
          - {name: f, size: 40, align: 16}
      - name: .data
        symbols:
          - {name: d, size: 24, align: 8}
      - name: .data..percpu
        symbols:
          - {name: cpu_number, size: 4, align: 4}
          - {name: cpu_stack, size: 256, align: 64}
      - name: .bss
        symbols:
          - {name: b, size: 8, align: 8}
`

// percpuScript places .data..percpu at 0, loaded after .data, then sets
// the location back to kernel addresses, as arch/x86's script does.
const percpuScript = `ENTRY(f)
SECTIONS
{
	. = 0xffffffff81000000;
	.text : AT(ADDR(.text) - 0xffffffff80000000) { *(.text) }
	. = ALIGN(4096);
	.data : AT(ADDR(.data) - 0xffffffff80000000) { *(.data) }
	. = ALIGN(4096);
	__per_cpu_load = .;
	.data..percpu 0 : AT(__per_cpu_load - 0xffffffff80000000) { *(.data..percpu) }
	. = __per_cpu_load + SIZEOF(.data..percpu);
	. = ALIGN(4096);
	.bss : AT(ADDR(.bss) - 0xffffffff80000000) { *(.bss) }
	/DISCARD/ : { *(.note.GNU-stack) *(.comment) }
}
`

// TestSectionAtZeroMakesNoHole links data at address 0 between kernel
// addresses with bfd and lld: no hole spans the two address spaces (it
// underflowed to 18446744071578840632 bytes), every byte is accounted
// for, and the gap before .bss is the script's ALIGN, quoted with its
// line.
func TestSectionAtZeroMakesNoHole(t *testing.T) {
	a := mustArch(t, "x86_64")
	s, err := synth.Parse("percpu.yaml", []byte(percpuScenario))
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "percpu.lds")
	if err := os.WriteFile(script, []byte(percpuScript), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, l := range []arches.Linker{arches.LinkerBFD, arches.LinkerLLD} {
		t.Run(string(l), func(t *testing.T) {
			needLinker(t, a, l)
			res, err := ldrun.LinkScenario(context.Background(), s, ldrun.Options{Arch: a, Linker: l, Script: script})
			if err != nil {
				t.Fatal(err)
			}
			lay := res.Layout
			checkTiling(t, lay)
			pc, ok := lay.Section(".data..percpu")
			if !ok || pc.Addr != 0 {
				t.Fatalf(".data..percpu at %v, want 0", pc.Addr)
			}
			for _, h := range lay.Holes {
				if h.Size >= 1<<20 {
					t.Errorf("hole of %d bytes: %+v", h.Size, h)
				}
			}
			if len(lay.Findings) != 0 {
				t.Errorf("findings: %q", lay.Findings)
			}
			// cpu_stack's declared 64 explains the hole after cpu_number.
			if h := holeWith(lay, "cpu_stack"); h == nil || h.Kind != CauseSymbol || h.Align != 64 || h.Size != 60 {
				t.Errorf("hole before cpu_stack: %+v", h)
			}
			// .bss starts a page after percpu's load image, which fills
			// the kernel addresses after .data.
			h := holeWith(lay, "start of .bss")
			if h == nil || h.Kind != CauseScript || h.Script != "link.lds:12: . = ALIGN(4096)" || h.Before != "end of .data..percpu at its load address" || h.Section != "" {
				t.Errorf("hole before .bss: %+v", h)
			}
		})
	}
}

// TestReadMapFormats reads the maps GNU ld and lld write for one link and
// finds the same input sections at the same places, and the ALIGN
// statements.
func TestReadMapFormats(t *testing.T) {
	a := mustArch(t, "x86_64")
	s, err := synth.ParseFile("../../golden/testdata/scenarios/ro-after-init-mixed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	summaries := map[string]string{}
	for _, l := range []arches.Linker{arches.LinkerBFD, arches.LinkerLLD} {
		needLinker(t, a, l)
		path := filepath.Join(t.TempDir(), "link.map")
		res, err := ldrun.LinkScenario(context.Background(), s, ldrun.Options{Arch: a, Linker: l, Flags: []string{"-Map=" + path}})
		if err != nil {
			t.Fatal(err)
		}
		m := readMapFile(t, path)
		var lines []string
		aligns := 0
		for _, it := range m.Items {
			switch {
			case it.Kind == MapInput && it.Size > 0 && it.Addr != 0:
				lines = append(lines, it.Where()+" "+Addr(it.Addr).String())
			case it.Kind == MapAlign:
				aligns++
			}
		}
		// The built-in script's ALIGN statements: rodata's start and
		// end, SCHED_DATA, RO_AFTER_INIT_DATA, _sdata, .data's two, BSS
		// and its page-aligned part.
		if aligns < 8 {
			t.Errorf("%s: %d ALIGN statements in the map", l, aligns)
		}
		summaries[string(l)] = strings.Join(lines, "\n")
		// With the map, every hole has the cause the objects give.
		lay, err := Read(bytes.NewReader(res.Image), Sources{Arch: a, Map: m})
		if err != nil {
			t.Fatal(err)
		}
		checkTiling(t, lay)
		// GNU ld's map gives no alignments: the 3776 bytes before vdso.o's
		// input section need more than 2048, its address allows 4096.
		if h := holeWith(lay, "vdso_flag"); h == nil || h.Input != "vdso.o(.data..ro_after_init)" || h.Align != 4096 || h.Inferred {
			t.Errorf("%s map: hole before vdso_flag %+v", l, h)
		}
		if m.Format != map[arches.Linker]string{arches.LinkerBFD: "gnu", arches.LinkerLLD: "lld"}[l] {
			t.Errorf("format %q", m.Format)
		}
	}
	if len(summaries) == 2 && summaries["bfd"] != summaries["lld"] {
		t.Errorf("bfd's map says\n%s\nlld's says\n%s", summaries["bfd"], summaries["lld"])
	}
	if !strings.Contains(summaries["bfd"], "vdso.o(.data..ro_after_init) 0xffffffff81001000") {
		t.Errorf("no vdso.o input section in:\n%s", summaries["bfd"])
	}
}

func readMapFile(t *testing.T, path string) *LinkMap {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := ReadMap(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
