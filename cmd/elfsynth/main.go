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
	"strings"

	"github.com/elfsynth/elfsynth/arches"
)

// Exit statuses shared by every command.
const (
	exitOK    = 0
	exitFail  = 1 // a tool or the environment failed, or a check found a difference
	exitUsage = 2 // bad input: usage, flags, scenario files
)

// command is one subcommand.
type command struct {
	name string
	// args is the synopsis after the flags: the positional arguments.
	args    string
	summary string
	// flags declares the command's flags on fs; it may be nil.
	flags func(fs *flagSet)
	run   func(c *call) int
}

var commands = map[string]*command{}

// register adds a subcommand; each command's file calls it from init.
func register(c *command) { commands[c.name] = c }

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

// run runs the command args name, with what it prints going to stdout and
// stderr, and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch name := args[0]; name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			c, ok := commands[args[1]]
			if !ok {
				return unknownCommand(args[1], stderr)
			}
			c.help(stdout)
			return exitOK
		}
		usage(stdout)
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		return unknownCommand(args[0], stderr)
	}
	return c.invoke(args[1:], stdout, stderr)
}

func unknownCommand(name string, stderr io.Writer) int {
	fmt.Fprintf(stderr, "elfsynth: unknown command %q%s; commands: %s (elfsynth help COMMAND tells more)\n",
		name, arches.DidYouMean(name, commandNames()), strings.Join(commandNames(), ", "))
	return exitUsage
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: elfsynth COMMAND [flags] [arguments]")
	fmt.Fprintln(w, "       elfsynth help COMMAND")
	fmt.Fprintln(w)
	for _, n := range commandNames() {
		c := commands[n]
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Exit status: 0 success, 1 a tool or the environment failed, 2 bad input or usage,")
	fmt.Fprintln(w, "130 interrupted (SIGINT), 143 terminated (SIGTERM).")
}
