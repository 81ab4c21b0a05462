package synth

import "github.com/elfsynth/elfsynth/arches"

// Inputs are what a linker needs from a plan: the objects in link order,
// the generated functions to check once they are linked, and the
// alignment the scenario declares for each symbol, which no object
// records.
type Inputs struct {
	Objects   []Object
	Functions []Function
	Aligns    []SymbolAlign
}

// SymbolAlign is the alignment a plan gives a symbol of a unit: what
// explains the padding in front of it once linked.
type SymbolAlign struct {
	Unit   string
	Symbol string
	Align  uint64
}

// Function names a generated function and the symbol whose address it
// returns, so that a linked image can be checked against the plan.
type Function struct {
	Symbol    string
	AddressOf string
}

// Inputs writes the plan's objects and lists its generated functions and
// its symbols' alignments.
func (p *Plan) Inputs() (*Inputs, error) {
	objs, err := p.Objects()
	if err != nil {
		return nil, err
	}
	in := &Inputs{Objects: objs}
	for _, u := range p.Units {
		for _, sec := range u.Sections {
			for _, sym := range sec.Symbols {
				in.Aligns = append(in.Aligns, SymbolAlign{Unit: u.Name, Symbol: sym.Name, Align: sym.Align})
				if sym.Func != nil {
					in.Functions = append(in.Functions, Function{Symbol: sym.Name, AddressOf: sym.Func.AddressOf})
				}
			}
		}
	}
	return in, nil
}

// Size is the total size of the objects in bytes.
func (in *Inputs) Size() int {
	n := 0
	for _, o := range in.Objects {
		n += len(o.Data)
	}
	return n
}

// BuildInputs plans s for a and pageSize (0: the scenario's, else the
// target's default) and writes its objects: the linker inputs in one call,
// for callers that need nothing else of the plan.
func BuildInputs(s *Scenario, a *arches.Arch, pageSize uint64) (*Inputs, error) {
	plan, err := Build(s, a, pageSize)
	if err != nil {
		return nil, err
	}
	return plan.Inputs()
}
