package main

import (
	"io"
	"os"
	"path/filepath"

	"github.com/elfsynth/elfsynth/internal/atomicfile"
	"github.com/elfsynth/elfsynth/synth"
)

func init() {
	register(command{name: "objects", usage: "objects --arch A [--page-size N] -o DIR SCENARIO",
		summary: "write one ELF relocatable object per unit: DIR/<unit name>", run: cmdObjects})
	register(command{name: "asm", usage: "asm --arch A [--page-size N] -o DIR SCENARIO",
		summary: "write each unit as GNU as source, DIR/<unit>.s: a reproducer for bug reports", run: cmdAsm})
}

// outputFile is one file a command writes.
type outputFile struct {
	name string
	data []byte
}

func cmdObjects(args []string, stdout, stderr io.Writer) int {
	return writeUnits("objects", args, stderr, func(p *synth.Plan) ([]outputFile, error) {
		objs, err := p.Objects()
		if err != nil {
			return nil, err
		}
		var out []outputFile
		for _, o := range objs {
			out = append(out, outputFile{o.Name, o.Data})
		}
		return out, nil
	})
}

func cmdAsm(args []string, stdout, stderr io.Writer) int {
	return writeUnits("asm", args, stderr, func(p *synth.Plan) ([]outputFile, error) {
		var out []outputFile
		for _, f := range p.Asm() {
			out = append(out, outputFile{f.Name, f.Text})
		}
		return out, nil
	})
}

// writeUnits parses the common flags, makes every file in memory first, and
// only then writes them: bad input writes nothing.
func writeUnits(name string, args []string, stderr io.Writer, make func(*synth.Plan) ([]outputFile, error)) int {
	fs := newFlags(name, stderr)
	arch := fs.String("arch", "", "target `name` (see elfsynth arches)")
	pageSize := fs.String("page-size", "", "page `size` that 'page' stands for (default: the scenario's, else the target's)")
	dir := fs.String("o", "", "output `folder`")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return fail(stderr, usagef("%v", err))
	}
	path, err := onePositional(pos, "scenario file")
	if err == nil && *dir == "" {
		err = usagef("-o DIR is required")
	}
	if err != nil {
		return fail(stderr, err)
	}
	plan, err := loadPlan(path, *arch, *pageSize)
	if err != nil {
		return fail(stderr, err)
	}
	files, err := make(plan)
	if err != nil {
		return fail(stderr, err)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fail(stderr, err)
	}
	for _, f := range files {
		if err := atomicfile.Write(filepath.Join(*dir, f.name), f.data, 0o644); err != nil {
			return fail(stderr, err)
		}
	}
	return exitOK
}
