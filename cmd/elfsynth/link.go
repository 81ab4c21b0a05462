package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/atomicfile"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/ldrun/report"
	"github.com/elfsynth/elfsynth/synth"
)

func init() {
	register(&command{name: "link", args: "SCENARIO",
		summary: "synthesize a scenario's objects, link them with a real linker and report the layout; --linker all compares linkers",
		doc:     linkDoc,
		flags: func(fs *flagSet) {
			fs.String("arch", "", "target `name` (see elfsynth arches), a comma list, or all")
			fs.String("linker", "bfd", "`linker`: bfd, gold, lld (lld-19 unless ELFSYNTH_LLD says otherwise), lld-NN, mold; a comma list, or all")
			fs.String("page-size", "", "page `size`, a comma list, or all; default: the scenario's, else the target's default")
			fs.String("script", "", "linker script: "+strings.Join(ldrun.ScriptNames(), ", ")+" or a `file`, such as a kernel's preprocessed vmlinux.lds "+
				"(elfsynth defines what it needs that the scenario lacks); default: the scenario's, else kernel")
			fs.Var(&stringList{}, "ld-flag", "extra linker `flag`, after the target's own and its kernel's (repeatable; e.g. --ld-flag -z --ld-flag max-page-size=0x1000)")
			fs.Bool("json", false, "print the layout as JSON")
			fs.String("o", "", "write the linked `image` here (for several linkers: IMAGE.LINKER; several targets or page sizes: IMAGE.ARCH.LINKER.PAGEk)")
			fs.Duration("timeout", ldrun.DefaultTimeout, "stop a linker that runs longer than this")
			fs.Var(&stringList{}, "ignore", "with several linkers, leave out differences of this `kind` (repeatable); default: "+
				kindList(layout.CosmeticKinds(true))+", and base-address with --script none; none shows all")
		},
		run: cmdLink})
}

// stringList is a flag that may be given many times.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, " ") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// linkFlags are the parsed arguments of elfsynth link.
type linkFlags struct {
	arch     *arches.Arch
	linkers  []arches.Linker
	pageSize uint64
	script   string
	flags    []string
	asJSON   bool
	out      string
	scenario string
	timeout  time.Duration
}

// cmdLink links a scenario and prints the layout.
func cmdLink(c *call) int {
	if isMatrix(c) {
		return cmdLinkMatrix(c)
	}
	lf, err := parseLinkFlags(c)
	if err != nil {
		return fail(c.stderr, err)
	}
	s, err := readScenario(lf.scenario)
	if err != nil {
		return fail(c.stderr, err)
	}
	plan, err := synth.Build(s, lf.arch, lf.pageSize)
	if err != nil {
		return fail(c.stderr, err)
	}
	inputs, err := plan.Inputs()
	if err != nil {
		return fail(c.stderr, err)
	}
	script := lf.script
	if script == "" {
		script = ldrun.ScriptOf(s)
	}
	if err := ldrun.CheckScript(script); err != nil {
		return fail(c.stderr, scriptError(lf.script, s, err))
	}
	if err := linkerScriptError(lf.linkers[0], script); err != nil {
		return fail(c.stderr, err)
	}
	ctx := newInterruptible()
	opt := ldrun.Options{Arch: lf.arch, PageSize: plan.PageSize, Script: script, Flags: lf.flags, Timeout: lf.timeout}
	opt.Linker = lf.linkers[0]
	rc := linkOne(ctx, opt, inputs, lf, c)
	if sig := ctx.status(); sig != 0 {
		fmt.Fprintln(c.stderr, "elfsynth: interrupted")
		return sig
	}
	return rc
}

func parseLinkFlags(c *call) (*linkFlags, error) {
	get := c.str
	lf := &linkFlags{script: get("script"), asJSON: c.bool("json"), out: get("o"), flags: c.list("ld-flag")}
	var err error
	if lf.timeout, err = timeoutFlag(c); err != nil {
		return nil, err
	}
	if lf.scenario, err = onePositional(c.args, "SCENARIO"); err != nil {
		return nil, err
	}
	if lf.arch, err = lookupArch(get("arch")); err != nil {
		return nil, err
	}
	if lf.pageSize, err = pageSizeFor(lf.arch, get("page-size")); err != nil {
		return nil, err
	}
	l, err := parseLinker(get("linker"))
	if err != nil {
		return nil, err
	}
	if !lf.arch.Supports(l) {
		return nil, usagef("--linker %s does not link for %s (it links with %s)", l, lf.arch.Name, linkerNames(lf.arch.Linkers))
	}
	lf.linkers = []arches.Linker{l}
	return lf, nil
}

func linkOne(ctx *interruptible, opt ldrun.Options, inputs *synth.Inputs, lf *linkFlags, c *call) int {
	res, err := ldrun.Link(ctx, opt, inputs)
	if err != nil {
		return fail(c.stderr, err)
	}
	if ctx.Err() != nil {
		return exitFail // interrupted: write nothing; cmdLink says so
	}
	if lf.out == "-" {
		// The image takes standard output; the report goes to stderr.
		if _, err := c.stdout.Write(res.Image); err != nil {
			return fail(c.stderr, err)
		}
		c.stdout = c.stderr
	} else if lf.out != "" {
		if err := writeOutput(lf.out, res.Image); err != nil {
			return fail(c.stderr, err)
		}
	}
	return printLayout(c, res.Layout, lf.asJSON)
}

// writeOutput writes an image where -o says; a path that cannot be
// written as asked is bad input, any other failure the environment's.
func writeOutput(path string, data []byte) error {
	err := atomicfile.Output(path, data, 0o755)
	var bad *atomicfile.BadPathError
	if errors.As(err, &bad) {
		return usagef("-o %v", err)
	}
	return err
}

// printLayout writes lay as text or JSON.
func printLayout(c *call, lay *layout.Layout, asJSON bool) int {
	if asJSON {
		return writeJSON(c, lay)
	}
	if err := report.Layout(c.stdout, lay); err != nil {
		return fail(c.stderr, err)
	}
	return exitOK
}

// writeJSON prints v as indented JSON.
func writeJSON(c *call, v any) int {
	if err := report.JSON(c.stdout, v); err != nil {
		return fail(c.stderr, err)
	}
	return exitOK
}
