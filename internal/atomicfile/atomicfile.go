// Package atomicfile writes files so that a reader, or an interrupted run,
// never sees half of one: the data goes to a temporary file in the same
// folder, which is then renamed over the target. Output and WriteDir add
// the rules for paths a user names on the command line.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write stores data at path with the given permissions, atomically.
func Write(path string, data []byte, perm os.FileMode) error {
	// The temporary name does not grow with the target's, so that a name
	// near the file system's limit can still be written.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".elfsynth-tmp-*")
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
