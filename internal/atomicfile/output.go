package atomicfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/elfsynth/elfsynth/internal/bounded"
)

// BadPathError is an output path the user named that cannot be written as
// asked: a missing folder, or something that is not a regular file. It is
// bad input, where other write errors are the environment's.
type BadPathError struct {
	Path string
	Msg  string
}

func (e *BadPathError) Error() string { return fmt.Sprintf("%s: %s", e.Path, e.Msg) }

// Output writes data to a path a user named, such as -o: a regular file
// or a new path, through a temporary file and a rename. A symbolic link is
// followed, and its target written the same way, except a link to an open
// file descriptor (/dev/stdout, /dev/fd/N, /proc/self/fd/N), which names
// no file to replace. Devices, FIFOs, sockets and folders are refused with
// a BadPathError, as is a path whose folder does not exist: Output never
// creates, replaces or removes anything but the named file.
func Output(path string, data []byte, perm os.FileMode) error {
	target, err := outputTarget(path)
	if err != nil {
		return err
	}
	return Write(target, data, perm)
}

// outputTarget resolves path to the regular file Output may replace.
func outputTarget(path string) (string, error) {
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, checkFolder(path, path)
	}
	if err != nil {
		return "", err
	}
	target := path
	if info.Mode()&fs.ModeSymlink != 0 {
		if throughFD(path) {
			return "", &BadPathError{path, "a link to an open file descriptor, not a file; write to standard output with -o -"}
		}
		if target, err = filepath.EvalSymlinks(path); errors.Is(err, fs.ErrNotExist) {
			return "", &BadPathError{path, "a symbolic link to a missing file or folder; give the target itself"}
		} else if err != nil {
			return "", err
		}
		if info, err = os.Stat(target); err != nil {
			return "", err
		}
	}
	if !info.Mode().IsRegular() {
		return "", &BadPathError{path, fmt.Sprintf("not a regular file (%s); elfsynth writes only regular files, or standard output with -o -", bounded.Kind(info.Mode()))}
	}
	return target, nil
}

// throughFD reports whether the symbolic link path leads, in any of its
// hops, to an entry of a process's fd folder (/proc/PID/fd or
// /proc/PID/task/TID/fd, which /dev/fd and /dev/stdout lead to). Such an
// entry reads as a link to whatever the descriptor has open, a pipe or a
// file the shell redirected to: replacing that file is not what was meant.
func throughFD(path string) bool {
	for hops := 0; hops < 40; hops++ {
		dir, err := filepath.EvalSymlinks(filepath.Dir(path))
		if err != nil {
			return false
		}
		if isFDFolder(dir) {
			return true
		}
		info, err := os.Lstat(path)
		if err != nil || info.Mode()&fs.ModeSymlink == 0 {
			return false
		}
		next, err := os.Readlink(path)
		if err != nil {
			return false
		}
		if !filepath.IsAbs(next) {
			next = filepath.Join(dir, next)
		}
		path = next
	}
	return false
}

// isFDFolder reports whether dir is /proc/PID/fd or /proc/PID/task/TID/fd.
func isFDFolder(dir string) bool {
	parts := strings.Split(strings.TrimPrefix(dir, "/"), "/")
	return parts[0] == "proc" && parts[len(parts)-1] == "fd" && (len(parts) == 3 || len(parts) == 5 && parts[2] == "task")
}

// checkFolder makes sure the folder a new file at path would go in exists.
func checkFolder(path, named string) error {
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &BadPathError{named, fmt.Sprintf("folder %s does not exist", dir)}
	case err != nil:
		return err
	case !info.IsDir():
		return &BadPathError{named, fmt.Sprintf("%s is not a folder", dir)}
	}
	return nil
}

// File is one file of a folder WriteDir writes.
type File struct {
	Name string
	Data []byte
	Perm os.FileMode
}

// WriteDir writes files into the folder dir all or nothing: they are
// written into a temporary folder beside dir, then the folder is renamed
// into place (when dir does not exist yet) or its files are renamed into
// dir one by one (when it does). On any error nothing new appears in dir.
// A dir that exists but is not a folder is refused.
func WriteDir(dir string, files []File) error {
	return WriteDirContext(context.Background(), dir, files)
}

// WriteDirContext is WriteDir that stops, writing nothing into dir, once
// ctx has ended (an interrupt): the temporary folder is removed.
func WriteDirContext(ctx context.Context, dir string, files []File) error {
	info, err := os.Stat(dir)
	exists := err == nil
	if exists && info.IsDir() {
		// A link to a folder: work beside the folder itself, so that the
		// renames stay within one file system.
		if dir, err = filepath.EvalSymlinks(dir); err != nil {
			return err
		}
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := checkFolder(filepath.Clean(dir), dir); err != nil {
			return err
		}
	case err != nil:
		return err
	case !info.IsDir():
		return &BadPathError{dir, "exists and is not a folder"}
	}
	parent := filepath.Dir(filepath.Clean(dir))
	tmp, err := os.MkdirTemp(parent, ".elfsynth-out-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // harmless once renamed away
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tmp, f.Name), f.Data, f.Perm); err != nil {
			return err
		}
		if err := os.Chmod(filepath.Join(tmp, f.Name), f.Perm); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !exists {
		if err := os.Chmod(tmp, 0o755); err != nil {
			return err
		}
		return os.Rename(tmp, dir)
	}
	for _, f := range files {
		if err := os.Rename(filepath.Join(tmp, f.Name), filepath.Join(dir, f.Name)); err != nil {
			return err
		}
	}
	return nil
}
