package main

import (
	"errors"
	"io/fs"

	"github.com/elfsynth/elfsynth/internal/bounded"
	"github.com/elfsynth/elfsynth/ldrun/layout"
)

func init() {
	register(&command{name: "inspect", args: "IMAGE",
		summary: "read a linked image (any ELF executable, e.g. a vmlinux) and report its layout, holes and permissions",
		flags: func(fs *flagSet) {
			fs.Bool("json", false, "print the layout as JSON")
		},
		run: cmdInspect})
}

// cmdInspect reports the layout of an image elfsynth did not link; hole
// causes are inferred from alignment alone.
func cmdInspect(c *call) int {
	path, err := onePositional(c.args, "IMAGE")
	if err != nil {
		return fail(c.stderr, err)
	}
	// Read through an io.ReaderAt, never whole; a FIFO or a device is
	// refused before a byte is read.
	f, _, err := bounded.Open(path, bounded.ImageBytes)
	if err != nil {
		return fail(c.stderr, err)
	}
	defer f.Close()
	lay, err := layout.Read(f, layout.Sources{})
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fail(c.stderr, err) // the file could not be read: an I/O error
	}
	if err != nil {
		return fail(c.stderr, usagef("%s: %v", path, err))
	}
	return printLayout(c, lay, c.bool("json"))
}
