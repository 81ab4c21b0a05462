// Package hostile makes, for tests, the environments elfsynth must survive
// and checks what it leaves: special files where a file is expected, full
// and read-only file systems, and the processes a program started.
//
// File systems are mounted in a private mount namespace, where nobody
// else sees them and they vanish with the test: that is how a test makes
// a disk full, or a folder read-only, as root, for whom permissions do not
// count.
//
//	func TestDiskFull(t *testing.T) {
//		if !hostile.Inside(t) {
//			return // the test ran in a child process, and passed there
//		}
//		dir := hostile.Tmpfs(t, 0, "size=64k")
//		...
//	}
package hostile

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
)

// env names the test a child process runs inside its namespace.
const env = "ELFSYNTH_HOSTILE_NS"

// Inside reports whether t runs in its private mount namespace. When it
// does not, Inside runs t's test again in a child process that has one,
// fails t when the child fails, and returns false: the caller returns. t
// must be a top-level test. Where no namespace can be made (no
// CAP_SYS_ADMIN), t is skipped, saying so.
func Inside(t *testing.T) bool {
	t.Helper()
	if os.Getenv(env) == t.Name() {
		return true
	}
	args := []string{"-test.run=^" + regexp.QuoteMeta(t.Name()) + "$", "-test.v"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), env+"="+t.Name())
	// Go makes the new namespace's mounts private, so nothing mounted in
	// it reaches the machine's.
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	switch {
	case errors.Is(err, syscall.EPERM):
		t.Skipf("no private mount namespace (it needs CAP_SYS_ADMIN): %v", err)
	case err != nil:
		t.Fatalf("in a private mount namespace: %v\n%s", err, out)
	case !regexp.MustCompile(`(?m)^--- PASS: ` + regexp.QuoteMeta(t.Name()) + ` `).Match(out):
		t.Fatalf("in a private mount namespace the test did not pass:\n%s", out)
	}
	t.Logf("passed in a private mount namespace:\n%s", out)
	return false
}

// Tmpfs mounts a new tmpfs, with mount flags (syscall.MS_RDONLY) and
// options ("size=64k", "nr_inodes=3"), on a fresh folder, and unmounts it
// when t ends. Only inside (see Inside).
func Tmpfs(t *testing.T, flags uintptr, options string) string {
	t.Helper()
	if os.Getenv(env) != t.Name() {
		t.Fatal("hostile.Tmpfs outside the test's private mount namespace")
	}
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", flags, options); err != nil {
		t.Fatalf("mount tmpfs -o %s on %s: %v", options, dir, err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// Fill writes a file into dir until the file system is full.
func Fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for i := 0; ; i++ {
		if _, err := f.Write(chunk); errors.Is(err, syscall.ENOSPC) {
			return
		} else if err != nil {
			t.Fatal(err)
		}
		if i > 1<<20 {
			t.Fatal("the file system never filled: " + strconv.Itoa(i) + " pages written")
		}
	}
}
