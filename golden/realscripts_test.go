package golden_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/golden"
	"github.com/elfsynth/elfsynth/internal/kfixtures"
	"github.com/elfsynth/elfsynth/internal/lds"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

// TestGoldenRealScripts links every golden scenario under each real Linux
// 6.1 tinyconfig script of internal/kfixtures, base and fix, on its
// target, with GNU ld and the pinned lld, with no symbol written by hand:
// elfsynth provides what each script needs. The files are
// testdata/golden-6.1/ARCH.VARIANT/SCENARIO/. Left out, as they cannot
// work: scenarios asking for a page size other than 4 KiB, for which
// these scripts were not made, and gold, which Linux does not link with
// (it refuses x86_64's script; TestGoldRefusesX86Script pins that); and a
// scenario whose generated function the script assigns itself (riscv64's
// `_start = .;`), since the function check would read the script's
// symbol. The report warns of such assignments.
// `go test -run '^TestGoldenRealScripts$' -update` rewrites the files.
func TestGoldenRealScripts(t *testing.T) {
	for _, arch := range kfixtures.ScriptArches() {
		for _, v := range []string{"base", "fix"} {
			t.Run(arch+"."+v, func(t *testing.T) {
				scenarios := realScriptScenarios(t, kfixtures.Script(arch, v))
				// A relative path: golden files name the script.
				wd, err := os.Getwd()
				if err != nil {
					t.Fatal(err)
				}
				script, err := filepath.Rel(wd, kfixtures.Script(arch, v))
				if err != nil {
					t.Fatal(err)
				}
				golden.Run(t, golden.Options{
					Scenarios: scenarios,
					Dir:       filepath.Join("testdata", "golden-6.1", arch+"."+v),
					Arches:    []string{arch},
					Linkers:   []arches.Linker{arches.LinkerBFD, arches.LLDVersion(ldrun.DefaultLLD)},
					Script:    script,
				})
			})
		}
	}
}

// realScriptScenarios are the golden scenarios that can link under the
// real script: those asking for no page size or 4 KiB, and without a
// generated function the script assigns.
func realScriptScenarios(t *testing.T, script string) []string {
	text, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := lds.Parse(script, text)
	if err != nil {
		t.Fatal(err)
	}
	assigned := parsed.Defines()
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	var out []string
	for _, f := range files {
		s, err := synth.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if (s.PageSize == 0 || s.PageSize == 4096) && !assignsFunction(s, assigned) {
			out = append(out, f)
		}
	}
	return out
}

func assignsFunction(s *synth.Scenario, assigned map[string]*lds.Assignment) bool {
	for _, u := range s.Units {
		for _, sec := range u.Sections {
			for _, y := range sec.Symbols {
				if y.Code != nil && assigned[y.Name] != nil {
					return true
				}
			}
		}
	}
	return false
}
