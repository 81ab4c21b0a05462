// Package atomicfile writes files so that a reader, or an interrupted run,
// never sees half of one: the data goes to a temporary file in the same
// folder, which is then renamed over the target.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write stores data at path with the given permissions, atomically.
func Write(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
