package golden_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/synth"
)

// scenarioFiles lists every scenario in the golden testdata.
func scenarioFiles(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// gnuArches are the targets with GNU tools in Debian.
func gnuArches() []*arches.Arch {
	var out []*arches.Arch
	for _, a := range arches.All() {
		if a.Package != "" {
			out = append(out, a)
		}
	}
	return out
}

// TestSynthesizedMatchesGNUAs is the differential test: for every scenario and
// every target with GNU tools, the units assembled by GNU as from `elfsynth
// asm` output and the same units synthesized directly, linked by the same GNU
// ld with the same script, give identical addresses and sizes for every
// symbol and identical words for every pointer; and objects from both mixed
// in one link land exactly the same, without a warning.
func TestSynthesizedMatchesGNUAs(t *testing.T) {
	for _, a := range gnuArches() {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			toolcheck.Require(t, a.Tool("as"))
			toolcheck.Require(t, a.Tool("ld.bfd"))
			for _, file := range scenarioFiles(t) {
				if s, plan := planFor(t, file, a); plan != nil {
					compareWithGNUAs(t, filepath.Base(file), s, plan)
				}
			}
		})
	}
}

// planFor builds a scenario file for a target, or returns a nil plan when
// the scenario has code and the target has no code generation.
func planFor(t *testing.T, file string, a *arches.Arch) (*synth.Scenario, *synth.Plan) {
	t.Helper()
	s, err := synth.ParseFile(file)
	require.NoError(t, err)
	if s.HasCode() && a.CodeArch == "" {
		return s, nil
	}
	plan, err := synth.Build(s, a, pageSizeFor(s, a))
	require.NoError(t, err)
	return s, plan
}

// pageSizeFor picks the scenario's page size when the target has it, else
// the target's default.
func pageSizeFor(s *synth.Scenario, a *arches.Arch) uint64 {
	if s.PageSize != 0 && a.HasPageSize(s.PageSize) {
		return s.PageSize
	}
	return a.DefaultPageSize()
}

func compareWithGNUAs(t *testing.T, name string, s *synth.Scenario, plan *synth.Plan) {
	t.Helper()
	synthetic, err := plan.Inputs()
	require.NoError(t, err)
	theirs := &synth.Inputs{}
	for i, src := range plan.Asm() {
		obj, err := ldrun.Assemble(context.Background(), plan.Arch, src.Text)
		require.NoError(t, err, "%s: GNU as on %s", name, src.Name)
		theirs.Objects = append(theirs.Objects, synth.Object{Name: synthetic.Objects[i].Name, Data: obj})
	}
	mixed := &synth.Inputs{Objects: make([]synth.Object, len(synthetic.Objects))}
	for i := range mixed.Objects {
		mixed.Objects[i] = [2]*synth.Inputs{synthetic, theirs}[i%2].Objects[i]
	}
	opt := ldrun.Options{Arch: plan.Arch, Linker: arches.LinkerBFD, PageSize: plan.PageSize, Script: ldrun.ScriptOf(s)}
	want := link(t, name+" (GNU as)", opt, theirs)
	got := link(t, name+" (elfsynth)", opt, synthetic)
	mix := link(t, name+" (mixed)", opt, mixed)
	for _, r := range []*ldrun.Result{got, mix} {
		require.Equal(t, symbolMap(want.Layout), symbolMap(r.Layout), "%s on %s: symbols", name, plan.Arch.Name)
		require.Equal(t, pointerWords(t, want, plan), pointerWords(t, r, plan), "%s on %s: pointer words", name, plan.Arch.Name)
	}
	checkPointersHoldTargets(t, name, got, plan)
}

// link links and requires a clean link: no error, no warning.
func link(t *testing.T, what string, opt ldrun.Options, in *synth.Inputs) *ldrun.Result {
	t.Helper()
	r, err := ldrun.Link(context.Background(), opt, in)
	require.NoError(t, err, what)
	require.Empty(t, r.Layout.Warnings, "%s on %s: linker warnings", what, opt.Arch.Name)
	return r
}

// symbolMap is every named symbol's address and size, mapping symbols aside.
func symbolMap(l *layout.Layout) map[string]string {
	m := map[string]string{}
	for _, s := range l.Symbols {
		if strings.HasPrefix(s.Name, "$") {
			continue
		}
		m[s.Name] = fmt.Sprintf("%s size %d in %s", s.Addr, s.Size, s.Section)
	}
	return m
}

// pointerWords reads every points_to symbol's word from the image.
func pointerWords(t *testing.T, r *ldrun.Result, plan *synth.Plan) map[string]uint64 {
	t.Helper()
	words := map[string]uint64{}
	for _, u := range plan.Units {
		for _, sec := range u.Sections {
			for _, sym := range sec.Symbols {
				if sym.PointsTo != nil {
					w, err := r.Layout.Word(sym.Name)
					require.NoError(t, err)
					words[sym.Name] = w
				}
			}
		}
	}
	return words
}

// checkPointersHoldTargets checks each word against its target's address.
func checkPointersHoldTargets(t *testing.T, name string, r *ldrun.Result, plan *synth.Plan) {
	t.Helper()
	addrs := map[string]uint64{}
	for _, s := range r.Layout.Symbols {
		addrs[s.Name] = uint64(s.Addr)
	}
	words := pointerWords(t, r, plan)
	for _, u := range plan.Units {
		for _, sec := range u.Sections {
			for _, sym := range sec.Symbols {
				if sym.PointsTo == nil {
					continue
				}
				want := addrs[sym.PointsTo.Symbol] + uint64(sym.PointsTo.Offset)
				if plan.Arch.PointerSize() == 4 {
					want &= 0xffffffff
				}
				require.Equal(t, want, words[sym.Name], "%s on %s: %s points to %s", name, plan.Arch.Name, sym.Name, sym.PointsTo)
			}
		}
	}
}

// TestObjectsPassELFCheckers: readelf -aW prints no warning for any object
// on any target, and eu-elflint --gnu-ld finds no error in any object on
// the targets where it accepts GNU as's own objects (elfutils 0.188 knows
// neither arc nor loongarch64, nor the e_flags of mips and hppa).
func TestObjectsPassELFCheckers(t *testing.T) {
	readelf := toolcheck.Require(t, "readelf")
	elflint := toolcheck.Require(t, "eu-elflint")
	checked := 0
	for _, a := range arches.All() {
		lint := elflintKnows(t, elflint, a)
		if lint {
			checked++
		}
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			for _, file := range scenarioFiles(t) {
				_, plan := planFor(t, file, a)
				if plan == nil {
					continue
				}
				objs, err := plan.Objects()
				require.NoError(t, err)
				for _, o := range objs {
					path := filepath.Join(t.TempDir(), o.Name)
					require.NoError(t, os.WriteFile(path, o.Data, 0o644))
					what := filepath.Base(file) + " " + o.Name
					stdout := runClean(t, what, readelf, "-aW", path)
					require.NotContains(t, strings.ToLower(stdout), "warning", what)
					if lint {
						require.Equal(t, "No errors\n", runClean(t, what, elflint, "--gnu-ld", path), what)
					}
				}
			}
		})
	}
	require.GreaterOrEqual(t, checked, 14, "targets eu-elflint checks")
}

// elflintKnows reports whether eu-elflint accepts an empty object GNU as
// makes for a.
func elflintKnows(t *testing.T, elflint string, a *arches.Arch) bool {
	if a.Package == "" {
		return false
	}
	toolcheck.Require(t, a.Tool("as"))
	obj, err := ldrun.Assemble(context.Background(), a, nil)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "empty.o")
	require.NoError(t, os.WriteFile(path, obj, 0o644))
	return exec.Command(elflint, "--gnu-ld", path).Run() == nil
}

// runClean runs a checker that must succeed and print nothing on stderr.
func runClean(t *testing.T, what, tool string, args ...string) string {
	t.Helper()
	cmd := exec.Command(tool, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, err, "%s: %s %s: %s%s", what, filepath.Base(tool), strings.Join(args, " "), stdout.String(), stderr.String())
	require.Empty(t, stderr.String(), what)
	return stdout.String()
}
