package ldrun_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
)

func TestSpliceFix(t *testing.T) {
	got, err := ldrun.SpliceFix(".rodata : { __start_rodata  =  . ; *(.rodata) }")
	if want := ".rodata : { __start_rodata  =  . ; *(.rodata..page_aligned) *(.rodata) }"; err != nil || got != want {
		t.Errorf("SpliceFix = %q, %v; want %q", got, err, want)
	}
	for text, want := range map[string]string{
		".rodata : { *(.rodata) }":                     "has 0 `__start_rodata = .;`",
		"__start_rodata = .; __start_rodata = .;":      "has 2 `__start_rodata = .;`",
		"__start_rodata = .; *(.rodata..page_aligned)": "fixed already",
	} {
		if _, err := ldrun.SpliceFix(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("SpliceFix(%q) = %v, want an error with %q", text, err, want)
		}
	}
}

func TestSpliceSort(t *testing.T) {
	got, err := ldrun.SpliceSort("a *( .data..ro_after_init ) b")
	if want := "a *(SORT_BY_ALIGNMENT(.data..ro_after_init)) b"; err != nil || got != want {
		t.Errorf("SpliceSort = %q, %v; want %q", got, err, want)
	}
	if _, err := ldrun.SpliceSort("*(.hyp.data..ro_after_init)"); err == nil {
		t.Error("SpliceSort found a pattern in *(.hyp.data..ro_after_init)")
	}
}

// TestZeroPageUnderAUserScript runs the founding case under a user's
// script, here the built-in kernel script written to a file: with the fix
// spliced in, or given as a second file (kernel-fixed), every variant
// pads exactly as under the built-in scripts; own-section, which no one
// line makes, is left out.
func TestZeroPageUnderAUserScript(t *testing.T) {
	a, _ := arches.Lookup("x86_64")
	l := arches.LinkerBFD
	needLinkerOf(t, a, l)
	dir := t.TempDir()
	for _, name := range []string{ldrun.ScriptKernel, ldrun.ScriptKernelFixed} {
		text, err := ldrun.Script(name, a, 0)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, name+".lds"), text)
	}
	builtin, err := ldrun.ZeroPage(context.Background(), ldrun.ReproOptions{Arches: []*arches.Arch{a}, Linkers: []arches.Linker{l}, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint64{}
	for _, r := range builtin {
		want[r.Variant] = r.Padding
	}
	for _, fixed := range []string{"", filepath.Join(dir, "kernel-fixed.lds")} {
		opt := ldrun.ReproOptions{Arches: []*arches.Arch{a}, Linkers: []arches.Linker{l}, Workers: 2,
			Script: filepath.Join(dir, "kernel.lds"), FixedScript: fixed}
		rows, err := ldrun.ZeroPage(context.Background(), opt)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range rows {
			what := r.Linker + " " + r.Variant + " " + r.Script
			seen[r.Variant] = true
			switch {
			case r.Error != "":
				t.Errorf("%s: %s", what, r.Error)
			case r.Padding != want[r.Variant]:
				t.Errorf("%s: padding %d, want %d as under the built-in scripts", what, r.Padding, want[r.Variant])
			}
		}
		if seen["own-section"] || !seen["after"] || !seen["sort-by-alignment"] {
			t.Errorf("variants %v, want all but own-section", seen)
		}
	}
}
