package hostile

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// SpecialFiles makes, in a fresh folder, one of each kind of file that is
// not a regular file, by the name of its kind ("a FIFO"): what a path a
// user names, or a file a linker leaves, may turn out to be. The character
// device has /dev/zero's numbers and reads zeros without end; it is made
// here with mknod, as /dev is never touched, and left out (saying so)
// where mknod is not allowed.
func SpecialFiles(t testing.TB) map[string]string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"a FIFO": filepath.Join(dir, "fifo"), "a folder": filepath.Join(dir, "folder"),
		"a socket": filepath.Join(dir, "sock")}
	if err := syscall.Mkfifo(files["a FIFO"], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(files["a folder"], 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", files["a socket"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	zero := filepath.Join(dir, "zero")
	switch err := syscall.Mknod(zero, syscall.S_IFCHR|0o666, 1<<8|5); {
	case err == nil:
		files["a character device"] = zero
	case errors.Is(err, syscall.EPERM):
		t.Logf("no character device: mknod needs CAP_MKNOD (%v); the other kinds are tested", err)
	default:
		t.Fatal(err)
	}
	return files
}

// Sparse makes a sparse file of size bytes, all zeros, that takes no room.
func Sparse(t testing.TB, size int64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sparse")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return path
}
