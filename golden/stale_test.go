package golden

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
)

// TestStaleFilesFollowTheSelection: a golden file is stale only when the
// run selects its target and linker and no case produces it. Files of lld
// versions a run does not list, or of targets it does not select, belong
// to other runs; files of listed versions stay whether or not that
// version is installed (Cases does not look).
func TestStaleFilesFollowTheSelection(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no linker at all: nothing depends on what is installed
	dir := t.TempDir()
	scenario := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(scenario, []byte("name: s\nunits:\n  - name: a.o\n    sections:\n      - name: .data\n        symbols:\n          - {name: x, size: 8}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gold := filepath.Join(dir, "golden")
	files := []string{
		"x86_64.bfd.4k.txt", "x86_64.lld-13.4k.txt", "x86_64.lld-19.4k.txt", "x86_64.lld-17.4k.txt",
		"x86_64.gold.16k.txt", "arm64.bfd.4k.txt", "arm64.lld-22.4k.txt", "notes.txt",
	}
	if err := os.MkdirAll(filepath.Join(gold, "s"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(gold, "s", f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		arches  []string
		linkers []arches.Linker
		stale   []string
	}{
		// lld-13 and lld-22 files belong to a version run, lld-17 to none.
		{"default linkers", []string{"x86_64"}, nil, []string{"notes.txt", "x86_64.gold.16k.txt"}},
		{"every version", []string{"x86_64"}, VersionLinkers(), []string{"notes.txt", "x86_64.gold.16k.txt"}},
		{"every target and version", nil, VersionLinkers(), []string{"notes.txt", "x86_64.gold.16k.txt"}},
		{"bfd only", nil, []arches.Linker{arches.LinkerBFD}, []string{"notes.txt"}},
		{"lld-19 only", []string{"arm64"}, []arches.Linker{arches.LLDVersion(19)}, []string{"notes.txt"}},
		// lld names the pinned lld-19: lld-13's file is another run's.
		{"lld", []string{"x86_64"}, []arches.Linker{arches.LinkerLLD}, []string{"notes.txt"}},
	} {
		opt := Options{Scenarios: []string{scenario}, Dir: gold, Arches: tc.arches, Linkers: tc.linkers}
		cases, err := Cases(opt)
		if err != nil {
			t.Fatal(err)
		}
		opt, _ = opt.withDefaults()
		var got []string
		for _, f := range staleFiles(opt, cases) {
			got = append(got, filepath.Base(f))
		}
		if !slices.Equal(got, tc.stale) {
			t.Errorf("%s: stale %q, want %q", tc.name, got, tc.stale)
		}
	}
}

// TestVersionLinkers: the version linkers cover every lld Debian 12
// ships, beside bfd and gold.
func TestVersionLinkers(t *testing.T) {
	want := []arches.Linker{"bfd", "gold", "lld-13", "lld-14", "lld-15", "lld-16", "lld-19", "lld-22"}
	if got := VersionLinkers(); !slices.Equal(got, want) {
		t.Errorf("VersionLinkers() = %q, want %q", got, want)
	}
}
