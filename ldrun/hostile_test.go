package ldrun

// Linkers that misbehave: they flood their output, hang, start children
// that hang, exit 0 without an image or with one that is not a file. Each
// is a shell script first on PATH (fakeLinker). Link must return, with
// bounded memory, leave no folder behind and no process alive.

import (
	"cmp"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/bounded"
	"github.com/elfsynth/elfsynth/internal/hostile"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/synth"
)

// junkImage is x86_64 bfd's image of junk() with the kernel script: what
// a fake linker that succeeds leaves.
func junkImage(t *testing.T) string {
	path, err := filepath.Abs("testdata/junk.x86_64.image")
	require.NoError(t, err)
	return path
}

// needTools skips (or fails) t unless the programs the fake linkers use
// are installed.
func needTools(t *testing.T, tools ...string) {
	for _, tool := range append(tools, "sh") {
		toolcheck.Require(t, tool)
	}
}

// linkJunk links junk() for x86_64 with bfd, which is the fake on PATH.
// A Link that has not returned a minute after its own deadline has hung:
// the fakes that hang sleep for 1000 s.
func linkJunk(ctx context.Context, t *testing.T, timeout time.Duration) (*Result, error) {
	t.Helper()
	type result struct {
		r   *Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := Link(ctx, Options{Arch: mustArch(t, "x86_64"), Linker: arches.LinkerBFD, Timeout: timeout}, junk())
		done <- result{r, err}
	}()
	select {
	case r := <-done:
		return r.r, r.err
	case <-time.After(cmp.Or(timeout, DefaultTimeout) + time.Minute):
		t.Fatalf("Link has not returned a minute after its deadline")
		return nil, nil
	}
}

// TestLinkerOutputKeptAsHeadAndTail: a linker that prints 8 MiB on
// standard error is reported with its first and last 32 KiB and the count
// of what was left out, whether it fails or succeeds.
func TestLinkerOutputKeptAsHeadAndTail(t *testing.T) {
	needTools(t, "yes", "head", "cp")
	left := privateTemp(t)
	// 441,505 lines of 19 bytes: 8 MiB less 13 bytes.
	flood := "yes 'ld: warning: flood' | head -n 441505 >&2; echo 'ld: the last line' >&2; "
	fakeLinker(t, flood+"exit 1")
	_, err := linkJunk(context.Background(), t, 0)
	var le *LinkError
	require.ErrorAs(t, err, &le)
	elided := 441505*19 + len("ld: the last line\n") - bounded.OutputHead - bounded.OutputTail
	require.Contains(t, le.Stderr, fmt.Sprintf("\n[%d bytes elided]\n", elided))
	require.True(t, strings.HasPrefix(le.Stderr, "ld: warning: flood\n"))
	require.True(t, strings.HasSuffix(le.Stderr, "flood\nld: the last line\n"))
	require.Less(t, len(le.Stderr), bounded.OutputHead+bounded.OutputTail+100)

	fakeLinker(t, flood+"cp "+junkImage(t)+" image")
	res, err := linkJunk(context.Background(), t, 0)
	require.NoError(t, err)
	require.Equal(t, "ld: the last line", res.Layout.Warnings[len(res.Layout.Warnings)-1])
	require.Contains(t, res.Layout.Warnings, fmt.Sprintf("[%d bytes elided]", elided))
	require.Less(t, len(res.Layout.Warnings), (bounded.OutputHead+bounded.OutputTail)/len("ld: warning: flood\n")+10)
	require.Empty(t, left())
}

// TestLinkerProcessGroupKilled: whatever a linker leaves running (children
// that hang, after a timeout, a cancel, a failure or a success) is killed
// with its process group, and Link returns.
func TestLinkerProcessGroupKilled(t *testing.T) {
	needTools(t, "sleep", "cp")
	left := privateTemp(t)
	for _, c := range []struct {
		name, body string
		cancel     bool
		want       string // in the error; empty: Link succeeds
	}{
		{name: "hangs with children, timeout", body: "sleep 1000 & sleep 1000 & wait", want: "linker stopped (context deadline exceeded) after 1s"},
		{name: "hangs with children, cancel", body: "sleep 1000 & sleep 1000 & wait", cancel: true, want: "linker stopped (context canceled)"},
		{name: "fails, child left", body: "sleep 1000 & echo 'ld: failed' >&2; exit 1", want: "ld: failed"},
		// Once a WaitDelay ran out here, and a linker that succeeded was
		// reported as failed.
		{name: "succeeds, child holds stderr", body: "sleep 1000 >&2 & cp " + junkImage(t) + " image"},
	} {
		t.Run(c.name, func(t *testing.T) {
			pids := filepath.Join(t.TempDir(), "pids")
			fakeLinker(t, "echo $$ >> "+pids+"\n"+c.body)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			timeout := time.Second
			if c.cancel {
				timeout = time.Minute
				go func() {
					for {
						if hostile.PIDsRecorded(pids) {
							cancel()
							return
						}
						time.Sleep(10 * time.Millisecond)
					}
				}()
			}
			_, err := linkJunk(ctx, t, timeout)
			if c.want == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, c.want)
			}
			for _, pgid := range hostile.ReadPIDs(t, pids) {
				hostile.RequireGone(t, pgid)
			}
		})
	}
	require.Empty(t, left())
}

// TestLinkerChildOutsideGroupHoldsStderr: a child that left the process
// group (setsid) keeps the linker's standard error open after the linker
// succeeded. Link waits a little for the pipe, then reports success.
func TestLinkerChildOutsideGroupHoldsStderr(t *testing.T) {
	needTools(t, "sleep", "cp", "setsid")
	left := privateTemp(t)
	pids := filepath.Join(t.TempDir(), "pids")
	// The linker waits until the child has left its group and said so.
	fakeLinker(t, "setsid sh -c 'echo $$ >> "+pids+"; exec sleep 1000' >&2 &\n"+
		"while [ ! -s "+pids+" ]; do sleep 0.01; done\ncp "+junkImage(t)+" image")
	t.Cleanup(func() {
		for _, pid := range hostile.ReadPIDs(t, pids) {
			syscall.Kill(-pid, syscall.SIGKILL)
		}
	})
	_, err := linkJunk(context.Background(), t, time.Minute)
	require.NoError(t, err)
	require.Empty(t, left())
}

// TestVersionBounded: --version runs under the link's deadline, killed
// with its group when it hangs; a flood of an answer keeps its first line.
func TestVersionBounded(t *testing.T) {
	needTools(t, "sleep", "yes", "head", "cp")
	left := privateTemp(t)
	pids := filepath.Join(t.TempDir(), "pids")
	writeFake(t, "#!/bin/sh\necho $$ >> "+pids+"\nif [ \"$1\" = --version ]; then sleep 1000 & sleep 1000; fi\nexit 1\n")
	_, err := linkJunk(context.Background(), t, time.Second)
	require.ErrorContains(t, err, "linker stopped (context deadline exceeded) after 1s")
	require.ErrorContains(t, err, "--version")
	for _, pgid := range hostile.ReadPIDs(t, pids) {
		hostile.RequireGone(t, pgid)
	}

	writeFake(t, "#!/bin/sh\nif [ \"$1\" = --version ]; then yes 'fake ld 9.9 (a flood)' | head -c 8388608; exit 0; fi\ncp "+junkImage(t)+" image\n")
	res, err := linkJunk(context.Background(), t, 0)
	require.NoError(t, err)
	require.Equal(t, "fake ld 9.9 (a flood)", res.Layout.Linker.Version)
	require.Empty(t, left())
}

// writeFake puts script on PATH as x86_64's ld.bfd, in a new folder.
func writeFake(t *testing.T, script string) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x86_64-linux-gnu-ld.bfd"), []byte(script), 0o755))
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// TestLinkerImageRefused: an image that is a FIFO, a device, a link to a
// FIFO, or far larger than the inputs explain (a sparse 3 GiB file) is
// refused at once, without reading it, and without hanging on the FIFO.
func TestLinkerImageRefused(t *testing.T) {
	needTools(t, "mkfifo", "truncate", "ln")
	left := privateTemp(t)
	fifo := filepath.Join(t.TempDir(), "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	cases := map[string]string{
		"mkfifo image":             "not a regular file (a FIFO)",
		"ln -s " + fifo + " image": "not a regular file (a FIFO)",
		"truncate -s 3G image":     "3221225472 bytes",
		"mkdir image":              "not a regular file (a folder)",
	}
	if os.Geteuid() == 0 {
		toolcheck.Require(t, "mknod")
		cases["mknod image c 1 5"] = "not a regular file (a character device)"
	} else {
		t.Log("not root: no device image (mknod needs CAP_MKNOD)")
	}
	for body, want := range cases {
		fakeLinker(t, body)
		_, err := linkJunk(context.Background(), t, time.Minute)
		require.ErrorContains(t, err, "linker's image refused: "+want, body)
		require.ErrorContains(t, err, "x86_64-linux-gnu-ld.bfd", body)
	}
	fakeLinker(t, "truncate -s 3G image")
	_, err := linkJunk(context.Background(), t, time.Minute)
	require.ErrorContains(t, err, "over the limit of 67128044 bytes; an image may hold 64 MiB, 4 pages and 4 times what its inputs explain",
		"junk's objects explain little")
	require.Empty(t, left())
}

// TestImageLimit: the limit grows with what the inputs hold: bytes,
// NOBITS sizes, alignments, and pages.
func TestImageLimit(t *testing.T) {
	in := junk()
	objs := mustReadObjects(t, in)
	base := imageLimit(in, objs, 4096)
	require.Greater(t, base, int64(imageSlack))
	require.Less(t, base, int64(imageSlack+64<<10))
	require.Equal(t, base+4*(1<<20-4096), imageLimit(in, objs, 1<<20))
	objs[0].Sections = append(objs[0].Sections, layoutBSS(1<<30))
	require.Equal(t, base+4<<30, imageLimit(in, objs, 4096))
}

// TestTmpfsPassedOver: without TMPDIR, a tmpfs that is full, read-only, or
// out of inodes is passed over for the system's temporary folder, and the
// link works; nothing is left in either place.
func TestTmpfsPassedOver(t *testing.T) {
	if !hostile.Inside(t) {
		return
	}
	needTools(t, "cp")
	t.Setenv("TMPDIR", "")
	defer func(old string) { shmDir = old }(shmDir)
	full := hostile.Tmpfs(t, 0, "size=64k")
	hostile.Fill(t, full)
	readOnly := hostile.Tmpfs(t, syscall.MS_RDONLY, "size=64m")
	// Room by statfs, but a folder and one file use the inodes up.
	noInodes := hostile.Tmpfs(t, 0, "size=64m,nr_inodes=3")
	good := hostile.Tmpfs(t, 0, "size=64m")
	where := filepath.Join(t.TempDir(), "where")
	fakeLinker(t, "pwd > "+where+"\ncp "+junkImage(t)+" image")
	for _, shm := range []string{full, readOnly, noInodes, good} {
		shmDir = shm
		_, err := linkJunk(context.Background(), t, time.Minute)
		require.NoError(t, err, shm)
		ran, err := os.ReadFile(where)
		require.NoError(t, err)
		dir := strings.TrimSpace(string(ran))
		if shm == good {
			require.Equal(t, shm, filepath.Dir(dir))
		} else {
			require.Equal(t, os.TempDir(), filepath.Dir(dir), "the link ran in %s", dir)
		}
		_, err = os.Stat(dir)
		require.True(t, errors.Is(err, os.ErrNotExist), "%s left behind", dir)
	}
	for _, shm := range []string{readOnly, noInodes, good} {
		es, err := os.ReadDir(shm)
		require.NoError(t, err)
		require.Empty(t, es, shm)
	}
}

func mustReadObjects(t *testing.T, in *synth.Inputs) []*layout.Object {
	objs, err := layout.ReadObjects(in.Objects)
	require.NoError(t, err)
	return objs
}

// layoutBSS is an input .bss of size bytes, which takes no file space in
// the object but may in the image.
func layoutBSS(size uint64) layout.ObjectSection {
	return layout.ObjectSection{Name: ".bss", Type: elf.SHT_NOBITS, Flags: layout.SectionFlags(elf.SHF_ALLOC | elf.SHF_WRITE), Size: size}
}
