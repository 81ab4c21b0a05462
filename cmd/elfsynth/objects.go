package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/atomicfile"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

func init() {
	register(&command{name: "objects", args: "SCENARIO",
		summary: "write one ELF relocatable object per unit: DIR/<unit name>",
		flags:   unitFlagSet(nil),
		run:     cmdObjects})
	register(&command{name: "asm", args: "SCENARIO",
		summary: "write each unit as GNU as source, DIR/<unit>.s, with link.lds and repro.sh: a reproducer for bug reports",
		flags: unitFlagSet(func(fs *flagSet) {
			fs.String("linker", "bfd", "`linker` repro.sh links with: bfd, gold, lld, lld-NN, mold, or all: each installed one "+
				"in turn, into image.LINKER, each image's headers printed with readelf -lSW")
			fs.String("script", "", "linker script for repro.sh: a built-in name or a `file`; default: the scenario's, else kernel")
		}),
		run: cmdAsm})
}

func cmdObjects(c *call) int {
	u, err := parseUnitFlags(c)
	if err != nil {
		return fail(c.stderr, err)
	}
	objs, err := u.plan.Objects()
	if err != nil {
		return fail(c.stderr, err)
	}
	var out []atomicfile.File
	for _, o := range objs {
		out = append(out, atomicfile.File{Name: o.Name, Data: o.Data, Perm: 0o644})
	}
	return writeFiles(c, u.dir, out)
}

// cmdAsm writes each unit as GNU as source, and beside them the linker
// script and a repro.sh that assembles and links them as elfsynth does:
// what a bug report needs.
func cmdAsm(c *call) int {
	u, err := parseUnitFlags(c)
	if err != nil {
		return fail(c.stderr, err)
	}
	var out []atomicfile.File
	for _, f := range u.plan.Asm() {
		out = append(out, atomicfile.File{Name: f.Name, Data: f.Text, Perm: 0o644})
	}
	repro, err := reproFiles(u, c.str("linker"), c.str("script"))
	if err != nil {
		return fail(c.stderr, err)
	}
	return writeFiles(c, u.dir, append(out, repro...))
}

// reproFiles are link.lds (unless the link takes no script) and repro.sh.
func reproFiles(u *unitFlags, linkerName, scriptFlag string) ([]atomicfile.File, error) {
	if linkerName == "all" {
		return reproAllFiles(u, scriptFlag)
	}
	l, err := parseLinker(linkerName)
	if err != nil {
		return nil, err
	}
	if !u.plan.Arch.Supports(l) {
		return nil, usagef("--linker %s: %s links with %s", l, u.plan.Arch.Name, linkerNames(u.plan.Arch.Linkers))
	}
	script := scriptFlag
	if script == "" {
		script = ldrun.ScriptOf(u.scenario)
	}
	if err := ldrun.CheckScript(script); err != nil {
		return nil, scriptError(scriptFlag, u.scenario, err)
	}
	if err := linkerScriptError(l, script); err != nil {
		return nil, err
	}
	in, err := u.plan.Inputs()
	if err != nil {
		return nil, err
	}
	r, err := ldrun.NewReproducer(ldrun.Options{Arch: u.plan.Arch, Linker: l, PageSize: u.plan.PageSize, Script: script}, in)
	if err != nil {
		return nil, usagef("%v", err)
	}
	var out []atomicfile.File
	if r.Script != "" {
		out = append(out, atomicfile.File{Name: "link.lds", Data: []byte(r.Script), Perm: 0o644})
	}
	plans := []*synth.Plan{u.plan}
	if len(r.Provided) > 0 {
		// What the script needs and the scenario lacks, as elfsynth
		// links it: one more unit to assemble.
		s := &synth.Scenario{Name: "elfsynth-provided", Units: []synth.Unit{ldrun.ProvidedUnit(r.Provided)}}
		p, err := synth.Build(s, u.plan.Arch, u.plan.PageSize)
		if err != nil {
			return nil, err
		}
		for _, f := range p.Asm() {
			out = append(out, atomicfile.File{Name: f.Name, Data: f.Text, Perm: 0o644})
		}
		plans = append(plans, p)
	}
	return append(out, atomicfile.File{Name: "repro.sh", Data: reproScript(plans, l, script, r.Command), Perm: 0o755}), nil
}

func reproScript(plans []*synth.Plan, l arches.Linker, script, link string) []byte {
	p := plans[0]
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# elfsynth reproducer: scenario %q for %s, page size %d, linker %s, script %s.\n",
		p.Name, p.Arch.Name, p.PageSize, l, script)
	fmt.Fprintf(&b, "# Assembles every unit with GNU as, then links them as elfsynth does; the layout is in ./image.\n")
	fmt.Fprintf(&b, "set -e\ncd \"$(dirname \"$0\")\"\n")
	for _, p := range plans {
		for _, u := range p.Units {
			fmt.Fprintln(&b, synth.AssembleCommand(p.Arch, u.Name))
		}
	}
	fmt.Fprintln(&b, link)
	return []byte(b.String())
}

// scriptError is bad input naming where the script came from: --script,
// or the scenario file's script field when the flag was not given.
func scriptError(flag string, s *synth.Scenario, err error) error {
	if flag == "" {
		return usagef("%s: %v", s.File, err)
	}
	return usagef("--script: %v", err)
}

// unitFlags are what objects and asm are told.
type unitFlags struct {
	dir      string
	scenario *synth.Scenario
	plan     *synth.Plan
}

// unitFlagSet declares --arch, --page-size and -o, plus whatever extra adds.
func unitFlagSet(extra func(*flagSet)) func(*flagSet) {
	return func(fs *flagSet) {
		fs.String("arch", "", "target `name` (see elfsynth arches)")
		fs.String("page-size", "", "page `size` that 'page' stands for (default: the scenario's, else the target's)")
		fs.String("o", "", "output `folder`; its files appear all at once, or not at all")
		if extra != nil {
			extra(fs)
		}
	}
}

// parseUnitFlags reads the scenario and builds the plan.
func parseUnitFlags(c *call) (*unitFlags, error) {
	path, err := onePositional(c.args, "scenario file")
	if err == nil && c.str("o") == "" {
		err = usagef("-o DIR is required")
	}
	if err != nil {
		return nil, err
	}
	u := &unitFlags{dir: c.str("o")}
	u.scenario, u.plan, err = loadPlan(path, c.str("arch"), c.str("page-size"))
	return u, err
}

// writeFiles writes every file, once all are made, all or nothing: bad
// input writes nothing, and neither does an interrupt (SIGINT, SIGTERM),
// which leaves no temporary folder behind either.
func writeFiles(c *call, dir string, files []atomicfile.File) int {
	ctx := newInterruptible()
	err := atomicfile.WriteDirContext(ctx, dir, files)
	if sig := ctx.status(); sig != 0 {
		if err != nil {
			fmt.Fprintln(c.stderr, "elfsynth: interrupted; nothing written")
		} else {
			fmt.Fprintln(c.stderr, "elfsynth: interrupted, after the files were written")
		}
		return sig
	}
	var bad *atomicfile.BadPathError
	if errors.As(err, &bad) {
		err = usagef("-o %v", err)
	}
	if err != nil {
		return fail(c.stderr, err)
	}
	return exitOK
}
