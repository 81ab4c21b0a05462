package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/synth"
)

// newFlags makes a flag set that reports errors instead of exiting.
func newFlags(c string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("elfsynth "+c, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseArgs parses flags that may come before or after the positional
// arguments, and returns the positional ones.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// usageError is bad input from the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// exitCode maps an error to the exit status: 2 for bad input, 1 otherwise.
func exitCode(err error) int {
	var ue *usageError
	var se *synth.Error
	var pe *fs.PathError // a scenario that cannot be read, an -o that cannot be written
	if errors.As(err, &ue) || errors.As(err, &se) || errors.As(err, &pe) || errors.Is(err, flag.ErrHelp) {
		return exitUsage
	}
	return exitFail
}

// fail prints err and returns its exit status.
func fail(stderr io.Writer, err error) int {
	if !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stderr, "elfsynth: %v\n", err)
	}
	return exitCode(err)
}

// lookupArch resolves --arch.
func lookupArch(name string) (*arches.Arch, error) {
	if name == "" {
		return nil, usagef("--arch is required; known: %s", strings.Join(arches.Names(), " "))
	}
	a, err := arches.Lookup(name)
	if err != nil {
		return nil, usagef("--arch: %v", err)
	}
	return a, nil
}

// parsePageSize reads a --page-size value: a number (decimal or 0x hex) with
// an optional K or M suffix. Zero means "the default".
func parsePageSize(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	mult := uint64(1)
	switch {
	case strings.HasSuffix(strings.ToUpper(s), "K"):
		mult, s = 1<<10, s[:len(s)-1]
	case strings.HasSuffix(strings.ToUpper(s), "M"):
		mult, s = 1<<20, s[:len(s)-1]
	}
	n, err := strconv.ParseUint(s, 0, 64)
	if err != nil || n == 0 || n*mult > 1<<30 || (n*mult)&(n*mult-1) != 0 {
		return 0, usagef("--page-size %q: want a power of two up to 1G, like 4096, 16K or 0x10000", s)
	}
	return n * mult, nil
}

// onePositional checks that exactly one positional argument (what) was given.
func onePositional(args []string, what string) (string, error) {
	if len(args) != 1 {
		return "", usagef("want exactly one %s, got %d arguments", what, len(args))
	}
	return args[0], nil
}

// loadPlan reads a scenario file and resolves it for a target.
func loadPlan(path, archName, pageSize string) (*synth.Scenario, *synth.Plan, error) {
	a, err := lookupArch(archName)
	if err != nil {
		return nil, nil, err
	}
	ps, err := parsePageSize(pageSize)
	if err != nil {
		return nil, nil, err
	}
	s, err := synth.ParseFile(path)
	if err != nil {
		return nil, nil, err
	}
	plan, err := synth.Build(s, a, ps)
	return s, plan, err
}
