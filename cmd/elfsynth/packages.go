package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
)

func init() {
	register(command{name: "packages", usage: "packages",
		summary: "print the Debian packages with the GNU tools of every target (used by make toolchains)", run: cmdPackages})
}

func cmdPackages(args []string, stdout, stderr io.Writer) int {
	if len(args) != 0 {
		return fail(stderr, usagef("packages takes no arguments"))
	}
	fmt.Fprintln(stdout, strings.Join(arches.Packages(), " "))
	return exitOK
}
