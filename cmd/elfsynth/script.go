package main

import (
	"fmt"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
)

func init() {
	register(&command{name: "script", args: "NAME",
		summary: "print a built-in linker script (" + strings.Join(textScripts(), ", ") + ") rendered for a target and page size; " +
			"they follow Linux " + ldrun.ScriptRelease + releaseExceptions() + " (each script's header says)",
		flags: func(fs *flagSet) {
			fs.String("arch", "", "target `name` (see elfsynth arches)")
			fs.String("page-size", "", "page `size`; default: the target's default kernel page size")
		},
		run: cmdScript})
}

// cmdScript prints the built-in script NAME for --arch and --page-size.
func cmdScript(c *call) int {
	name, err := onePositional(c.args, "script NAME")
	if err != nil {
		return fail(c.stderr, err)
	}
	if name == ldrun.ScriptNone || !ldrun.IsBuiltinScript(name) {
		return fail(c.stderr, usagef("script %q%s: built-in scripts with text are %s", name,
			arches.DidYouMean(name, textScripts()), strings.Join(textScripts(), ", ")))
	}
	a, err := lookupArch(c.str("arch"))
	if err != nil {
		return fail(c.stderr, err)
	}
	ps, err := parsePageSize(c.str("page-size"))
	if err != nil {
		return fail(c.stderr, err)
	}
	text, err := ldrun.Script(name, a, ps)
	if err != nil {
		return fail(c.stderr, usagef("%v", err))
	}
	fmt.Fprint(c.stdout, text)
	return exitOK
}

// textScripts are the built-in scripts that have text.
func textScripts() []string {
	var out []string
	for _, n := range ldrun.ScriptNames() {
		if n != ldrun.ScriptNone {
			out = append(out, n)
		}
	}
	return out
}

// releaseExceptions names the targets whose built-in scripts follow
// another release than ldrun.ScriptRelease somewhere.
func releaseExceptions() string {
	var names []string
	for _, a := range arches.All() {
		if a.ScriptRelease != "" {
			names = append(names, a.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return ", except in part on " + strings.Join(names, " and ")
}
