package ldrun

import (
	"fmt"
	"slices"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/synth"
)

// ProvidedObject is the object elfsynth adds to a link, last in link
// order, to define what the linker script needs and the inputs lack (see
// ScriptProvisions). It is a normal input, built by package synth like
// every other, so reports and reproducers treat it as one.
const ProvidedObject = "elfsynth-provided.o"

// ProvidedUnit is the scenario unit that defines ps: one empty symbol for
// each, in its section, so that nothing moves. A section holding an entry
// point is executable.
func ProvidedUnit(ps []Provision) synth.Unit {
	u := synth.Unit{Name: ProvidedObject}
	index := map[string]int{}
	for _, p := range ps {
		i, ok := index[p.Section]
		if !ok {
			i = len(u.Sections)
			index[p.Section] = i
			u.Sections = append(u.Sections, synth.Section{Name: p.Section, Flags: synth.DefaultFlags(p.Section)})
		}
		sec := &u.Sections[i]
		sec.Symbols = append(sec.Symbols, synth.Symbol{Name: p.Symbol})
		if p.Entry {
			sec.Flags = "ax"
		}
	}
	return u
}

// provide adds ProvidedObject to in when the script (its text, read from
// name) needs symbols the inputs lack, and returns the inputs to link,
// what was provided and notes for the report: input symbols the script
// assigns itself, or, for a script elfsynth cannot read, that it
// provided nothing (the linker gets the script as it is).
func provide(a *arches.Arch, pageSize uint64, name, script string, in *synth.Inputs) (*synth.Inputs, []Provision, []string, error) {
	if script == "" {
		return in, nil, nil, nil
	}
	n, err := readNeeds(scriptFile(name), script, in.Objects)
	if err != nil {
		return in, nil, []string{fmt.Sprintf("elfsynth could not read the script, so it defined none of the symbols the script may need: %v", err)}, nil
	}
	if len(n.provisions) == 0 {
		return in, nil, n.overrides, nil
	}
	for _, o := range in.Objects {
		if o.Name == ProvidedObject {
			return nil, nil, nil, fmt.Errorf("an input is called %s, the name of the object elfsynth adds to define what the script needs", ProvidedObject)
		}
	}
	s := &synth.Scenario{Name: "elfsynth-provided", PageSize: pageSize, Units: []synth.Unit{ProvidedUnit(n.provisions)}}
	plan, err := synth.Build(s, a, pageSize)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s needs symbols elfsynth cannot define: %v", scriptFile(name), err)
	}
	objs, err := plan.Objects()
	if err != nil {
		return nil, nil, nil, err
	}
	out := &synth.Inputs{Objects: append(slices.Clip(in.Objects), objs...), Functions: in.Functions}
	return out, n.provisions, n.overrides, nil
}

// withProvisions records in a link's result what elfsynth provided, and
// the notes provide made, as warnings; a failed link's error carries the
// notes too.
func withProvisions(res *Result, err error, provided []Provision, notes []string) (*Result, error) {
	if err != nil {
		if len(notes) > 0 {
			err = fmt.Errorf("%w\n%s", err, strings.Join(notes, "\n"))
		}
		return nil, err
	}
	res.Layout.Provided = describe(provided)
	res.Layout.Warnings = append(res.Layout.Warnings, notes...)
	return res, nil
}
