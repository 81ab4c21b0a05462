package ldrun

import (
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/synth"
)

// Reproducer is what a person needs to run a link by hand, as in a bug
// report: the script text (empty for ScriptNone) and the command line,
// with the linker named as one would type it.
type Reproducer struct {
	Script  string
	Command string
	// Provided are what the script needs and the inputs lack: the
	// command links ProvidedObject too, made from ProvidedUnit(Provided).
	Provided []Provision
}

// NewReproducer gives the script and the command Link would run for opt on
// inputs, the script being read from "link.lds" and the image written to
// "image". It runs nothing.
func NewReproducer(opt Options, in *synth.Inputs) (*Reproducer, error) {
	opt, err := opt.normalize()
	if err != nil {
		return nil, err
	}
	r := &Reproducer{}
	if opt.Script != ScriptNone {
		if r.Script, err = Script(opt.Script, opt.Arch, opt.PageSize); err != nil {
			return nil, err
		}
	}
	in, r.Provided, _, err = provide(opt.Arch, opt.PageSize, opt.Script, r.Script, in)
	if err != nil {
		return nil, err
	}
	objs, err := layout.ReadObjects(in.Objects)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(in.Objects))
	for i, o := range in.Objects {
		names[i] = o.Name
	}
	tool, err := Find(opt.Arch, opt.Linker)
	if err != nil {
		// Not installed here: name the program the reproducer's user
		// must have.
		prog, _ := program(opt.Arch, opt.Linker)
		tool = &Tool{Linker: opt.Linker, Path: prog}
	}
	r.Command = commandLine(tool.Path, linkArgs(tool, opt, r.Script != "", objs, names))
	return r, nil
}
