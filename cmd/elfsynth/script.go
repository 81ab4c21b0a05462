package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/elfsynth/elfsynth/ldrun"
)

func init() {
	register(command{name: "script", usage: "script NAME --arch A [--page-size N]",
		summary: "print a built-in linker script (kernel, kernel-fixed, kernel-sorted, kernel-own-section) rendered for a target and page size",
		run:     cmdScript})
}

// cmdScript prints the built-in script NAME for --arch and --page-size.
func cmdScript(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("script", stderr)
	archName := fs.String("arch", "", "target `name` (see elfsynth arches)")
	pageSize := fs.String("page-size", "", "page `size`; default: the target's default kernel page size")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return fail(stderr, err)
	}
	name, err := onePositional(pos, "script NAME")
	if err != nil {
		return fail(stderr, err)
	}
	if name == ldrun.ScriptNone || !slices.Contains(ldrun.ScriptNames, name) {
		return fail(stderr, usagef("script %q: built-in scripts with text are %s", name, strings.Join(textScripts(), ", ")))
	}
	a, err := lookupArch(*archName)
	if err != nil {
		return fail(stderr, err)
	}
	ps, err := parsePageSize(*pageSize)
	if err != nil {
		return fail(stderr, err)
	}
	text, err := ldrun.Script(name, a, ps)
	if err != nil {
		return fail(stderr, usagef("%v", err))
	}
	fmt.Fprint(stdout, text)
	return exitOK
}

// textScripts are the built-in scripts that have text.
func textScripts() []string {
	var out []string
	for _, n := range ldrun.ScriptNames {
		if n != ldrun.ScriptNone {
			out = append(out, n)
		}
	}
	return out
}
