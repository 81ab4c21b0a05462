package main

// The promises of the README's "promises" section, tested on the command:
// special files where files are expected, -o onto special files, the
// environment's failures, and exit statuses.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/internal/bounded"
	"github.com/elfsynth/elfsynth/internal/hostile"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

// fakeBFD puts a fake x86_64 ld.bfd first on PATH: it answers --version
// and otherwise runs the shell commands body, in which $IMAGE is a real
// image bfd made (of a small scenario) for a fake that succeeds.
func fakeBFD(t *testing.T, body string) {
	t.Helper()
	image, err := filepath.Abs("../../ldrun/testdata/junk.x86_64.image")
	require.NoError(t, err)
	dir := t.TempDir()
	script := "#!/bin/sh\nIMAGE=" + image + "\nif [ \"$1\" = --version ]; then echo 'fake ld 1.0'; exit 0; fi\n" + body + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x86_64-linux-gnu-ld.bfd"), []byte(script), 0o755))
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
}

// runReturns is runCmd that fails t when the command has not returned in
// a minute: nothing in these tests has reason to take a second.
func runReturns(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	type out struct {
		rc             int
		stdout, stderr string
	}
	done := make(chan out, 1)
	go func() {
		rc, stdout, stderr := runCmd(run, args...)
		done <- out{rc, stdout, stderr}
	}()
	select {
	case o := <-done:
		return o.rc, o.stdout, o.stderr
	case <-time.After(time.Minute):
		t.Fatalf("elfsynth %q has not returned in a minute", args)
		return 0, "", ""
	}
}

// oneMessage checks a failure: the exit status, and one line on stderr
// that names the path.
func oneMessage(t *testing.T, rc int, stderr string, want int, path string, args []string) {
	t.Helper()
	require.Equal(t, want, rc, "%q: %s", args, stderr)
	require.Equal(t, 1, strings.Count(stderr, "\n"), "%q: one message: %q", args, stderr)
	require.Contains(t, stderr, path, "%q", args)
}

// TestSpecialInputFiles: where a command expects a file (a scenario, a
// script, an image to inspect), a FIFO, a device, a socket, a folder, a
// sparse file over the limit are bad input: exit 2 and one message, at
// once, and nothing written. Once a FIFO hung inspect, link and asm, and
// /dev/zero grew inspect's memory without end.
func TestSpecialInputFiles(t *testing.T) {
	fakeBFD(t, "exit 1") // no linker runs: the input is refused first
	good := writeScenario(t, zeroPageScenario)
	bad := hostile.SpecialFiles(t)
	bad["a sparse 2 GiB file"] = hostile.Sparse(t, 2<<30)
	for kind, path := range bad {
		out := filepath.Join(t.TempDir(), "out")
		withScript := writeScenario(t, zeroPageScenario+"script: "+path+"\n")
		for _, args := range [][]string{
			{"link", "--arch", "x86_64", path},
			{"objects", "--arch", "x86_64", "-o", out, path},
			{"asm", "--arch", "x86_64", "-o", out, path},
			{"link", "--arch", "x86_64", "--script", path, good},
			{"asm", "--arch", "x86_64", "--script", path, "-o", out, good},
			{"link", "--arch", "x86_64", withScript},
			{"asm", "--arch", "x86_64", "-o", out, withScript},
			{"inspect", path},
		} {
			if kind == "a sparse 2 GiB file" && args[0] == "inspect" {
				continue // within inspect's limit: below
			}
			rc, stdout, stderr := runReturns(t, args...)
			oneMessage(t, rc, stderr, exitUsage, path, args)
			require.Empty(t, stdout)
			if kind == "a sparse 2 GiB file" {
				require.Contains(t, stderr, "2147483648 bytes, over the limit of 1 MiB", "%q", args)
			} else {
				require.Contains(t, stderr, "not a regular file ("+kind+")", "%q", args)
			}
			_, err := os.Stat(out)
			require.ErrorIs(t, err, fs.ErrNotExist, "%q wrote %s", args, out)
		}
	}
	// inspect reads an image through an io.ReaderAt: a sparse 2 GiB file
	// costs one header read; one over 4 GiB is refused by its size.
	sparse := bad["a sparse 2 GiB file"]
	rc, _, stderr := runReturns(t, "inspect", sparse)
	oneMessage(t, rc, stderr, exitUsage, sparse, nil)
	require.Contains(t, stderr, "bad magic number")
	huge := hostile.Sparse(t, bounded.ImageBytes+1)
	rc, _, stderr = runReturns(t, "inspect", huge)
	oneMessage(t, rc, stderr, exitUsage, huge, nil)
	require.Contains(t, stderr, "4294967297 bytes, over the limit of 4 GiB")
}

// TestOutputOntoSpecialFiles: link -o onto a device, a FIFO, a socket, a
// folder, or a link to an open file descriptor (as /dev/stdout is) exits
// 2 and leaves the node as it was. Once, as root, -o /dev/null replaced
// the machine's /dev/null with a regular file.
func TestOutputOntoSpecialFiles(t *testing.T) {
	fakeBFD(t, "cp $IMAGE image")
	s := writeScenario(t, zeroPageScenario)
	targets := hostile.SpecialFiles(t)
	f, err := os.Create(filepath.Join(t.TempDir(), "redirected"))
	require.NoError(t, err)
	defer f.Close()
	targets["a link to an open file descriptor"] = "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
	for kind, path := range targets {
		before, err := os.Stat(path)
		require.NoError(t, err)
		args := []string{"link", "--arch", "x86_64", "-o", path, s}
		rc, _, stderr := runReturns(t, args...)
		oneMessage(t, rc, stderr, exitUsage, "-o "+path, args)
		after, err := os.Stat(path)
		require.NoError(t, err)
		require.True(t, os.SameFile(before, after), "%s replaced", kind)
		require.Equal(t, before.Mode(), after.Mode(), kind)
		require.Equal(t, before.Size(), after.Size(), kind)
	}
	// -o - is how the image goes to standard output.
	rc, stdout, stderr := runReturns(t, "link", "--arch", "x86_64", "-o", "-", s)
	require.Equal(t, exitOK, rc, stderr)
	require.True(t, strings.HasPrefix(stdout, "\x7fELF"))
	require.Contains(t, stderr, "linker: bfd (fake ld 1.0)")
}

// TestEnvironmentFailuresExit1: a full disk or a read-only folder is the
// environment's failure, exit 1, not bad input; nothing is left behind,
// neither the output nor a temporary file or folder.
func TestEnvironmentFailuresExit1(t *testing.T) {
	if !hostile.Inside(t) {
		return
	}
	fakeBFD(t, "cp $IMAGE image")
	s := writeScenario(t, zeroPageScenario)
	full := hostile.Tmpfs(t, 0, "size=64k")
	hostile.Fill(t, full)
	readOnly := hostile.Tmpfs(t, syscall.MS_RDONLY, "size=1m")
	for _, c := range []struct {
		dir  string
		args []string
		want string
	}{
		{full, []string{"objects", "--arch", "x86_64", "-o", filepath.Join(full, "out"), s}, "no space left on device"},
		{full, []string{"asm", "--arch", "x86_64", "-o", filepath.Join(full, "out"), s}, "no space left on device"},
		{full, []string{"link", "--arch", "x86_64", "-o", filepath.Join(full, "vmlinux"), s}, "no space left on device"},
		{readOnly, []string{"objects", "--arch", "x86_64", "-o", filepath.Join(readOnly, "out"), s}, "read-only file system"},
		{readOnly, []string{"link", "--arch", "x86_64", "-o", filepath.Join(readOnly, "vmlinux"), s}, "read-only file system"},
	} {
		before, err := os.ReadDir(c.dir)
		require.NoError(t, err)
		rc, _, stderr := runReturns(t, c.args...)
		oneMessage(t, rc, stderr, exitFail, c.want, c.args)
		after, err := os.ReadDir(c.dir)
		require.NoError(t, err)
		require.Equal(t, len(before), len(after), "%q left %v", c.args, after)
	}
}

// TestExitCodes: what each kind of error exits with.
func TestExitCodes(t *testing.T) {
	env := func(errno syscall.Errno) error {
		return fmt.Errorf("writing: %w", &fs.PathError{Op: "write", Path: "/x", Err: errno})
	}
	for err, want := range map[error]int{
		env(syscall.ENOSPC):                       exitFail,
		env(syscall.EROFS):                        exitFail,
		env(syscall.EIO):                          exitFail,
		env(syscall.EDQUOT):                       exitFail,
		&ldrun.LinkError{Reason: "exit status 1"}: exitFail,
		errors.New("linker stopped"):              exitFail,
		usagef("--arch is required"):              exitUsage,
		&synth.Error{File: "s.yaml", Msg: "bad"}:  exitUsage,
		fmt.Errorf("script %w", &bounded.InputError{Path: "x", Msg: "not a regular file (a FIFO)"}): exitUsage,
	} {
		require.Equal(t, want, exitCode(err), "%v", err)
	}
}
