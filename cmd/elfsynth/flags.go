package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/bounded"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

// flagSet is a command's flags. It wraps flag.FlagSet so that the
// package's own messages and usage dumps never reach the user: a bad flag
// is one message, and --help prints the command's help on stdout.
type flagSet struct {
	*flag.FlagSet
}

// call is one run of a command: its parsed flags, its positional
// arguments, and where it prints.
type call struct {
	cmd            *command
	fs             *flagSet
	args           []string
	stdout, stderr io.Writer
}

// str is the value of a string flag.
func (c *call) str(name string) string { return c.fs.Lookup(name).Value.String() }

// bool is the value of a boolean flag.
func (c *call) bool(name string) bool { return c.fs.Lookup(name).Value.(flag.Getter).Get().(bool) }

// duration is the value of a duration flag.
func (c *call) duration(name string) time.Duration {
	return c.fs.Lookup(name).Value.(flag.Getter).Get().(time.Duration)
}

// int is the value of an int flag.
func (c *call) int(name string) int { return c.fs.Lookup(name).Value.(flag.Getter).Get().(int) }

// list is the values of a repeatable flag.
func (c *call) list(name string) []string { return *c.fs.Lookup(name).Value.(*stringList) }

func (c *command) newFlags() *flagSet {
	fs := &flagSet{flag.NewFlagSet("elfsynth "+c.name, flag.ContinueOnError)}
	fs.SetOutput(io.Discard)
	if c.flags != nil {
		c.flags(fs)
	}
	return fs
}

// invoke parses args and runs the command.
func (c *command) invoke(args []string, stdout, stderr io.Writer) int {
	fs := c.newFlags()
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		c.help(stdout)
		return exitOK
	}
	if err != nil {
		return fail(stderr, usagef("%s: %v (see elfsynth help %s)", c.name, err, c.name))
	}
	return c.run(&call{cmd: c, fs: fs, args: pos, stdout: stdout, stderr: stderr})
}

// help prints the command's synopsis, summary and flags.
func (c *command) help(w io.Writer) {
	fmt.Fprintf(w, "usage: elfsynth %s [flags] %s\n\n%s\n", c.name, c.args, c.summary)
	if c.doc != "" {
		fmt.Fprintf(w, "\n%s\n", c.doc)
	}
	fs := c.newFlags()
	var any bool
	fs.VisitAll(func(*flag.Flag) { any = true })
	if any {
		fmt.Fprintln(w, "\nflags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

// parseArgs parses flags that may come before or after the positional
// arguments, and returns the positional ones. Everything after "--" is
// positional.
func parseArgs(fs *flagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		consumed := len(args) - fs.NArg()
		if consumed > 0 && args[consumed-1] == "--" {
			return append(rest, fs.Args()...), nil
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

// exitCode maps an error to the exit status: 2 for bad input (usage, a
// scenario, a named file that is missing, unreadable, of the wrong kind or
// too large), 1 for everything else: a tool's failure, or the
// environment's (a full disk, a read-only folder, an I/O error).
func exitCode(err error) int {
	var ue *usageError
	var se *synth.Error
	var ie *bounded.InputError
	if errors.As(err, &ue) || errors.As(err, &se) || errors.As(err, &ie) {
		return exitUsage
	}
	return exitFail
}

// fail prints err and returns its exit status.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "elfsynth: %v\n", err)
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

// parseLinker resolves one --linker name.
func parseLinker(name string) (arches.Linker, error) {
	l, err := arches.ParseLinker(name)
	if err != nil {
		return "", usagef("--linker: %v", err)
	}
	return l, nil
}

// maxPageSize bounds --page-size: 1 GiB.
const maxPageSize = 1 << 30

// parsePageSize reads a --page-size value: a number (decimal or 0x hex)
// with an optional K or M suffix. Zero means "the default".
func parsePageSize(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	digits, mult := s, uint64(1)
	switch {
	case strings.HasSuffix(strings.ToUpper(s), "K"):
		digits, mult = s[:len(s)-1], 1<<10
	case strings.HasSuffix(strings.ToUpper(s), "M"):
		digits, mult = s[:len(s)-1], 1<<20
	}
	n, err := strconv.ParseUint(digits, 0, 64)
	if err != nil || n == 0 || n > maxPageSize/mult || (n*mult)&(n*mult-1) != 0 {
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

// readScenario reads a scenario file: a path that names no readable
// regular file of at most 1 MiB is bad input (a *synth.Error), an I/O
// error the environment's.
func readScenario(path string) (*synth.Scenario, error) {
	s, err := synth.ParseFile(path)
	if err != nil {
		return nil, err
	}
	return s, checkProvidedName(s)
}

// checkProvidedName refuses a unit that would collide with the object
// elfsynth adds under a real kernel script (ldrun.ProvidedObject), or
// with its GNU as source in asm's folder: bad input, at the unit's name.
func checkProvidedName(s *synth.Scenario) error {
	for i, u := range s.Units {
		if u.Name == ldrun.ProvidedObject || synth.AsmName(u.Name) == synth.AsmName(ldrun.ProvidedObject) {
			return &synth.Error{File: s.File, Pos: u.Pos, Field: fmt.Sprintf("units[%d].name", i),
				Msg: fmt.Sprintf("unit name %q is reserved: under a real kernel script elfsynth adds %s (and asm its source %s)",
					u.Name, ldrun.ProvidedObject, synth.AsmName(ldrun.ProvidedObject))}
		}
	}
	return nil
}

// pageSizeFor reads a --page-size value for target a: 0 when not given,
// else one of a's kernel page sizes.
func pageSizeFor(a *arches.Arch, v string) (uint64, error) {
	ps, err := parsePageSize(v)
	if err != nil {
		return 0, err
	}
	if ps != 0 && !a.HasPageSize(ps) {
		return 0, usagef("--page-size %s: %s kernels use %s", v, a.Name, pageSizes(a.PageSizes))
	}
	return ps, nil
}

// timeoutFlag reads --timeout, which must be positive.
func timeoutFlag(c *call) (time.Duration, error) {
	d := c.duration("timeout")
	if d <= 0 {
		return 0, usagef("--timeout %v: want a positive duration such as 30s", d)
	}
	return d, nil
}

// linkerScriptError is ldrun.CheckLinkerScript's refusal as bad input.
func linkerScriptError(l arches.Linker, script string) error {
	if err := ldrun.CheckLinkerScript(l, script); err != nil {
		return usagef("--linker %s: %v", l, err)
	}
	return nil
}

// loadPlan reads a scenario file and resolves it for a target.
func loadPlan(path, archName, pageSize string) (*synth.Scenario, *synth.Plan, error) {
	a, err := lookupArch(archName)
	if err != nil {
		return nil, nil, err
	}
	ps, err := pageSizeFor(a, pageSize)
	if err != nil {
		return nil, nil, err
	}
	s, err := readScenario(path)
	if err != nil {
		return nil, nil, err
	}
	plan, err := synth.Build(s, a, ps)
	return s, plan, err
}
