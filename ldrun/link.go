package ldrun

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/elfsynth/elfsynth/arches"
)

// Input is one relocatable object to link.
type Input struct {
	// Name is the object's file name ("mm_init.o"); it must be a plain file
	// name, unique among the inputs.
	Name string
	Data []byte
}

// Options say how to link.
type Options struct {
	Arch   *arches.Arch
	Linker arches.Linker
	// PageSize is the kernel page size; zero means the target's default.
	PageSize uint64
	// Script is ScriptKernel, ScriptKernelFixed, ScriptNone or a file
	// path; empty means ScriptKernel.
	Script string
	// Timeout bounds the linker's run; zero means DefaultTimeout.
	Timeout time.Duration
	// Functions are generated functions in the inputs to decode and check
	// after linking; see Layout.Code.
	Functions []Function
}

// DefaultTimeout is how long a linker may run when Options.Timeout is zero.
const DefaultTimeout = 60 * time.Second

// Result is a linked image and its layout.
type Result struct {
	Image  []byte
	Layout *Layout
}

// tempPrefix names the private directories Link makes under os.TempDir.
const tempPrefix = "elfsynth-ld-"

// Link links inputs with the linker and script opt names, in a private
// temporary directory it always removes, and reads the image back. A
// linker that fails, or runs past the timeout or ctx, is an error with
// its command line and standard error.
func Link(ctx context.Context, opt Options, inputs []Input) (*Result, error) {
	opt, err := opt.normalize()
	if err != nil {
		return nil, err
	}
	tool, err := Find(opt.Arch, opt.Linker)
	if err != nil {
		return nil, err
	}
	script := ""
	if opt.Script != ScriptNone {
		if tool.Linker == arches.Mold {
			return nil, fmt.Errorf("mold takes no linker script; use --script %s with mold", ScriptNone)
		}
		if script, err = Script(opt.Script, opt.Arch, opt.PageSize); err != nil {
			return nil, err
		}
	}
	dir, err := makeTempDir(inputs)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	return run(ctx, dir, tool, opt, script, inputs)
}

// shmLimit bounds the inputs Link puts on tmpfs; an image is about as big
// as its inputs, and tmpfs can be small (64 MiB in many containers).
const shmLimit = 16 << 20

// shmDir is the tmpfs makeTempDir prefers; a variable for tests.
var shmDir = "/dev/shm"

// makeTempDir makes Link's private directory: under $TMPDIR when it is
// set, else on tmpfs (/dev/shm) for small inputs, where making, writing and
// removing the files costs a fraction of what it does on a disk-backed
// /tmp (0.3 to 1.3 ms a link, measured here, against a 2 ms link), else
// under the system's temporary folder.
func makeTempDir(inputs []Input) (string, error) {
	size := 0
	for _, in := range inputs {
		size += len(in.Data)
	}
	if os.Getenv("TMPDIR") == "" && size < shmLimit {
		if dir, err := os.MkdirTemp(shmDir, tempPrefix); err == nil {
			return dir, nil
		}
	}
	return os.MkdirTemp("", tempPrefix)
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

// run writes the inputs and script into dir, links, and reads the image.
func run(ctx context.Context, dir string, tool *Tool, opt Options, script string, inputs []Input) (*Result, error) {
	var objs []string
	seen := map[string]bool{}
	for _, in := range inputs {
		if in.Name == "" || filepath.Base(in.Name) != in.Name || seen[in.Name] || in.Name == "image" || in.Name == "link.lds" {
			return nil, fmt.Errorf("input name %q must be a unique plain file name", in.Name)
		}
		seen[in.Name] = true
		if err := os.WriteFile(filepath.Join(dir, in.Name), in.Data, 0o644); err != nil {
			return nil, err
		}
		objs = append(objs, in.Name)
	}
	if script != "" {
		if err := os.WriteFile(filepath.Join(dir, "link.lds"), []byte(script), 0o644); err != nil {
			return nil, err
		}
	}
	args := linkArgs(tool, opt, script != "", inputs, objs)
	ctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool.Path, args...)
	cmd.Dir = dir
	// Kill the linker however it was started; WaitDelay stops Wait from
	// hanging on pipes a killed linker's children may hold open.
	cmd.WaitDelay = time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmdline := commandLine(tool.Path, args)
	err := cmd.Run()
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, fmt.Errorf("linker stopped (%v) after %v: %s\n%s", ctx.Err(), opt.Timeout, cmdline, stderr.String())
	case ctx.Err() != nil:
		return nil, fmt.Errorf("linker stopped (%v): %s\n%s", ctx.Err(), cmdline, stderr.String())
	}
	if err != nil {
		return nil, &LinkError{Reason: err.Error(), Command: cmdline, Stderr: stderr.String()}
	}
	image, err := os.ReadFile(filepath.Join(dir, "image"))
	if err != nil {
		return nil, fmt.Errorf("linker made no image: %v: %s", err, cmdline)
	}
	lay, err := read(image, inputs, script)
	if err != nil {
		return nil, fmt.Errorf("reading the image of %s: %v", cmdline, err)
	}
	lay.Arch = opt.Arch.Name
	lay.PageSize = opt.PageSize
	lay.Linker = LinkerInfo{Name: tool.Linker.String(), Version: tool.Version, Command: cmdline}
	lay.Warnings = warnings(stdout.String() + stderr.String())
	if script != "" {
		lay.Orphans = orphans(script, inputs)
	}
	lay.runtime(opt.PageSize)
	lay.checkCode(image, opt.Arch, opt.Functions)
	return &Result{Image: image, Layout: lay}, nil
}

// linkArgs is the linker's command line after its name. Every flag is
// there to make a quiet, static, freestanding link: -z noexecstack keeps
// GNU ld 2.39+ from warning about objects without .note.GNU-stack, and the
// kernel scripts' single RWX segments are deliberate.
func linkArgs(tool *Tool, opt Options, script bool, inputs []Input, objs []string) []string {
	a := opt.Arch
	var args []string
	switch tool.Linker {
	case arches.LLD:
		if a.LldEmulation != "" {
			args = append(args, "-m", a.LldEmulation)
		}
	default:
		args = append(args, "-m", a.BfdEmulation)
	}
	args = append(args, "-static", "-nostdlib", "-z", "noexecstack",
		"-z", fmt.Sprintf("max-page-size=%d", opt.PageSize))
	if tool.Linker == arches.BFD && script && versionAtLeast(tool.Version, 2, 39) {
		// GNU ld 2.39 started warning about RWX segments, which scripts
		// without PHDRS make on purpose; older versions lack the flag.
		args = append(args, "--no-warn-rwx-segments")
	}
	if tool.Linker != arches.Mold {
		args = append(args, a.LinkFlags...)
	}
	if script {
		args = append(args, "-T", "link.lds")
	} else {
		// Without a script nothing names the entry point, and GNU ld
		// warns when _start is missing.
		args = append(args, "-e", entryFor(inputs))
	}
	args = append(args, "-o", "image")
	return append(args, objs...)
}

// entryFor picks the entry point for a script-less link: _start if an input
// defines it, else the first global symbol in an executable input section,
// else address 0, which every linker takes as a number.
func entryFor(inputs []Input) string {
	first := ""
	for _, in := range inputs {
		f, err := elf.NewFile(bytes.NewReader(in.Data))
		if err != nil {
			continue
		}
		syms, _ := f.Symbols()
		for _, s := range syms {
			if s.Section == elf.SHN_UNDEF || int(s.Section) >= len(f.Sections) || elf.ST_BIND(s.Info) != elf.STB_GLOBAL {
				continue
			}
			if s.Name == "_start" {
				f.Close()
				return s.Name
			}
			if first == "" && f.Sections[s.Section].Flags&elf.SHF_EXECINSTR != 0 {
				first = s.Name
			}
		}
		f.Close()
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
	// Reason is how the linker ended ("exit status 1").
	Reason string
	// Command is the command line, quoted as a shell user would type it.
	Command string
	// Stderr is everything the linker printed.
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
