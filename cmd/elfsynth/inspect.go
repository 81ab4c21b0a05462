package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/elfsynth/elfsynth/internal/bounded"

	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/ldrun/report"
)

func init() {
	register(&command{name: "inspect", args: "IMAGE",
		summary: "read a linked image (any ELF executable, e.g. a vmlinux) and report its layout, every byte of it, holes and permissions",
		flags: func(fs *flagSet) {
			fs.Bool("json", false, "print the layout as JSON")
			fs.String("map", "", "the linker's link `map` (GNU ld's or lld's -Map; a kernel built with CONFIG_VMLINUX_MAP=y writes vmlinux.map): where each input section went")
			fs.Var(&stringList{}, "objects", "an `object` or ar archive (thin ones too, like a kernel build's vmlinux.a) the image was linked from; repeatable, commas separate several")
			fs.String("script", "", "the linker `script` the image was linked with (a kernel build's arch/ARCH/kernel/vmlinux.lds): causes cite its lines")
			fs.String("page-size", "", "kernel page `size`; default: the target's default")
		},
		run: cmdInspect})
}

// cmdInspect reports the layout of an image elfsynth did not link. With
// nothing else the causes of holes are inferred from addresses; a map,
// the objects and the script make them exact.
func cmdInspect(c *call) int {
	path, err := onePositional(c.args, "IMAGE")
	if err != nil {
		return fail(c.stderr, err)
	}
	src, err := inspectSources(c)
	if err != nil {
		return fail(c.stderr, err)
	}
	lay, err := readLayout(path, src)
	if err != nil {
		return fail(c.stderr, err)
	}
	if c.bool("json") {
		// Streamed: a distro kernel's layout is too big to build whole.
		if err := report.LayoutJSON(c.stdout, lay); err != nil {
			return fail(c.stderr, err)
		}
		return exitOK
	}
	return printLayout(c, lay, false)
}

// readLayout reads the image at path with what src gives. The image is
// read through an io.ReaderAt, never whole; a FIFO or a device is refused
// before a byte is read; an image that is not one is bad input, an I/O
// error the environment's.
func readLayout(path string, src layout.Sources) (*layout.Layout, error) {
	f, _, err := bounded.Open(path, bounded.ImageBytes)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lay, err := layout.Read(f, src)
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		return nil, err
	case err != nil:
		return nil, usagef("%s: %v", path, err)
	}
	return lay, nil
}

// inspectSources reads what --map, --objects, --script and --page-size
// name; a file that cannot be read, or is not what the flag wants, is bad
// input named with its flag.
func inspectSources(c *call) (layout.Sources, error) {
	var src layout.Sources
	ps, err := parsePageSize(c.str("page-size"))
	if err != nil {
		return src, err
	}
	src.PageSize = ps
	err = addSources(&src, c.str("map"), c.str("script"), c.list("objects"), "--")
	return src, err
}

// inputError names the flag whose file could not be read: bad input when
// the file is not what the flag wants, the environment's error otherwise.
func inputError(flag string, err error) error {
	var ie *bounded.InputError
	if errors.As(err, &ie) {
		return usagef("%s: %v", flag, err)
	}
	return fmt.Errorf("%s: %w", flag, err)
}

// addSources reads a link map, a script and objects (each a comma list
// or given many times; objects or ar archives) into src. Messages name
// the flags with prefix ("--" or "--old-").
func addSources(src *layout.Sources, mapFile, script string, objects []string, prefix string) error {
	var err error
	if mapFile != "" {
		if src.Map, err = readLinkMap(mapFile, prefix+"map"); err != nil {
			return err
		}
	}
	if script != "" {
		b, err := bounded.ReadFile(script, bounded.ScriptBytes)
		if err != nil {
			return inputError(prefix+"script", err)
		}
		src.Script, src.ScriptName = string(b), filepath.Base(script)
	}
	for _, v := range objects {
		for _, p := range strings.Split(v, ",") {
			if p == "" {
				continue
			}
			objs, err := readObjectFile(p, prefix+"objects")
			if err != nil {
				return err
			}
			src.Objects = append(src.Objects, objs...)
		}
	}
	return nil
}

func readLinkMap(path, flag string) (*layout.LinkMap, error) {
	f, _, err := bounded.Open(path, bounded.MapBytes)
	if err != nil {
		return nil, inputError(flag, err)
	}
	defer f.Close()
	m, err := layout.ReadMap(bufio.NewReader(f))
	if err != nil {
		return nil, usagef("%s %s: %v", flag, path, err)
	}
	return m, nil
}

// readObjectFile reads an object, or every member of an ar archive. A
// thin archive's members are files named relative to its folder, and keep
// those names ("mm/mm_init.o"), as a link map gives them; a regular
// archive's are named "lib.a(member.o)".
func readObjectFile(path, flag string) ([]*layout.Object, error) {
	f, size, err := bounded.Open(path, bounded.ObjectBytes)
	if err != nil {
		return nil, inputError(flag, err)
	}
	defer f.Close()
	if !layout.IsArchive(f) {
		o, err := layout.ReadObjectAt(filepath.Clean(path), f, size)
		if err != nil {
			return nil, usagef("%s %v", flag, err)
		}
		return []*layout.Object{o}, nil
	}
	members, err := layout.ArchiveMembers(f, size)
	if err != nil {
		return nil, usagef("%s %s: %v", flag, path, err)
	}
	var out []*layout.Object
	for _, m := range members {
		var o *layout.Object
		if m.Thin {
			file := m.Name
			if !filepath.IsAbs(file) {
				file = filepath.Join(filepath.Dir(path), file)
			}
			o, err = readThinMember(file, m.Name)
		} else {
			o, err = layout.ReadObjectAt(fmt.Sprintf("%s(%s)", filepath.Base(path), m.Name), io.NewSectionReader(f, m.Offset, m.Size), m.Size)
		}
		if err != nil {
			return nil, usagef("%s %s: %v", flag, path, err)
		}
		out = append(out, o)
	}
	return out, nil
}

func readThinMember(file, name string) (*layout.Object, error) {
	f, size, err := bounded.Open(file, bounded.ObjectBytes)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return layout.ReadObjectAt(name, f, size)
}
