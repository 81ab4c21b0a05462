// Command elfsynth synthesizes minimal ELF relocatable objects for every Linux
// target, links them with the real cross linkers and reports the layout that
// comes out: addresses, padding and its causes, permissions.
//
// Run `elfsynth help` for the commands.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
)

// Exit statuses shared by every command.
const (
	exitOK    = 0
	exitFail  = 1 // a tool failed, or a check found a difference
	exitUsage = 2 // bad input: usage, flags, scenario files
)

// command is one subcommand.
type command struct {
	name    string
	usage   string // the synopsis after "elfsynth "
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

// register adds a subcommand; each command's file calls it from init.
func register(c command) { commands[c.name] = c }

func main() {
	// Reports are written a table cell at a time: buffer them into a few
	// writes.
	stdout := bufio.NewWriterSize(os.Stdout, 64<<10)
	rc := run(os.Args[1:], stdout, os.Stderr)
	if err := stdout.Flush(); err != nil && rc == exitOK {
		fmt.Fprintf(os.Stderr, "elfsynth: %v\n", err)
		rc = exitFail
	}
	os.Exit(rc)
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "elfsynth: unknown command %q\n", args[0])
		usage(stderr)
		return exitUsage
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: elfsynth COMMAND [flags]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := commands[n]
		fmt.Fprintf(w, "  elfsynth %s\n      %s\n", c.usage, c.summary)
	}
}
