package ldrun

import (
	"github.com/elfsynth/elfsynth/arches"
)

// Reproducer is what a person needs to run a link by hand, as in a bug
// report: the script text (empty for ScriptNone) and the command line,
// with the linker named as one would type it.
type Reproducer struct {
	Script  string
	Command string
}

// NewReproducer gives the script and the command Link would run for opt on
// inputs, the script being read from "link.lds" and the image written to
// "image". It runs nothing.
func NewReproducer(opt Options, inputs []Input) (*Reproducer, error) {
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
	objs := make([]string, len(inputs))
	for i, in := range inputs {
		objs[i] = in.Name
	}
	tool := &Tool{Linker: opt.Linker, Path: typedName(opt.Arch, opt.Linker)}
	r.Command = commandLine(tool.Path, linkArgs(tool, opt, r.Script != "", inputs, objs))
	return r, nil
}

// typedName is a linker's name as a user types it.
func typedName(a *arches.Arch, l arches.Linker) string {
	switch l {
	case arches.Gold:
		return a.Tool("ld.gold")
	case arches.LLD:
		return "ld.lld"
	case arches.Mold:
		return "mold"
	}
	return a.Tool("ld.bfd")
}
