package main

import (
	"fmt"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
)

func init() {
	register(&command{name: "packages", summary: "print the Debian packages with the GNU tools of every target (used by make toolchains)",
		run: func(c *call) int {
			if len(c.args) != 0 {
				return fail(c.stderr, usagef("packages takes no arguments"))
			}
			fmt.Fprintln(c.stdout, strings.Join(arches.Packages(), " "))
			return exitOK
		}})
}
