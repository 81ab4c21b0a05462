package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/benchreport"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/synth"
)

// linkScenario is the founding case before the fix, with its kernel script.
const linkScenario = "zero-page-before.yaml"

// links compares, for each installed linker of a that takes scripts,
// ldrun.Link and the elfsynth link command with the bare linker command
// on the same objects and script.
func (r *report) links(a *arches.Arch) error {
	r.header(fmt.Sprintf("link vs bare linker (%s, %s, per link)", a.Name, linkScenario))
	s, err := loadScenario(linkScenario)
	if err != nil {
		return err
	}
	in, err := synth.BuildInputs(s, a, 0)
	if err != nil {
		return err
	}
	for _, l := range ldrun.Available(a) {
		if l.Kind() == arches.LinkerMold {
			continue
		}
		if err := r.link(a, l, in); err != nil {
			return err
		}
	}
	return nil
}

func (r *report) link(a *arches.Arch, l arches.Linker, in *synth.Inputs) error {
	opt := ldrun.Options{Arch: a, Linker: l, Script: ldrun.ScriptKernel}
	bare, err := bareFor(opt, in)
	if err != nil {
		return err
	}
	defer os.RemoveAll(bare.Dir)
	scenario := *scenarios + "/" + linkScenario
	ds, err := measure(*reps, bare.Run, func() error {
		_, err := ldrun.Link(quiet, opt, in)
		return err
	}, func() error {
		cmd := exec.Command(*bin, "link", "--arch", a.Name, "--linker", l.String(), scenario)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", cmd, err, out)
		}
		return nil
	})
	if err != nil {
		return err
	}
	tBare, tLink, tCLI := ds[0], ds[1], ds[2]
	r.line(l.String()+": ldrun.Link vs bare", tLink, tBare, false, aimLink)
	r.line(l.String()+": elfsynth link (CLI) vs bare", tCLI, tBare, false, aimLink)
	return r.linkParts(opt, bare)
}

// linkParts breaks the differences down: what ldrun.Link adds to the bare
// command, and what the command adds to ldrun.Link.
func (r *report) linkParts(opt ldrun.Options, bare *benchreport.Bare) error {
	image, err := os.ReadFile(filepath.Join(bare.Dir, "image"))
	if err != nil {
		return err
	}
	in, err := readInputs(bare.Dir)
	if err != nil {
		return err
	}
	ds, err := measure(*reps, func() error {
		_, err := ldrun.Find(opt.Arch, opt.Linker)
		return err
	}, func() error {
		return tempDirLike(in)
	}, func() error {
		objs, err := layout.ReadObjects(in.Objects)
		if err != nil {
			return err
		}
		_, err = layout.Read(bytes.NewReader(image), layout.Sources{Arch: opt.Arch, Objects: objs})
		return err
	}, func() error {
		return exec.Command(*bin, "script", ldrun.ScriptKernel, "--arch", opt.Arch.Name).Run()
	}, func() error {
		return exec.Command(bare.Path, "--version").Run()
	})
	if err != nil {
		return err
	}
	if shm, err := onTmpfs(opt, bare); err == nil {
		r.detail("ldrun.Link with TMPDIR on tmpfs ("+tmpfs+")", shm)
	}
	r.detail("in ldrun.Link: ldrun.Find", ds[0])
	r.detail("in ldrun.Link: temp dir, inputs and script written, removed", ds[1])
	r.detail("in ldrun.Link: ldrun.Read", ds[2])
	r.detail("in the CLI: process start (elfsynth script kernel)", ds[3])
	r.detail("in the CLI: "+filepath.Base(bare.Path)+" --version", ds[4])
	return nil
}

// readInputs reads back the objects NewBare wrote.
func readInputs(dir string) (*synth.Inputs, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.o"))
	if err != nil {
		return nil, err
	}
	in := &synth.Inputs{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		in.Objects = append(in.Objects, synth.Object{Name: filepath.Base(n), Data: b})
	}
	return in, nil
}

// tempDirLike does the file work ldrun.Link does around the linker: a
// private directory under os.TempDir, the inputs and a script written,
// everything removed.
func tempDirLike(in *synth.Inputs) error {
	dir, err := os.MkdirTemp("", "elfsynth-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, f := range append(in.Objects, synth.Object{Name: "link.lds", Data: make([]byte, 4096)}) {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// bareFor links once with ldrun.Link to learn the command, and sets it up
// to run again in a directory of its own.
func bareFor(opt ldrun.Options, in *synth.Inputs) (*benchreport.Bare, error) {
	res, err := ldrun.Link(quiet, opt, in)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "elfsynth-bench-")
	if err != nil {
		return nil, err
	}
	bare, err := benchreport.NewBare(dir, res.Layout, opt, in)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return bare, nil
}

// once runs f once and returns how long it took.
func once(f func() error) (sample, error) {
	ds, err := measure(1, f)
	if err != nil {
		return sample{}, err
	}
	return ds[0], nil
}

// tmpfs is a memory file system most Linux machines have.
const tmpfs = "/dev/shm"

// onTmpfs times ldrun.Link with its private directories on tmpfs instead
// of os.TempDir, to show what the file system costs.
func onTmpfs(opt ldrun.Options, bare *benchreport.Bare) (sample, error) {
	in, err := readInputs(bare.Dir)
	if err != nil {
		return sample{}, err
	}
	dir, err := os.MkdirTemp(tmpfs, "elfsynth-bench-")
	if err != nil {
		return sample{}, err
	}
	defer os.RemoveAll(dir)
	old, had := os.LookupEnv("TMPDIR")
	os.Setenv("TMPDIR", dir)
	defer func() {
		if had {
			os.Setenv("TMPDIR", old)
		} else {
			os.Unsetenv("TMPDIR")
		}
	}()
	ds, err := measure(*reps, func() error {
		_, err := ldrun.Link(quiet, opt, in)
		return err
	})
	if err != nil {
		return sample{}, err
	}
	return ds[0], nil
}
