package ldrun

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/bounded"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/synth"
)

// Options say how to link.
type Options struct {
	Arch   *arches.Arch
	Linker arches.Linker
	// PageSize is the kernel page size; zero means the target's default.
	PageSize uint64
	// Script is a built-in script name (see ScriptNames) or a file path;
	// empty means ScriptKernel.
	Script string
	// Flags are extra linker flags, after the target's own.
	Flags []string
	// Timeout bounds everything Link runs (the linker's --version and the
	// link); zero means DefaultTimeout.
	Timeout time.Duration
}

// DefaultTimeout is how long a linker may run when Options.Timeout is zero.
const DefaultTimeout = 60 * time.Second

// Result is a linked image and its layout.
type Result struct {
	Image  []byte
	Layout *layout.Layout
}

// tempPrefix names the private directories Link makes under os.TempDir.
const tempPrefix = "elfsynth-ld-"

// LinkScenario is the one call from a scenario to a layout: it builds s for
// opt.Arch and opt.PageSize (the scenario's page size when zero), links the
// objects with opt.Linker, and reads the image back. The script is
// opt.Script, else the scenario's own (a path there is relative to the
// scenario file), else ScriptKernel.
func LinkScenario(ctx context.Context, s *synth.Scenario, opt Options) (*Result, error) {
	if opt.Arch == nil {
		return nil, errors.New("ldrun: Options.Arch is nil")
	}
	plan, err := synth.Build(s, opt.Arch, opt.PageSize)
	if err != nil {
		return nil, err
	}
	in, err := plan.Inputs()
	if err != nil {
		return nil, err
	}
	opt.PageSize = plan.PageSize
	if opt.Script == "" {
		opt.Script = ScriptOf(s)
	}
	return Link(ctx, opt, in)
}

// Link links the objects with the linker and script opt names, in a
// private temporary directory it always removes, and reads the image
// back. A linker that is not installed is an error matching
// ErrNotInstalled; one that fails, or runs past the timeout or ctx, is an
// error with its command line and standard error. The timeout covers
// everything Link runs: the linker's --version as well as the link.
func Link(ctx context.Context, opt Options, in *synth.Inputs) (*Result, error) {
	opt, err := opt.normalize()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("linker not run: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	tool, err := find(ctx, opt.Arch, opt.Linker)
	if err != nil {
		return nil, stopped(ctx, opt.Timeout, err)
	}
	if err := CheckLinkerScript(tool.Linker, opt.Script); err != nil {
		return nil, err
	}
	script := ""
	if opt.Script != ScriptNone {
		if script, err = Script(opt.Script, opt.Arch, opt.PageSize); err != nil {
			return nil, err
		}
	}
	if err := checkNames(in.Objects); err != nil {
		return nil, err
	}
	// What the script needs and the inputs lack (see ScriptProvisions).
	in, provided, notes, err := provide(opt.Arch, opt.PageSize, opt.Script, script, in)
	if err != nil {
		return nil, err
	}
	objs, err := layout.ReadObjects(in.Objects)
	if err != nil {
		return nil, err
	}
	files := make([]file, 0, len(in.Objects)+1)
	for _, o := range in.Objects {
		files = append(files, file{o.Name, o.Data})
	}
	if script != "" {
		files = append(files, file{scriptName, []byte(script)})
	}
	dir, err := privateDir(files)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	res, err := run(ctx, dir, tool, opt, script, in, objs)
	return withProvisions(res, err, provided, notes)
}

// stopped gives err, or, when ctx has ended, says that the run was
// stopped and why, with err's details.
func stopped(ctx context.Context, timeout time.Duration, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("linker stopped (%v) after %v: %v", ctx.Err(), timeout, err)
	case ctx.Err() != nil:
		return fmt.Errorf("linker stopped (%v): %v", ctx.Err(), err)
	}
	return err
}

// shmLimit bounds the inputs Link puts on tmpfs; an image is about as big
// as its inputs, and tmpfs can be small (64 MiB in many containers).
const shmLimit = 16 << 20

// shmDir is the tmpfs privateDir prefers; a variable for tests.
var shmDir = "/dev/shm"

// file is one file privateDir writes.
type file struct {
	name string
	data []byte
}

// privateDir makes a private folder for one run of a program and writes
// files into it: under $TMPDIR when it is set, else on tmpfs (/dev/shm)
// for small inputs, where making, writing and removing the files costs a
// fraction of what it does on a disk-backed /tmp (0.3 to 1.3 ms a link,
// measured here, against a 2 ms link), else under the system's temporary
// folder. A tmpfs that is missing, read-only or too full is passed over
// for the system's folder. The caller removes the folder.
func privateDir(files []file) (string, error) {
	size := 0
	for _, f := range files {
		size += len(f.data)
	}
	if os.Getenv("TMPDIR") == "" && size < shmLimit && shmRoom(size) {
		if dir, err := os.MkdirTemp(shmDir, tempPrefix); err == nil {
			if writeFiles(dir, files) == nil {
				return dir, nil
			}
			os.RemoveAll(dir)
		}
	}
	dir, err := os.MkdirTemp("", tempPrefix)
	if err != nil {
		return "", err
	}
	if err := writeFiles(dir, files); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// shmRoom reports whether shmDir has room for inputs of size bytes and
// what a program makes of them: an image is about as big as its inputs.
func shmRoom(size int) bool {
	var st syscall.Statfs_t
	if syscall.Statfs(shmDir, &st) != nil {
		return false
	}
	return st.Bavail*uint64(st.Bsize) >= 4*uint64(size)+shmReserve
}

// shmReserve is the room left on tmpfs for others: it is shared memory.
const shmReserve = 8 << 20

func writeFiles(dir string, files []file) error {
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (opt Options) normalize() (Options, error) {
	if opt.Arch == nil {
		return opt, errors.New("ldrun: Options.Arch is nil")
	}
	if opt.PageSize == 0 {
		opt.PageSize = opt.Arch.DefaultPageSize()
	}
	if opt.PageSize&(opt.PageSize-1) != 0 {
		return opt, fmt.Errorf("page size %d is not a power of two", opt.PageSize)
	}
	if opt.Script == "" {
		opt.Script = ScriptKernel
	}
	if opt.Timeout == 0 {
		opt.Timeout = DefaultTimeout
	}
	return opt, nil
}

// Names Link writes beside the objects in its folder.
const (
	imageName  = "image"
	scriptName = "link.lds"
)

// checkNames makes sure every object has a plain file name, unique among
// the objects and apart from the names Link writes itself.
func checkNames(objs []synth.Object) error {
	seen := map[string]bool{}
	for _, o := range objs {
		if o.Name == "" || filepath.Base(o.Name) != o.Name || seen[o.Name] || o.Name == imageName || o.Name == scriptName {
			return fmt.Errorf("object name %q must be a unique plain file name other than %s and %s", o.Name, imageName, scriptName)
		}
		seen[o.Name] = true
	}
	return nil
}

// run links the objects and script already in dir and reads the image.
func run(ctx context.Context, dir string, tool *Tool, opt Options, script string, in *synth.Inputs, objs []*layout.Object) (*Result, error) {
	names := make([]string, len(in.Objects))
	for i, o := range in.Objects {
		names[i] = o.Name
	}
	args := linkArgs(tool, opt, script != "", objs, names)
	cmd := exec.Command(tool.Path, args...)
	cmd.Dir = dir
	stdout, stderr := bounded.Output(), bounded.Output()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmdline := commandLine(tool.Path, args)
	if err := runProgram(ctx, cmd); ctx.Err() != nil {
		return nil, stopped(ctx, opt.Timeout, fmt.Errorf("%s\n%s", cmdline, stderr))
	} else if err != nil {
		return nil, &LinkError{Linker: tool.Linker, Reason: err.Error(), Command: cmdline, Stderr: stderr.String()}
	}
	image, err := readImage(filepath.Join(dir, imageName), in, objs, opt.PageSize)
	if err != nil {
		return nil, fmt.Errorf("%v: %s\n%s", err, cmdline, stderr)
	}
	lay, err := layout.Read(bytes.NewReader(image), layout.Sources{Arch: opt.Arch, PageSize: opt.PageSize,
		Objects: objs, Complete: true, Aligns: in.Aligns, Script: script, ScriptName: scriptName, Functions: in.Functions})
	if err != nil {
		return nil, fmt.Errorf("reading the image of %s: %v", cmdline, err)
	}
	lay.Linker = layout.LinkerInfo{Name: tool.Linker.String(), Version: tool.Version, Command: cmdline}
	lay.Warnings = warnings(stdout.String() + stderr.String())
	return &Result{Image: image, Layout: lay}, nil
}

// imageSlack is what an image may hold beyond what its inputs explain:
// headers, linker-made sections, and what a script adds.
const imageSlack = 64 << 20

// imageLimit is the largest image the inputs can explain: imageSlack, plus
// four times the objects' bytes, the sizes of their NOBITS sections (a
// linker may give .bss file space) and their alignments (padding), plus
// four pages (segments start at page offsets).
func imageLimit(in *synth.Inputs, objs []*layout.Object, pageSize uint64) int64 {
	var explained uint64
	add := func(n uint64) { explained = min(explained+n, math.MaxInt64/8) }
	for _, o := range in.Objects {
		add(uint64(len(o.Data)))
	}
	for _, o := range objs {
		for _, s := range o.Sections {
			if !s.Flags.Has(elf.SHF_ALLOC) {
				continue
			}
			if s.Type == elf.SHT_NOBITS {
				add(min(s.Size, math.MaxInt64/8))
			}
			add(min(s.Align, math.MaxInt64/8))
		}
	}
	return int64(imageSlack + 4*explained + 4*min(pageSize, math.MaxInt64/32))
}

// readImage reads the image the linker left at path: a regular file no
// larger than the inputs explain, read no further than that.
func readImage(path string, in *synth.Inputs, objs []*layout.Object, pageSize uint64) ([]byte, error) {
	limit := imageLimit(in, objs, pageSize)
	image, err := bounded.ReadFile(path, limit)
	var ie *bounded.InputError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, errors.New("linker made no image")
	case errors.As(err, &ie):
		return nil, fmt.Errorf("linker's image refused: %s; an image may hold 64 MiB, 4 pages and 4 times what its inputs explain (their bytes, NOBITS sizes and alignments)", ie.Msg)
	case err != nil:
		return nil, fmt.Errorf("reading the linker's image: %v", err)
	}
	return image, nil
}

// linkArgs is the linker's command line after its name. Every flag is
// there to make a quiet, static, freestanding link: -z noexecstack keeps
// GNU ld 2.39+ from warning about objects without .note.GNU-stack, and the
// kernel scripts' single RWX segments are deliberate.
func linkArgs(tool *Tool, opt Options, script bool, objs []*layout.Object, names []string) []string {
	a := opt.Arch
	var args []string
	switch tool.Linker.Kind() {
	case arches.LinkerLLD:
		if a.LldEmulation != "" {
			args = append(args, "-m", a.LldEmulation)
		}
	default:
		args = append(args, "-m", a.BfdEmulation)
	}
	args = append(args, "-static", "-nostdlib", "-z", "noexecstack")
	kernel := kernelFlags(a, script)
	if !setsMaxPageSize(kernel) && !setsMaxPageSize(opt.Flags) {
		// Segments aligned to the kernel page size, whatever the
		// linker's default; the kernel's flags or the user's say
		// otherwise (see kernelflags.go).
		args = append(args, "-z", fmt.Sprintf("max-page-size=%d", opt.PageSize))
	}
	if tool.Linker.Kind() == arches.LinkerBFD && script && versionAtLeast(tool.Version, 2, 39) {
		// GNU ld 2.39 started warning about RWX segments, which scripts
		// without PHDRS make on purpose; older versions lack the flag.
		args = append(args, "--no-warn-rwx-segments")
	}
	if tool.Linker.Kind() != arches.LinkerMold {
		args = append(args, a.LinkFlags...)
	}
	args = append(args, kernel...)
	args = append(args, opt.Flags...)
	if script {
		args = append(args, "-T", scriptName)
	} else {
		// Without a script nothing names the entry point, and GNU ld
		// warns when _start is missing.
		args = append(args, "-e", entryFor(objs))
	}
	args = append(args, "-o", imageName)
	return append(args, names...)
}

// entryFor picks the entry point for a script-less link: _start if an input
// defines it, else the first global symbol in an executable input section,
// else address 0, which every linker takes as a number.
func entryFor(objs []*layout.Object) string {
	first := ""
	for _, o := range objs {
		for _, s := range o.Symbols {
			if s.Section < 0 || s.Bind != elf.STB_GLOBAL {
				continue
			}
			if s.Name == "_start" {
				return s.Name
			}
			if first == "" && o.Sections[s.Section].Flags.Has(elf.SHF_EXECINSTR) {
				first = s.Name
			}
		}
	}
	if first == "" {
		return "0"
	}
	return first
}

// versionAtLeast reports whether the version line's last field (GNU ld
// prints "GNU ld (GNU Binutils for Debian) 2.40") is at least major.minor.
func versionAtLeast(line string, major, minor int) bool {
	f := strings.Fields(line)
	if len(f) == 0 {
		return false
	}
	var ma, mi int
	if n, _ := fmt.Sscanf(f[len(f)-1], "%d.%d", &ma, &mi); n < 2 {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// LinkError is a linker that ran and refused its input.
type LinkError struct {
	// Linker is the linker that refused.
	Linker arches.Linker
	// Reason is how the linker ended ("exit status 1").
	Reason string
	// Command is the command line, quoted as a shell user would type it.
	Command string
	// Stderr is what the linker printed on standard error: its first and
	// last 32 KiB, with a line saying how much was left out between.
	Stderr string
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("linker failed (%s): %s\n%s", e.Reason, e.Command, e.Stderr)
}

// commandLine quotes args the way a shell user would type them.
func commandLine(path string, args []string) string {
	parts := []string{path}
	for _, s := range args {
		if s == "" || strings.ContainsAny(s, " \t\n'\"\\$*?;&|<>()") {
			s = "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// warnings picks the linker's diagnostic lines out of its output.
func warnings(out string) []string {
	var ws []string
	for _, line := range strings.Split(out, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			ws = append(ws, line)
		}
	}
	return ws
}
