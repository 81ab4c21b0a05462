// Package bounded reads external input with limits: files a user names, the
// files a linker or an assembler leaves behind, and what programs print.
//
// Where a file is expected only a regular file is read: it is opened
// without blocking (a FIFO with no writer would otherwise hang the open),
// its kind and size are checked on the open file before a byte is read,
// and no more than the limit is ever read, even from a file that grows.
// What a program prints is kept as its head and tail, with the number of
// bytes dropped between them.
package bounded

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// The limits of each kind of input, in bytes. They are far above what a
// real input of the kind needs, and low enough that a hostile one is
// refused before it costs memory or time. (A scenario file's, 1 MiB, is
// synth's.)
const (
	// ScriptBytes bounds a linker script file: a kernel's preprocessed
	// vmlinux.lds is 10 to 100 KiB.
	ScriptBytes = 1 << 20
	// MapBytes bounds a linker map (-Map): x86_64 tinyconfig's is 0.7 MB,
	// a distribution kernel's tens of MB.
	MapBytes = 256 << 20
	// ImageBytes bounds an image `inspect` reads through an io.ReaderAt,
	// never whole: a distribution kernel's vmlinux with DWARF is 589 MB,
	// and ELF32 cannot address more than 4 GiB.
	ImageBytes = 4 << 30
	// ObjectBytes bounds one object or archive file, also read through an
	// io.ReaderAt: a kernel's vmlinux.a with debug information runs to a
	// few GiB, and a scenario may describe objects of up to 2 GiB.
	ObjectBytes = 4 << 30
	// OutputHead and OutputTail are how much of each output stream of a
	// program is kept: its first and its last bytes.
	OutputHead = 32 << 10
	OutputTail = 32 << 10
	// VersionBytes bounds what is kept of a `--version` answer, of which
	// only the first line is used.
	VersionBytes = 4 << 10
)

// InputError is a path that does not name a regular file of the expected
// size that can be read: the user's input is wrong, where other errors
// (an I/O error, too many open files) are the environment's.
type InputError struct {
	Path string
	Msg  string
	Err  error // the system's error, when there is one
}

func (e *InputError) Error() string { return fmt.Sprintf("%s: %s", e.Path, e.Msg) }

// Unwrap gives the system's error, so that errors.Is(err, fs.ErrNotExist)
// still works.
func (e *InputError) Unwrap() error { return e.Err }

// Open opens path for reading when it is a regular file of at most limit
// bytes, and returns the file with its size. Anything else is refused with
// an *InputError, without reading: a FIFO, a device, a socket or a folder
// by its kind, a large (even sparse) file by its size.
func Open(path string, limit int64) (*os.File, int64, error) {
	// O_NONBLOCK: opening a FIFO must not wait for a writer, nor a device
	// for a carrier; it changes nothing for a regular file. O_NOCTTY: a
	// terminal named by mistake must not become ours.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, 0, openError(path, err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, 0, &InputError{Path: path, Msg: fmt.Sprintf("not a regular file (%s)", Kind(info.Mode()))}
	}
	if info.Size() > limit {
		f.Close()
		return nil, 0, &InputError{Path: path, Msg: fmt.Sprintf("%d bytes, over the limit of %s", info.Size(), Size(limit))}
	}
	return f, info.Size(), nil
}

// openError sorts a failed open: a path that names nothing readable is
// bad input, other failures are the environment's.
func openError(path string, err error) error {
	// A socket cannot be opened at all (ENXIO): name it by its kind.
	if info, serr := os.Stat(path); serr == nil && !info.Mode().IsRegular() && !info.IsDir() {
		return &InputError{Path: path, Msg: fmt.Sprintf("not a regular file (%s)", Kind(info.Mode())), Err: err}
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err
	}
	switch errno {
	case syscall.ENOENT, syscall.ENOTDIR, syscall.EISDIR, syscall.ENAMETOOLONG, syscall.ELOOP,
		syscall.EACCES, syscall.EPERM, syscall.ENXIO, syscall.ENODEV:
		return &InputError{Path: path, Msg: errno.Error(), Err: err}
	}
	return err
}

// ReadFile reads the regular file path whole when it holds at most limit
// bytes (see Open). A file that grows past limit while it is read is
// refused too.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, size, err := Open(path, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, 0, size+1)
	// One byte over the limit is enough to know it was passed.
	for r := io.LimitReader(f, limit+1); ; {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(b)) > limit {
		return nil, &InputError{Path: path, Msg: fmt.Sprintf("grew past the limit of %s while it was read", Size(limit))}
	}
	return b, nil
}

// Kind names a file mode's kind for messages: "a FIFO", "a folder".
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a regular file"
}

// Size writes a byte count the way the limits are stated: "1 MiB".
func Size(n int64) string {
	for _, u := range []struct {
		shift int
		name  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d %s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
