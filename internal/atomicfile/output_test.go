package atomicfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/internal/hostile"
)

// node is what a path is, to check that a write left it alone.
type node struct {
	mode os.FileMode
	ino  uint64
}

func nodeOf(t *testing.T, path string) node {
	t.Helper()
	info, err := os.Lstat(path)
	require.NoError(t, err)
	return node{info.Mode(), info.Sys().(*syscall.Stat_t).Ino}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// special makes one file of each kind that is not a regular file in dir
// (see hostile.SpecialFiles), and a symbolic link to each; it returns
// their names.
func special(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, path := range hostile.SpecialFiles(t) {
		n := filepath.Base(path)
		require.NoError(t, os.Rename(path, filepath.Join(dir, n)))
		require.NoError(t, os.Symlink(n, filepath.Join(dir, "link-to-"+n)))
		out = append(out, n, "link-to-"+n)
	}
	return out
}

// TestOutputRefusesSpecialFiles: -o naming a device, a FIFO, a socket or a
// folder, or a link to one, is refused as bad input, and leaves every node
// as it was, with nothing new beside it.
func TestOutputRefusesSpecialFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ns := special(t, dir)
	before := map[string]node{}
	for _, n := range ns {
		before[n] = nodeOf(t, filepath.Join(dir, n))
	}
	for _, n := range ns {
		err := Output(filepath.Join(dir, n), []byte("image"), 0o755)
		var bad *BadPathError
		require.ErrorAs(t, err, &bad, n)
		require.Contains(t, err.Error(), "not a regular file", n)
	}
	for _, n := range ns {
		require.Equal(t, before[n], nodeOf(t, filepath.Join(dir, n)), "%s changed", n)
	}
	require.ElementsMatch(t, ns, names(t, dir), "nothing new beside them")
}

// TestOutputFollowsLinks: a link to a regular file has its target
// replaced, and stays a link; a link to nothing is refused.
func TestOutputFollowsLinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "vmlinux")
	require.NoError(t, os.WriteFile(target, []byte("old"), 0o644))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink("vmlinux", link))
	require.NoError(t, Output(link, []byte("new"), 0o755))
	got, err := os.ReadFile(target)
	require.NoError(t, err)
	require.Equal(t, "new", string(got))
	require.Equal(t, os.ModeSymlink, nodeOf(t, link).mode.Type())
	require.ElementsMatch(t, []string{"vmlinux", "link"}, names(t, dir))

	dangling := filepath.Join(dir, "dangling")
	require.NoError(t, os.Symlink("nowhere", dangling))
	var bad *BadPathError
	require.ErrorAs(t, Output(dangling, []byte("x"), 0o644), &bad)
	require.ErrorAs(t, Output(filepath.Join(dir, "no", "such", "x"), []byte("x"), 0o644), &bad)
	require.ElementsMatch(t, []string{"vmlinux", "link", "dangling"}, names(t, dir))
}

// TestOutputRefusesFileDescriptors: a link to an open file descriptor (as
// /dev/stdout is) is refused, even when the descriptor has a regular file
// open: that file is the shell's redirection, not a path the user named.
func TestOutputRefusesFileDescriptors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "redirected"))
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, os.WriteFile(f.Name(), []byte("report"), 0o644))
	fd := strconv.Itoa(int(f.Fd()))
	stdout := filepath.Join(dir, "stdout") // as /dev/stdout
	require.NoError(t, os.Symlink("/proc/self/fd/"+fd, stdout))
	fdDir := filepath.Join(dir, "fd") // as /dev/fd
	require.NoError(t, os.Symlink("/proc/self/fd", fdDir))
	for _, path := range []string{stdout, filepath.Join(fdDir, fd), "/proc/self/fd/" + fd} {
		err := Output(path, []byte("image"), 0o755)
		var bad *BadPathError
		require.ErrorAs(t, err, &bad, path)
		require.Contains(t, err.Error(), "-o -")
	}
	got, err := os.ReadFile(f.Name())
	require.NoError(t, err)
	require.Equal(t, "report", string(got))
	require.ElementsMatch(t, []string{"redirected", "stdout", "fd"}, names(t, dir))
}

// TestWriteDirAllOrNothing: on a full file system, a read-only one, or
// after an interrupt, WriteDir leaves no file, no folder and no temporary
// folder; into a link to a folder it writes the folder's files.
func TestWriteDirAllOrNothing(t *testing.T) {
	if !hostile.Inside(t) {
		return
	}
	files := []File{{"a.o", make([]byte, 20000), 0o644}, {"b.o", make([]byte, 20000), 0o644}}

	full := hostile.Tmpfs(t, 0, "size=64k")
	hostile.Fill(t, full)
	err := WriteDir(filepath.Join(full, "out"), files)
	require.ErrorIs(t, err, syscall.ENOSPC)
	var bad *BadPathError
	require.False(t, errors.As(err, &bad), "a full disk is not bad input: %v", err)
	require.Equal(t, []string{"filler"}, names(t, full))

	roomy := hostile.Tmpfs(t, 0, "size=1m")
	require.NoError(t, os.Mkdir(filepath.Join(roomy, "out"), 0o755))
	require.NoError(t, syscall.Mount("", roomy, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""))
	err = WriteDir(filepath.Join(roomy, "out"), files)
	require.ErrorIs(t, err, syscall.EROFS)
	require.Equal(t, []string{"out"}, names(t, roomy))
	require.Empty(t, names(t, filepath.Join(roomy, "out")))

	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, WriteDirContext(ctx, filepath.Join(dir, "out"), files), context.Canceled)
	require.Empty(t, names(t, dir))

	require.NoError(t, os.Mkdir(filepath.Join(dir, "real"), 0o755))
	require.NoError(t, os.Symlink("real", filepath.Join(dir, "link")))
	require.NoError(t, WriteDir(filepath.Join(dir, "link"), files))
	require.ElementsMatch(t, []string{"a.o", "b.o"}, names(t, filepath.Join(dir, "real")))
	require.ElementsMatch(t, []string{"real", "link"}, names(t, dir))
}
