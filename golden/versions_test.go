package golden_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/golden"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
)

// versionCase links one scenario of testdata/versions for x86_64 with l,
// or skips when l is not installed (fails when it is required).
func versionCase(t *testing.T, scenario string, l arches.Linker) *layout.Layout {
	t.Helper()
	cases, err := golden.Cases(golden.Options{Scenarios: []string{filepath.Join("testdata", "versions", scenario)},
		Arches: []string{"x86_64"}, Linkers: []arches.Linker{l}})
	if err != nil || len(cases) != 1 {
		t.Fatalf("%s with %s: %d cases, %v", scenario, l, len(cases), err)
	}
	_, r, err := golden.Link(context.Background(), cases[0])
	if errors.Is(err, ldrun.ErrNotInstalled) {
		if toolcheck.RequiredLinker(l) {
			t.Fatalf("%v (%s=1)", err, toolcheck.EnvRequire)
		}
		t.Skipf("%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return r.Layout
}

// TestLinkerVersionFacts checks what the version golden files show, as
// facts rather than text, for every installed version: lld 13 to 16 put
// the writable orphan before .text and define y through an unreferenced
// PROVIDE; lld 19 on put both orphans in init memory, with findings saying
// so, and leave y undefined; every lld keeps the empty .marker section.
func TestLinkerVersionFacts(t *testing.T) {
	for _, l := range golden.VersionLinkers() {
		t.Run(l.String(), func(t *testing.T) {
			t.Parallel()
			old := l.Kind() == arches.LinkerLLD && l.Version() <= 16
			newLLD := l.Kind() == arches.LinkerLLD && l.Version() >= 19

			lay := versionCase(t, "orphan-placement.yaml", l)
			dec, _ := lay.Section(".data..decrypted")
			text, _ := lay.Section(".text")
			data, _ := lay.Section(".data")
			if got := dec.Addr < text.Addr; got != old {
				t.Errorf(".data..decrypted at %s, .text at %s: before .text is %v, want %v", dec.Addr, text.Addr, got, old)
			}
			if !old && !newLLD && dec.Addr < data.Addr {
				t.Errorf(".data..decrypted at %s before .data at %s", dec.Addr, data.Addr)
			}
			inInit := 0
			for _, f := range lay.Findings {
				if f.Kind == layout.FindingOrphanInInit {
					inInit++
				}
			}
			if want := map[bool]int{true: 2, false: 0}[newLLD]; inInit != want {
				t.Errorf("%d orphan-in-init findings, want %d: %+v", inInit, want, lay.Findings)
			}

			lay = versionCase(t, "provide.yaml", l)
			_, hasY := lay.Symbol("y")
			if want := old || l == arches.LinkerGold; hasY != want {
				t.Errorf("y defined: %v, want %v", hasY, want)
			}

			lay = versionCase(t, "empty-section.yaml", l)
			_, kept := lay.Section(".marker")
			if want := l.Kind() == arches.LinkerLLD; kept != want {
				t.Errorf(".marker kept: %v, want %v", kept, want)
			}
		})
	}
}
