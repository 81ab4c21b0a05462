package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/golden"
	"github.com/elfsynth/elfsynth/internal/atomicfile"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

func init() {
	register(command{name: "objects", usage: "objects --arch A [--page-size N] -o DIR SCENARIO",
		summary: "write one ELF relocatable object per unit: DIR/<unit name>", run: cmdObjects})
	register(command{name: "asm", usage: "asm --arch A [--page-size N] [--linker L] [--script NAME|FILE] -o DIR SCENARIO",
		summary: "write each unit as GNU as source, DIR/<unit>.s, with link.lds and repro.sh: a reproducer for bug reports", run: cmdAsm})
}

// outputFile is one file a command writes.
type outputFile struct {
	name string
	data []byte
	perm os.FileMode
}

func cmdObjects(args []string, stdout, stderr io.Writer) int {
	u, err := parseUnitFlags("objects", args, stderr, nil)
	if err != nil {
		return fail(stderr, err)
	}
	objs, err := u.plan.Objects()
	if err != nil {
		return fail(stderr, err)
	}
	var out []outputFile
	for _, o := range objs {
		out = append(out, outputFile{o.Name, o.Data, 0o644})
	}
	return writeFiles(stderr, u.dir, out)
}

// cmdAsm writes each unit as GNU as source, and beside them the linker
// script and a repro.sh that assembles and links them as elfsynth does:
// what a bug report needs.
func cmdAsm(args []string, stdout, stderr io.Writer) int {
	var linkerName, script *string
	u, err := parseUnitFlags("asm", args, stderr, func(fs *flag.FlagSet) {
		linkerName = fs.String("linker", "bfd", "`linker` repro.sh links with: bfd, gold, lld or mold")
		script = fs.String("script", "", "linker script for repro.sh: a built-in name or a `file`; default: the scenario's, else kernel")
	})
	if err != nil {
		return fail(stderr, err)
	}
	var out []outputFile
	for _, f := range u.plan.Asm() {
		out = append(out, outputFile{f.Name, f.Text, 0o644})
	}
	repro, err := reproFiles(u, *linkerName, *script)
	if err != nil {
		return fail(stderr, err)
	}
	return writeFiles(stderr, u.dir, append(out, repro...))
}

// reproFiles are link.lds (unless the link takes no script) and repro.sh.
func reproFiles(u *unitFlags, linkerName, scriptFlag string) ([]outputFile, error) {
	l, ok := arches.ParseLinker(linkerName)
	if !ok || !u.plan.Arch.Supports(l) {
		return nil, usagef("--linker %q: %s links with %s", linkerName, u.plan.Arch.Name, linkerNames(u.plan.Arch.Linkers))
	}
	script, err := scriptFor(scriptFlag, u.scenario)
	if err != nil {
		return nil, err
	}
	if l == arches.Mold && script != ldrun.ScriptNone {
		return nil, usagef("mold takes no linker script; use --script none")
	}
	in, _, err := golden.Inputs(u.plan)
	if err != nil {
		return nil, err
	}
	r, err := ldrun.NewReproducer(ldrun.Options{Arch: u.plan.Arch, Linker: l, PageSize: u.plan.PageSize, Script: script}, in)
	if err != nil {
		return nil, usagef("%v", err)
	}
	var out []outputFile
	if r.Script != "" {
		out = append(out, outputFile{"link.lds", []byte(r.Script), 0o644})
	}
	return append(out, outputFile{"repro.sh", reproScript(u.plan, l, script, r.Command), 0o755}), nil
}

func reproScript(p *synth.Plan, l arches.Linker, script, link string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# elfsynth reproducer: scenario %q for %s, page size %d, linker %s, script %s.\n",
		p.Name, p.Arch.Name, p.PageSize, l, script)
	fmt.Fprintf(&b, "# Assembles every unit with GNU as, then links them as elfsynth does; the layout is in ./image.\n")
	fmt.Fprintf(&b, "set -e\ncd \"$(dirname \"$0\")\"\n")
	for _, u := range p.Units {
		fmt.Fprintln(&b, synth.AssembleCommand(p.Arch, u.Name))
	}
	fmt.Fprintln(&b, link)
	return []byte(b.String())
}

// unitFlags are what objects and asm are told.
type unitFlags struct {
	dir      string
	scenario *synth.Scenario
	plan     *synth.Plan
}

// parseUnitFlags parses --arch, --page-size, -o and the scenario, plus
// whatever extra adds, and builds the plan.
func parseUnitFlags(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*unitFlags, error) {
	fs := newFlags(name, stderr)
	arch := fs.String("arch", "", "target `name` (see elfsynth arches)")
	pageSize := fs.String("page-size", "", "page `size` that 'page' stands for (default: the scenario's, else the target's)")
	dir := fs.String("o", "", "output `folder`")
	if extra != nil {
		extra(fs)
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, usagef("%v", err)
	}
	path, err := onePositional(pos, "scenario file")
	if err == nil && *dir == "" {
		err = usagef("-o DIR is required")
	}
	if err != nil {
		return nil, err
	}
	u := &unitFlags{dir: *dir}
	u.scenario, u.plan, err = loadPlan(path, *arch, *pageSize)
	return u, err
}

// writeFiles writes every file, once all are made: bad input writes nothing.
func writeFiles(stderr io.Writer, dir string, files []outputFile) int {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(stderr, err)
	}
	for _, f := range files {
		if err := atomicfile.Write(filepath.Join(dir, f.name), f.data, f.perm); err != nil {
			return fail(stderr, err)
		}
	}
	return exitOK
}
