package main

// The built command, run as a user runs it, against linkers that flood,
// hang or leave odd images, and stopped with SIGTERM and SIGINT: its peak
// memory, its exit status, the folders and processes it leaves.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/internal/benchreport"
	"github.com/elfsynth/elfsynth/internal/bounded"
	"github.com/elfsynth/elfsynth/internal/hostile"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
)

// memoryBound is the most a run may take, whatever its linker prints.
const memoryBound = 256 << 20

var built struct {
	once sync.Once
	dir  string
	err  error
	out  []byte
}

// binary is the elfsynth command built from this package, once per run.
func binary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "elfsynth-bin-"); built.err != nil {
			return
		}
		built.out, built.err = exec.Command("go", "build", "-o", built.dir, ".").CombinedOutput()
	})
	require.NoError(t, built.err, "go build: %s", built.out)
	return filepath.Join(built.dir, "elfsynth")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// session is one run of the binary with a private TMPDIR and a fake
// x86_64 ld.bfd, whose process IDs land in pids.
type session struct {
	env    []string
	tmp    string
	pids   string
	stdout bytes.Buffer
	stderr bytes.Buffer
}

// newSession puts the fake linker script (whole, --version included) on
// the session's PATH; in it $IMAGE is a real image and $PIDS the file
// where to record process IDs.
func newSession(t *testing.T, script string) *session {
	t.Helper()
	image, err := filepath.Abs("../../ldrun/testdata/junk.x86_64.image")
	require.NoError(t, err)
	s := &session{tmp: t.TempDir(), pids: filepath.Join(t.TempDir(), "pids")}
	bin := t.TempDir()
	script = "#!/bin/sh\nIMAGE=" + image + "\nPIDS=" + s.pids + "\n" + script + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "x86_64-linux-gnu-ld.bfd"), []byte(script), 0o755))
	s.env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"TMPDIR="+s.tmp, "XDG_CACHE_HOME="+t.TempDir())
	return s
}

// start starts the binary in a process group of its own.
func (s *session) start(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = &s.stdout, &s.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	return cmd
}

// wait waits for the binary to exit, failing t if it has not a minute
// after its deadline (--timeout, or a minute).
func (s *session) wait(t *testing.T, cmd *exec.Cmd) *os.ProcessState {
	t.Helper()
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("elfsynth %q has not returned in two minutes; stderr:\n%.2000s", cmd.Args[1:], s.stderr.String())
	}
	return cmd.ProcessState
}

// leftNothing checks that the run left no folder in its TMPDIR, and no
// process: neither in its own group nor in those of the fake linkers.
func (s *session) leftNothing(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	es, err := os.ReadDir(s.tmp)
	require.NoError(t, err)
	require.Empty(t, es, "left in TMPDIR")
	hostile.RequireGone(t, cmd.Process.Pid)
	// A linker killed before it wrote its ID took its group with it.
	if hostile.PIDsRecorded(s.pids) {
		for _, pgid := range hostile.ReadPIDs(t, s.pids) {
			hostile.RequireGone(t, pgid)
		}
	}
}

// version is the fake linkers' usual answer to --version.
const version = `if [ "$1" = --version ]; then echo 'fake ld 1.0'; exit 0; fi`

// TestBinaryBounded: whatever the linker does (prints 300 MB, hangs with
// children, leaves a 3 GiB or FIFO image, answers --version without end),
// elfsynth returns with the right status, under 256 MiB, having printed
// a bounded message, and leaves no folder and no process. Once a flood of
// stderr drove it out of memory in 5 s, and a 3 GB image was read whole.
func TestBinaryBounded(t *testing.T) {
	for _, tool := range []string{"sh", "yes", "head", "sleep", "cp", "truncate", "mkfifo"} {
		toolcheck.Require(t, tool)
	}
	scenario := writeScenario(t, zeroPageScenario)
	for _, c := range []struct {
		name   string
		script string
		status int
		want   string
	}{
		{"300 MB on stderr, fails", version + "\nyes 'ld: flood' | head -c 314572800 >&2; exit 1", exitFail, "bytes elided]"},
		{"300 MB on stdout and stderr, succeeds", version + "\nyes 'ld: flood' | head -c 157286400; yes 'ld: flood' | head -c 157286400 >&2; cp $IMAGE image", exitOK, ""},
		{"--version without end", `if [ "$1" = --version ]; then echo $$ >> $PIDS; exec yes 'fake ld'; fi`, exitFail, "linker stopped (context deadline exceeded) after 2s"},
		{"hangs with children", version + "\necho $$ >> $PIDS; sleep 1000 & sleep 1000 & wait", exitFail, "linker stopped (context deadline exceeded) after 2s"},
		{"exits 0 without an image", version + "\nexit 0", exitFail, "linker made no image"},
		{"3 GiB image", version + "\ntruncate -s 3G image", exitFail, "linker's image refused: 3221225472 bytes"},
		{"FIFO image", version + "\nmkfifo image", exitFail, "linker's image refused: not a regular file (a FIFO)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newSession(t, c.script)
			// Those that hang get 2 s; the floods take a while on a busy
			// machine.
			timeout := "60s"
			if strings.Contains(c.want, "after 2s") {
				timeout = "2s"
			}
			cmd := s.start(t, "link", "--arch", "x86_64", "--timeout", timeout, scenario)
			ps := s.wait(t, cmd)
			require.Equal(t, c.status, ps.ExitCode(), "stderr:\n%.2000s", s.stderr.String())
			require.Less(t, benchreport.MaxRSS(ps), uint64(memoryBound), "peak memory")
			require.Less(t, s.stderr.Len(), bounded.OutputHead+bounded.OutputTail+4096, "stderr")
			// The report lists what was kept of both streams, a line each.
			require.Less(t, s.stdout.Len(), 256<<10, "stdout")
			require.Contains(t, s.stderr.String(), c.want)
			s.leftNothing(t, cmd)
		})
	}
}

// TestBinaryInspectsSpecialFilesBounded: inspect of a FIFO or a device
// (zeros without end) returns at once with 2, in little memory.
func TestBinaryInspectsSpecialFilesBounded(t *testing.T) {
	for kind, path := range hostile.SpecialFiles(t) {
		s := newSession(t, version)
		cmd := s.start(t, "inspect", path)
		ps := s.wait(t, cmd)
		require.Equal(t, exitUsage, ps.ExitCode(), kind)
		require.Less(t, benchreport.MaxRSS(ps), uint64(memoryBound), kind)
		require.Contains(t, s.stderr.String(), "not a regular file ("+kind+")")
	}
}

// TestBinaryStopsOnSignals: SIGTERM (how CI, timeout and systemd stop a
// program) and SIGINT stop `repro --arch all` and `link` while linkers
// run: exit 143 or 130, no table, no elfsynth-ld-* folder left, no
// linker left running. Once SIGTERM left 17 folders and live linkers.
func TestBinaryStopsOnSignals(t *testing.T) {
	toolcheck.Require(t, "sleep")
	scenario := writeScenario(t, zeroPageScenario)
	for _, c := range []struct {
		sig    syscall.Signal
		status int
		args   []string
	}{
		{syscall.SIGTERM, exitTerminated, []string{"repro", "zero-page", "--arch", "all"}},
		{syscall.SIGINT, exitInterrupted, []string{"repro", "zero-page", "--arch", "all"}},
		{syscall.SIGTERM, exitTerminated, []string{"link", "--arch", "x86_64", scenario}},
	} {
		t.Run(c.sig.String()+" "+c.args[0], func(t *testing.T) {
			t.Parallel()
			// x86_64 comes first in the matrix: its bfd links hang.
			s := newSession(t, version+"\necho $$ >> $PIDS; sleep 1000 & sleep 1000 & wait")
			cmd := s.start(t, c.args...)
			waitForFile(t, s.pids)
			require.NoError(t, cmd.Process.Signal(c.sig))
			ps := s.wait(t, cmd)
			require.Equal(t, c.status, ps.ExitCode(), "stderr:\n%.2000s", s.stderr.String())
			require.Contains(t, s.stderr.String(), "elfsynth: interrupted")
			require.Empty(t, s.stdout.String())
			s.leftNothing(t, cmd)
		})
	}
}

// TestBinaryStopsRealLinkers: SIGTERM while `repro --arch all` runs the
// real linkers, as in the finding (9 runs of 10 left 17 folders, 2 left
// linkers running): the signal is sent once a link folder appears; a run
// that ends first is tried again.
func TestBinaryStopsRealLinkers(t *testing.T) {
	needBFD(t)
	for try := 0; ; try++ {
		s := newSession(t, "") // no fake: the real x86_64 ld.bfd is found next on PATH
		cmd := s.start(t, "repro", "zero-page", "--arch", "all")
		if !waitForLinkFolder(s.tmp, cmd) {
			s.wait(t, cmd)
			require.Less(t, try, 5, "five runs ended before a link folder was seen")
			continue
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
		ps := s.wait(t, cmd)
		if ps.ExitCode() == exitOK {
			require.Less(t, try, 5, "five runs ended before the signal came")
			continue
		}
		require.Equal(t, exitTerminated, ps.ExitCode(), "stderr:\n%.2000s", s.stderr.String())
		s.leftNothing(t, cmd)
		require.Empty(t, hostile.WorkingIn(s.tmp), "linkers still running")
		return
	}
}

// waitForLinkFolder reports whether an elfsynth-ld-* folder appeared in
// dir while cmd ran.
func waitForLinkFolder(dir string, cmd *exec.Cmd) bool {
	stat := fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid)
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(dir, "elfsynth-ld-*")); len(m) > 0 {
			return true
		}
		// Exited: a zombie ("Z" after the name) until the test reaps it.
		if b, err := os.ReadFile(stat); err != nil || strings.Contains(string(b), ") Z ") {
			return false
		}
	}
	return false
}

// waitForFile waits until a fake linker has written path: linking has
// started.
func waitForFile(t *testing.T, path string) {
	t.Helper()
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if hostile.PIDsRecorded(path) {
			return
		}
	}
	t.Fatalf("no linker started in a minute")
}
