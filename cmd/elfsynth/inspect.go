package main

import (
	"io"
	"os"

	"github.com/elfsynth/elfsynth/ldrun"
)

func init() {
	register(command{name: "inspect", usage: "inspect [--json] IMAGE",
		summary: "read a linked image (any ELF executable, e.g. a vmlinux) and report its layout, holes and permissions",
		run:     cmdInspect})
}

// cmdInspect reports the layout of an image elfsynth did not link; hole
// causes are inferred from alignment alone.
func cmdInspect(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("inspect", stderr)
	asJSON := fs.Bool("json", false, "print the layout as JSON")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return fail(stderr, err)
	}
	path, err := onePositional(pos, "IMAGE")
	if err != nil {
		return fail(stderr, err)
	}
	image, err := os.ReadFile(path)
	if err != nil {
		return fail(stderr, err)
	}
	lay, err := ldrun.Read(image, nil)
	if err != nil {
		return fail(stderr, usagef("%s: %v", path, err))
	}
	return printLayout(stdout, stderr, lay, *asJSON)
}

// printLayout writes lay as text or JSON.
func printLayout(stdout, stderr io.Writer, lay *ldrun.Layout, asJSON bool) int {
	if asJSON {
		return writeJSON(stdout, stderr, lay)
	}
	if err := lay.WriteText(stdout); err != nil {
		return fail(stderr, err)
	}
	return exitOK
}
