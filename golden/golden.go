// Package golden pins linker behaviour down with golden files, in tests.
//
// A scenario file (see package synth) is linked for every target, every
// linker that target supports, and the page size the scenario asks for;
// each link's layout is written as readable text (the input, then the
// segments, sections, symbols, holes with their causes and the padding)
// and compared with a file checked in beside the scenarios. `go test
// -update` rewrites the files. Other modules call Run from their own tests;
// see the example. This package is for tests only: it imports testing.
package golden

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/atomicfile"
	"github.com/elfsynth/elfsynth/internal/textdiff"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/ldrun/report"
	"github.com/elfsynth/elfsynth/synth"
)

var update = flag.Bool("update", false, "rewrite golden files from the linkers installed here")

// Options select the scenarios and targets Run covers.
type Options struct {
	// Scenarios are glob patterns of scenario files; default
	// testdata/scenarios/*.yaml. Each pattern must match a file.
	Scenarios []string
	// Dir holds the golden files, one folder per scenario; default
	// testdata/golden.
	Dir string
	// Name, when set, names the scenarios' folder in Dir instead of their
	// file names; with it, Scenarios must name one file.
	Name string
	// Arches narrows the targets; empty means all. An unknown name is an
	// error.
	Arches []string
	// Linkers narrows the linkers; empty means DefaultLinkers. A kind
	// ("lld") stands for the version golden files pin (ldrun.DefaultLLD).
	Linkers []arches.Linker
	// Script, when set, overrides the script every scenario asks for.
	Script string
	// Update rewrites the golden files instead of comparing; the -update
	// flag sets it too.
	Update bool
}

// DefaultLinkers are the linkers golden files cover unless told otherwise:
// bfd, gold, the pinned lld (not whatever lld is newest here) and mold.
func DefaultLinkers() []arches.Linker {
	return []arches.Linker{arches.LinkerBFD, arches.LinkerGold, arches.LLDVersion(ldrun.DefaultLLD), arches.LinkerMold}
}

// LLDVersions are the lld major versions golden files pin behaviour for:
// every lld Debian 12 ships. Linkers beside the default lld are optional:
// a run that lists them covers those installed and skips the others
// (fails them only when toolcheck.RequiredLinker says so).
var LLDVersions = []int{13, 14, 15, 16, 19, 22}

// EveryLLD is lld-NN for each of LLDVersions, oldest first.
func EveryLLD() []arches.Linker {
	out := make([]arches.Linker, len(LLDVersions))
	for i, v := range LLDVersions {
		out[i] = arches.LLDVersion(v)
	}
	return out
}

// VersionLinkers are the linkers of a run that shows how linkers and their
// versions differ: bfd, gold and EveryLLD.
func VersionLinkers() []arches.Linker {
	return append([]arches.Linker{arches.LinkerBFD, arches.LinkerGold}, EveryLLD()...)
}

// Case is one scenario linked for one target, linker and page size.
type Case struct {
	// Path is the scenario file; Name names its golden folder.
	Path     string
	Name     string
	Scenario *synth.Scenario
	Arch     *arches.Arch
	Linker   arches.Linker
	PageSize uint64
	// Script is the case's linker script: a built-in name or a path.
	Script string
}

func (c Case) String() string {
	return fmt.Sprintf("scenario %s, arch %s, linker %s, page size %d", c.Name, c.Arch.Name, c.Linker, c.PageSize)
}

// File is the golden file's path below Options.Dir.
func (c Case) File() string {
	return filepath.Join(c.Name, fmt.Sprintf("%s.%s.%dk.txt", c.Arch.Name, c.Linker, c.PageSize>>10))
}

func (o Options) withDefaults() (Options, error) {
	if len(o.Scenarios) == 0 {
		o.Scenarios = []string{filepath.Join("testdata", "scenarios", "*.yaml")}
	}
	if o.Dir == "" {
		o.Dir = filepath.Join("testdata", "golden")
	}
	if len(o.Linkers) == 0 {
		o.Linkers = DefaultLinkers()
	}
	for i, l := range o.Linkers {
		if _, err := arches.ParseLinker(string(l)); err != nil {
			return o, fmt.Errorf("golden: %v", err)
		}
		if l == arches.LinkerLLD {
			o.Linkers[i] = arches.LLDVersion(ldrun.DefaultLLD)
		}
	}
	for _, n := range o.Arches {
		if _, err := arches.Lookup(n); err != nil {
			return o, fmt.Errorf("golden: %v", err)
		}
	}
	if o.Script != "" {
		if err := ldrun.CheckScript(o.Script); err != nil {
			return o, fmt.Errorf("golden: %v", err)
		}
	}
	o.Update = o.Update || *update
	return o, nil
}

// Cases expands the options into every case: each scenario, on each target
// with the page size it asks for (the target's default when it asks for
// none), with each linker the target supports that can run its script
// (mold takes no scripts). Installed or not: Run decides what is missing.
// Unknown arch or linker names, and patterns that match nothing, are
// errors.
func Cases(opt Options) ([]Case, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	files, err := scenarioFiles(opt.Scenarios)
	if err != nil {
		return nil, err
	}
	if opt.Name != "" && len(files) != 1 {
		return nil, fmt.Errorf("golden: Options.Name %q wants one scenario, the patterns match %d", opt.Name, len(files))
	}
	var cases []Case
	for _, path := range files {
		s, err := synth.ParseFile(path)
		if err != nil {
			return nil, err
		}
		name := opt.Name
		if name == "" {
			name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		}
		script := opt.Script
		if script == "" {
			script = ldrun.ScriptOf(s)
		}
		for _, a := range selectArches(opt.Arches) {
			cases = append(cases, casesFor(path, name, script, s, a, opt.Linkers)...)
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
		if slices.Contains(names, a.Name) {
			out = append(out, a)
		}
	}
	return out
}

func casesFor(path, name, script string, s *synth.Scenario, a *arches.Arch, linkers []arches.Linker) []Case {
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
	var cases []Case
	for _, l := range linkers {
		if !a.Supports(l) || (l.Kind() == arches.LinkerMold && script != ldrun.ScriptNone) {
			continue
		}
		cases = append(cases, Case{Path: path, Name: name, Scenario: s, Arch: a, Linker: l, PageSize: pageSize, Script: script})
	}
	return cases
}

// Link synthesizes a case's objects and links them.
func Link(ctx context.Context, c Case) (*synth.Plan, *ldrun.Result, error) {
	plan, err := synth.Build(c.Scenario, c.Arch, c.PageSize)
	if err != nil {
		return nil, nil, err
	}
	in, err := plan.Inputs()
	if err != nil {
		return nil, nil, err
	}
	opt := ldrun.Options{Arch: c.Arch, Linker: c.Linker, PageSize: c.PageSize, Script: c.Script}
	r, err := ldrun.Link(ctx, opt, in)
	return plan, r, err
}

// Run links every case as a parallel subtest of t and compares its layout
// with its golden file, or rewrites the file under -update. Bad options,
// and options that select no case at all, fail t. A linker that is not
// installed skips its cases, or fails them when toolchains are required
// (ELFSYNTH_REQUIRE_TOOLCHAINS=1); any other error fails. Golden files no
// case produces fail the test (and are removed under -update).
func Run(t *testing.T, opt Options) {
	t.Helper()
	cases, err := Cases(opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("golden: the options select no case (scenarios %v, arches %v, linkers %v)", opt.Scenarios, opt.Arches, opt.Linkers)
	}
	opt, _ = opt.withDefaults()
	hint := regenerateHint(t)
	t.Run("cases", func(t *testing.T) {
		for _, c := range cases {
			t.Run(strings.Join([]string{c.Name, c.Arch.Name, c.Linker.String(), fmt.Sprint(c.PageSize)}, "/"), func(t *testing.T) {
				t.Parallel()
				runCase(t, opt, c, hint)
			})
		}
	})
	checkStale(t, opt, cases)
}

// regenerateHint is the command that rewrites the golden files of the
// test running Run, whatever module it is in.
func regenerateHint(t *testing.T) string {
	top, _, _ := strings.Cut(t.Name(), "/")
	return fmt.Sprintf("go test -run '^%s$' -update", top)
}

func runCase(t *testing.T, opt Options, c Case, hint string) {
	got, err := render(t, c, hint)
	if errors.Is(err, ldrun.ErrNotInstalled) {
		if toolcheck.RequiredLinker(c.Linker) {
			t.Fatalf("%s: %v (%s=1)", c, err, toolcheck.EnvRequire)
		}
		t.Skipf("%s: %v", c, err)
	}
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
		t.Fatalf("%s: no golden file (run %s): %v", c, hint, err)
	}
	if d := textdiff.Unified(path, c.String(), string(want), string(got)); d != "" {
		t.Errorf("%s: layout differs from %s (-want +got); if the change is right, run %s:\n%s", c, path, hint, d)
	}
}

// render links a case and renders its golden text. A linker that refuses
// the input is a result too (mold lacks relocations some targets' code
// needs): its error becomes the golden text, so the limitation stays
// pinned down and a fix shows up as a diff. Wrongly relocated code fails t.
func render(t *testing.T, c Case, hint string) ([]byte, error) {
	plan, r, err := Link(context.Background(), c)
	var b bytes.Buffer
	header(&b, c, hint)
	var lf *ldrun.LinkError
	switch {
	case errors.As(err, &lf):
		err = report.LinkFailure(&b, pinned(lf))
		return b.Bytes(), err
	case err != nil:
		return nil, err
	}
	if err := r.Layout.Check(); err != nil {
		t.Errorf("%s: %v", c, err)
	}
	for _, fn := range r.Layout.Code {
		if !fn.Verified {
			t.Errorf("%s: function %s should compute the address of %s (%s) but computes %s %s",
				c, fn.Symbol, fn.AddressOf, fn.Expected, fn.Computed, fn.Error)
		}
	}
	if err := report.Plan(&b, plan); err != nil {
		return nil, err
	}
	b.WriteString("\n")
	lay := *r.Layout
	lay.Linker = layout.LinkerInfo{Name: lay.Linker.Name, Command: pinnedCommand(lay.Linker.Command)}
	err = report.Layout(&b, &lay)
	return b.Bytes(), err
}

// header names the case and how to regenerate the file. It leaves out the
// linker's exact version and path, so that a golden file does not depend
// on which patch release, or which other linkers, are installed.
func header(b *bytes.Buffer, c Case, hint string) {
	fmt.Fprintf(b, "# elfsynth golden file: scenario %s (%s)\n", c.Name, filepath.ToSlash(c.Path))
	fmt.Fprintf(b, "# arch %s, linker %s, page size %d, script %s\n", c.Arch.Name, c.Linker, c.PageSize, filepath.ToSlash(c.Script))
	fmt.Fprintf(b, "# regenerate with: %s\n\n", hint)
}

// pinnedCommand drops the folder from the linker's path in a command line.
func pinnedCommand(cmd string) string {
	prog, rest, _ := strings.Cut(cmd, " ")
	return filepath.Base(prog) + " " + rest
}

func pinned(e *ldrun.LinkError) *ldrun.LinkError {
	c := *e
	c.Command = pinnedCommand(e.Command)
	return &c
}

// checkStale fails t for each golden file no case produces any more, or
// removes the file under -update.
func checkStale(t *testing.T, opt Options, cases []Case) {
	for _, f := range staleFiles(opt, cases) {
		if opt.Update {
			os.Remove(f)
			continue
		}
		t.Errorf("%s: no case produces this golden file; remove it (go test -update does)", f)
	}
}

// staleFiles lists the golden files in the cases' folders that no case
// produces. A file of a target or linker the options do not select is not
// this run's business (another test's selection may cover it); a file of
// a selected linker that is not installed here is still a case's, so it
// stays.
func staleFiles(opt Options, cases []Case) []string {
	want := map[string]bool{}
	dirs := map[string]bool{}
	for _, c := range cases {
		want[filepath.Join(opt.Dir, c.File())] = true
		dirs[filepath.Join(opt.Dir, c.Name)] = true
	}
	var stale []string
	for dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
		for _, f := range files {
			if !want[f] && opt.selects(filepath.Base(f)) {
				stale = append(stale, f)
			}
		}
	}
	sort.Strings(stale)
	return stale
}

// selects reports whether a golden file's name, ARCH.LINKER.PAGEk.txt,
// is of a target and linker the options select. Names of another form
// are selected: nothing produces them.
func (o Options) selects(name string) bool {
	arch, rest, ok1 := strings.Cut(name, ".")
	linker, _, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 {
		return true
	}
	return (len(o.Arches) == 0 || slices.Contains(o.Arches, arch)) && slices.Contains(o.Linkers, arches.Linker(linker))
}
