// Package golden pins linker behaviour down with golden files.
//
// A scenario file (see package synth) is linked for every target, every linker
// that target supports and is installed, and the page size the scenario asks
// for; each link's layout is written as readable text (the input, then the
// segments, sections, symbols, holes with their causes and the padding) and
// compared with a file checked in beside the scenarios. `go test -update`
// rewrites the files. Other modules call Run from their own tests; see the
// example.
package golden

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/atomicfile"
	"github.com/elfsynth/elfsynth/internal/textdiff"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

var update = flag.Bool("update", false, "rewrite golden files from the linkers installed here")

// Options select the scenarios and targets Run covers.
type Options struct {
	// Scenarios are glob patterns of scenario files; default
	// testdata/scenarios/*.yaml.
	Scenarios []string
	// Dir holds the golden files, one folder per scenario; default
	// testdata/golden.
	Dir string
	// Arches and Linkers narrow the matrix; empty means all.
	Arches  []string
	Linkers []arches.Linker
	// Update rewrites the golden files instead of comparing; the -update
	// flag sets it too.
	Update bool
}

// Case is one scenario linked for one target, linker and page size.
type Case struct {
	// Path is the scenario file; Name is its base name without ".yaml".
	Path     string
	Name     string
	Scenario *synth.Scenario
	Arch     *arches.Arch
	Linker   arches.Linker
	PageSize uint64
	// Script is the scenario's linker script: a built-in name or a path.
	Script string
}

func (c Case) String() string {
	return fmt.Sprintf("scenario %s, arch %s, linker %s, page size %d", c.Name, c.Arch.Name, c.Linker, c.PageSize)
}

// File is the golden file's path below Options.Dir.
func (c Case) File() string {
	return filepath.Join(c.Name, fmt.Sprintf("%s.%s.%dk.txt", c.Arch.Name, c.Linker, c.PageSize>>10))
}

func (o Options) withDefaults() Options {
	if len(o.Scenarios) == 0 {
		o.Scenarios = []string{filepath.Join("testdata", "scenarios", "*.yaml")}
	}
	if o.Dir == "" {
		o.Dir = filepath.Join("testdata", "golden")
	}
	if len(o.Linkers) == 0 {
		o.Linkers = arches.AllLinkers
	}
	o.Update = o.Update || *update
	return o
}

// Cases expands the options into every case: each scenario, on each target
// with the page size it asks for (the target's default when it asks for
// none), with each linker the target supports that can run its script
// (mold takes no scripts). Installed or not: Run decides what is missing.
func Cases(opt Options) ([]Case, error) {
	opt = opt.withDefaults()
	files, err := scenarioFiles(opt.Scenarios)
	if err != nil {
		return nil, err
	}
	var cases []Case
	for _, path := range files {
		s, err := synth.ParseFile(path)
		if err != nil {
			return nil, err
		}
		for _, a := range selectArches(opt.Arches) {
			cases = append(cases, casesFor(path, s, a, opt.Linkers)...)
		}
	}
	return cases, nil
}

func scenarioFiles(patterns []string) ([]string, error) {
	var files []string
	for _, p := range patterns {
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("golden: no scenario matches %s", p)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	return files, nil
}

func selectArches(names []string) []*arches.Arch {
	if len(names) == 0 {
		return arches.All()
	}
	var out []*arches.Arch
	for _, a := range arches.All() {
		for _, n := range names {
			if a.Name == n {
				out = append(out, a)
			}
		}
	}
	return out
}

func casesFor(path string, s *synth.Scenario, a *arches.Arch, linkers []arches.Linker) []Case {
	if s.HasCode() && a.CodeArch == "" {
		return nil
	}
	pageSize := a.DefaultPageSize()
	if s.PageSize != 0 {
		if !a.HasPageSize(s.PageSize) {
			return nil
		}
		pageSize = s.PageSize
	}
	script := ScriptOf(path, s)
	var cases []Case
	for _, l := range linkers {
		if !a.Supports(l) || (l == arches.Mold && script != ldrun.ScriptNone) {
			continue
		}
		cases = append(cases, Case{Path: path, Name: strings.TrimSuffix(filepath.Base(path), ".yaml"),
			Scenario: s, Arch: a, Linker: l, PageSize: pageSize, Script: script})
	}
	return cases
}

// ScriptOf is the script a scenario file asks for: a built-in name, or a
// path made relative to the scenario's folder; kernel when it names none.
func ScriptOf(path string, s *synth.Scenario) string {
	switch {
	case s.Script == "":
		return ldrun.ScriptKernel
	case IsBuiltinScript(s.Script) || filepath.IsAbs(s.Script):
		return s.Script
	}
	return filepath.Join(filepath.Dir(path), s.Script)
}

// IsBuiltinScript reports whether name is one of ldrun's built-in scripts.
func IsBuiltinScript(name string) bool {
	for _, n := range ldrun.ScriptNames {
		if n == name {
			return true
		}
	}
	return false
}

// Link synthesizes a case's objects and links them.
func Link(ctx context.Context, c Case) (*synth.Plan, *ldrun.Result, error) {
	plan, err := synth.Build(c.Scenario, c.Arch, c.PageSize)
	if err != nil {
		return nil, nil, err
	}
	in, fns, err := Inputs(plan)
	if err != nil {
		return nil, nil, err
	}
	opt := ldrun.Options{Arch: c.Arch, Linker: c.Linker, PageSize: c.PageSize, Script: c.Script, Functions: fns}
	r, err := ldrun.Link(ctx, opt, in)
	return plan, r, err
}

// Inputs writes a plan's objects as linker inputs, and lists its generated
// functions for the linker's output to be checked against.
func Inputs(plan *synth.Plan) ([]ldrun.Input, []ldrun.Function, error) {
	objs, err := plan.Objects()
	if err != nil {
		return nil, nil, err
	}
	in := make([]ldrun.Input, len(objs))
	for i, o := range objs {
		in[i] = ldrun.Input{Name: o.Name, Data: o.Data}
	}
	var fns []ldrun.Function
	for _, u := range plan.Units {
		for _, sec := range u.Sections {
			for _, sym := range sec.Symbols {
				if sym.Func != nil {
					fns = append(fns, ldrun.Function{Symbol: sym.Name, AddressOf: sym.Func.AddressOf})
				}
			}
		}
	}
	return in, fns, nil
}

// Run links every case as a parallel subtest of t and compares its layout
// with its golden file, or rewrites the file under -update. A linker that
// is not installed skips its cases, or fails them when
// ELFSYNTH_REQUIRE_TOOLCHAINS=1. Golden files no case produces fail the
// test (and are removed under -update).
func Run(t *testing.T, opt Options) {
	t.Helper()
	opt = opt.withDefaults()
	cases, err := Cases(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("cases", func(t *testing.T) {
		for _, c := range cases {
			t.Run(strings.Join([]string{c.Name, c.Arch.Name, c.Linker.String(), fmt.Sprint(c.PageSize)}, "/"), func(t *testing.T) {
				t.Parallel()
				runCase(t, opt, c)
			})
		}
	})
	checkStale(t, opt, cases)
}

func runCase(t *testing.T, opt Options, c Case) {
	if _, err := ldrun.Find(c.Arch, c.Linker); err != nil {
		if toolcheck.Required() {
			t.Fatalf("%s: %v", c, err)
		}
		t.Skipf("%s: %v", c, err)
	}
	got, err := render(c, t)
	if err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	path := filepath.Join(opt.Dir, c.File())
	if opt.Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := atomicfile.Write(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: no golden file (run `make golden` or go test -update): %v", c, err)
	}
	if d := textdiff.Unified(path, c.String(), string(want), string(got)); d != "" {
		t.Errorf("%s: layout differs from %s (-want +got):\n%s", c, path, d)
	}
}

// render links a case and renders its golden text. A linker that refuses
// the input is a result too (mold lacks relocations some targets' code
// needs): its error becomes the golden text, so the limitation stays
// pinned down and a fix shows up as a diff.
func render(c Case, t *testing.T) ([]byte, error) {
	plan, r, err := Link(context.Background(), c)
	var lf *ldrun.LinkError
	switch {
	case errors.As(err, &lf):
		return RenderFailure(c, lf), nil
	case err != nil:
		return nil, err
	}
	for _, fn := range r.Layout.Code {
		if !fn.Verified {
			t.Errorf("%s: function %s should compute the address of %s (%s) but computes %s %s",
				c, fn.Symbol, fn.AddressOf, fn.Expected, fn.Computed, fn.Error)
		}
	}
	return Render(c, plan, r.Layout), nil
}

// checkStale finds golden files that no case produces any more. With the
// matrix narrowed, files outside it are not its business.
func checkStale(t *testing.T, opt Options, cases []Case) {
	if len(opt.Arches) > 0 || len(opt.Linkers) < len(arches.AllLinkers) {
		return
	}
	want := map[string]bool{}
	dirs := map[string]bool{}
	for _, c := range cases {
		want[filepath.Join(opt.Dir, c.File())] = true
		dirs[filepath.Join(opt.Dir, c.Name)] = true
	}
	for dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
		for _, f := range files {
			switch {
			case want[f]:
			case opt.Update:
				os.Remove(f)
			default:
				t.Errorf("%s: no case produces this golden file; remove it (make golden does)", f)
			}
		}
	}
}
