package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/golden"
	"github.com/elfsynth/elfsynth/internal/atomicfile"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

func init() {
	register(command{name: "link",
		usage:   "link --arch A --linker bfd|gold|lld|mold|all [--page-size N] [--script NAME|FILE] [--json] [-o IMAGE] [--timeout D] SCENARIO",
		summary: "synthesize a scenario's objects, link them with a real linker and report the layout; --linker all compares linkers",
		run:     cmdLink})
}

// linkFlags are the parsed arguments of elfsynth link.
type linkFlags struct {
	arch     *arches.Arch
	linkers  []arches.Linker
	all      bool
	pageSize uint64
	script   string
	asJSON   bool
	out      string
	scenario string
	timeout  time.Duration
}

// cmdLink links a scenario and prints the layout.
func cmdLink(args []string, stdout, stderr io.Writer) int {
	lf, err := parseLinkFlags(args, stderr)
	if err != nil {
		return fail(stderr, err)
	}
	s, err := synth.ParseFile(lf.scenario)
	if err != nil {
		return fail(stderr, err)
	}
	plan, err := synth.Build(s, lf.arch, lf.pageSize)
	if err != nil {
		return fail(stderr, err)
	}
	inputs, fns, err := golden.Inputs(plan)
	if err != nil {
		return fail(stderr, err)
	}
	script, err := scriptFor(lf.script, s)
	if err != nil {
		return fail(stderr, err)
	}
	// An interrupt kills the linker; Link still removes its directory.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opt := ldrun.Options{Arch: lf.arch, PageSize: plan.PageSize, Script: script, Functions: fns, Timeout: lf.timeout}
	if !lf.all {
		opt.Linker = lf.linkers[0]
		return linkOne(ctx, opt, inputs, lf, stdout, stderr)
	}
	return linkAll(ctx, opt, inputs, lf, stdout, stderr)
}

func parseLinkFlags(args []string, stderr io.Writer) (*linkFlags, error) {
	fs := newFlags("link", stderr)
	archName := fs.String("arch", "", "target `name` (see elfsynth arches)")
	linker := fs.String("linker", "bfd", "`linker`: bfd, gold, lld, mold or all")
	pageSize := fs.String("page-size", "", "page `size`; default: the scenario's, else the target's default")
	script := fs.String("script", "", "linker script: kernel, kernel-fixed, kernel-sorted, kernel-own-section, none or a `file`; default: the scenario's, else kernel")
	asJSON := fs.Bool("json", false, "print the layout as JSON")
	out := fs.String("o", "", "write the linked `image` here (with --linker all: IMAGE.LINKER)")
	timeout := fs.Duration("timeout", ldrun.DefaultTimeout, "stop a linker that runs longer than this")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, err
	}
	lf := &linkFlags{script: *script, asJSON: *asJSON, out: *out, timeout: *timeout}
	if *timeout <= 0 {
		return nil, usagef("--timeout %v: want a positive duration such as 30s", *timeout)
	}
	if lf.scenario, err = onePositional(pos, "SCENARIO"); err != nil {
		return nil, err
	}
	if lf.arch, err = lookupArch(*archName); err != nil {
		return nil, err
	}
	if lf.pageSize, err = parsePageSize(*pageSize); err != nil {
		return nil, err
	}
	if lf.pageSize != 0 && !lf.arch.HasPageSize(lf.pageSize) {
		return nil, usagef("--page-size %d: %s kernels use %v", lf.pageSize, lf.arch.Name, lf.arch.PageSizes)
	}
	if *linker == "all" {
		lf.all, lf.linkers = true, lf.arch.Linkers
		return lf, nil
	}
	l, ok := arches.ParseLinker(*linker)
	if !ok {
		return nil, usagef("--linker %q: want bfd, gold, lld, mold or all", *linker)
	}
	if !lf.arch.Supports(l) {
		return nil, usagef("--linker %s does not link for %s", l, lf.arch.Name)
	}
	lf.linkers = []arches.Linker{l}
	return lf, nil
}

// scriptFor picks the script: the flag, else the scenario's (a path there
// is relative to the scenario file), else kernel. A script file that
// cannot be read is bad input.
func scriptFor(flagScript string, s *synth.Scenario) (string, error) {
	name := flagScript
	if name == "" {
		name = golden.ScriptOf(s.File, s)
	}
	if !golden.IsBuiltinScript(name) {
		if _, err := os.Stat(name); err != nil {
			return "", err
		}
	}
	return name, nil
}

func linkOne(ctx context.Context, opt ldrun.Options, inputs []ldrun.Input, lf *linkFlags, stdout, stderr io.Writer) int {
	res, err := ldrun.Link(ctx, opt, inputs)
	if err != nil {
		return fail(stderr, err)
	}
	if lf.out != "" {
		if err := atomicfile.Write(lf.out, res.Image, 0o755); err != nil {
			return fail(stderr, err)
		}
	}
	return printLayout(stdout, stderr, res.Layout, lf.asJSON)
}

// allResult is what --linker all --json prints.
type allResult struct {
	Layouts []*ldrun.Layout `json:"layouts"`
	// Skipped names linkers not run, with why.
	Skipped []string `json:"skipped"`
	// Differences compare each layout with the first one.
	Differences []string `json:"differences"`
}

// linkAll links with every installed linker of the target (mold only
// without a script) and lists how the layouts differ from the first.
func linkAll(ctx context.Context, opt ldrun.Options, inputs []ldrun.Input, lf *linkFlags, stdout, stderr io.Writer) int {
	r := allResult{Layouts: []*ldrun.Layout{}, Skipped: []string{}, Differences: []string{}}
	for _, l := range lf.linkers {
		if l == arches.Mold && opt.Script != ldrun.ScriptNone {
			r.Skipped = append(r.Skipped, "mold: takes no linker script")
			continue
		}
		if _, err := ldrun.Find(lf.arch, l); err != nil {
			r.Skipped = append(r.Skipped, err.Error())
			continue
		}
		opt.Linker = l
		res, err := ldrun.Link(ctx, opt, inputs)
		if err != nil {
			return fail(stderr, err)
		}
		if lf.out != "" {
			if err := atomicfile.Write(lf.out+"."+l.String(), res.Image, 0o755); err != nil {
				return fail(stderr, err)
			}
		}
		r.Layouts = append(r.Layouts, res.Layout)
	}
	if len(r.Layouts) == 0 {
		return fail(stderr, fmt.Errorf("no linker for %s is installed: %v", lf.arch.Name, r.Skipped))
	}
	for _, lay := range r.Layouts[1:] {
		r.Differences = append(r.Differences, ldrun.Diff(r.Layouts[0], lay)...)
	}
	if lf.asJSON {
		return writeJSON(stdout, stderr, r)
	}
	for _, lay := range r.Layouts {
		if err := lay.WriteText(stdout); err != nil {
			return fail(stderr, err)
		}
		fmt.Fprintln(stdout)
	}
	fmt.Fprintln(stdout, "differences:")
	for _, d := range r.Differences {
		fmt.Fprintf(stdout, "  %s\n", d)
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(stdout, "skipped: %s\n", s)
	}
	return exitOK
}
