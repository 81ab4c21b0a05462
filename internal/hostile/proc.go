package hostile

// The processes a program started are checked by process group: elfsynth
// runs each linker in a group of its own.

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Live lists the processes of the process group pgid that are alive:
// killed processes that wait to be reaped (zombies) do not count. Each is
// "PID (NAME) STATE".
func Live(pgid int) []string {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []string
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // gone meanwhile
		}
		s := string(b)
		end := strings.LastIndexByte(s, ')')
		if end < 0 {
			continue
		}
		// After "PID (NAME) ": state, ppid, pgrp.
		f := strings.Fields(s[end+1:])
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if g, err := strconv.Atoi(f[2]); err == nil && g == pgid {
			out = append(out, s[:end+1]+" "+f[0])
		}
	}
	return out
}

// settle is how long a killed process may take to die: SIGKILL is
// delivered when the process is next scheduled, which on a loaded machine
// takes a while. It bounds the wait only; no test asserts a duration.
const settle = 10 * time.Second

// RequireGone fails t unless the process group pgid has, or soon has, no
// live process.
func RequireGone(t testing.TB, pgid int) {
	t.Helper()
	if pgid <= 1 {
		t.Fatalf("process group %d: not a group a test started", pgid)
	}
	var live []string
	for end := time.Now().Add(settle); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if live = Live(pgid); len(live) == 0 {
			return
		}
	}
	t.Fatalf("process group %d still has %d live processes: %s", pgid, len(live), strings.Join(live, "; "))
}

// PIDsRecorded reports whether a fake linker has written its process ID
// to path: a whole line, since the shell creates the file before echo
// writes to it.
func PIDsRecorded(path string) bool {
	b, err := os.ReadFile(path)
	return err == nil && bytes.HasSuffix(b, []byte("\n"))
}

// ReadPIDs reads the process IDs a fake program wrote into path, one a
// line (`echo $$ >> path`).
func ReadPIDs(t testing.TB, path string) []int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no process IDs recorded: %v", err)
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		pids = append(pids, n)
	}
	if len(pids) == 0 {
		t.Fatalf("%s: no process IDs recorded", path)
	}
	return pids
}

// WorkingIn lists the live processes whose working folder is dir or below
// it, as "PID (NAME)": how a test finds linkers it did not start itself,
// as elfsynth runs each in a private folder of its own.
func WorkingIn(dir string) []string {
	cwds, _ := filepath.Glob("/proc/[0-9]*/cwd")
	var out []string
	for _, p := range cwds {
		cwd, err := os.Readlink(p)
		if err != nil || (cwd != dir && !strings.HasPrefix(cwd, dir+"/")) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(filepath.Dir(p), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		end := strings.LastIndexByte(s, ')')
		if f := strings.Fields(s[end+1:]); end < 0 || len(f) == 0 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		out = append(out, s[:end+1])
	}
	return out
}
