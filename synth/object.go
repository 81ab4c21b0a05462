package synth

import (
	"debug/elf"

	"github.com/elfsynth/elfsynth/internal/elfw"
)

// Object is one synthesized relocatable object.
type Object struct {
	Name string
	Data []byte
}

// Objects writes one ELF relocatable object per unit, in link order.
func (p *Plan) Objects() ([]Object, error) {
	objs := make([]Object, 0, len(p.Units))
	for _, u := range p.Units {
		data, err := p.object(u).Bytes()
		if err != nil {
			return nil, err
		}
		objs = append(objs, Object{Name: u.Name, Data: data})
	}
	return objs, nil
}

// objectBuilder collects one unit's sections and symbols for elfw.
type objectBuilder struct {
	p        *Plan
	f        *elfw.File
	symIndex map[string]int // defined or undefined symbol -> elfw index
	secSym   map[int]int    // section index -> its STT_SECTION symbol
	defined  map[string]definition
}

type definition struct {
	section int
	sym     *PlannedSymbol
}

func (p *Plan) object(u *PlannedUnit) *elfw.File {
	a := p.Arch
	n := 0
	for _, sec := range u.Sections {
		n += len(sec.Symbols)
	}
	b := &objectBuilder{p: p, symIndex: make(map[string]int, n), secSym: map[int]int{}, defined: make(map[string]definition, n),
		f: &elfw.File{Class: a.Class, Order: a.Endian.ByteOrder(), Machine: a.Machine, Flags: a.Flags, OSABI: a.OSABI,
			RELA: a.RELA, MIPS64: a.MIPS64RInfo}}
	b.f.Sections = make([]*elfw.Section, 0, len(u.Sections))
	b.f.Symbols = make([]elfw.Symbol, 0, n+len(u.Sections))
	for i, sec := range u.Sections {
		b.f.Sections = append(b.f.Sections, b.section(sec))
		for _, sym := range sec.Symbols {
			b.defined[sym.Name] = definition{i, sym}
		}
	}
	for i, sec := range u.Sections {
		b.mappingSymbol(i, sec)
		for _, sym := range sec.Symbols {
			b.symIndex[sym.Name] = b.addSymbol(elfw.Symbol{Name: sym.Name, Section: i, Value: sym.Offset,
				Size: sym.Size, Bind: sym.Bind, Type: sym.Type})
		}
	}
	for i, sec := range u.Sections {
		for _, sym := range sec.Symbols {
			b.relocate(i, sym)
		}
	}
	return b.f
}

// section makes the section with its contents; pointer words and code are
// filled in by relocate.
func (b *objectBuilder) section(ps *PlannedSection) *elfw.Section {
	s := &elfw.Section{Name: ps.Name, Type: ps.Type, Flags: ps.Flags, Align: ps.Align, EntSize: ps.EntSize}
	if ps.Type == elf.SHT_NOBITS {
		s.Size = ps.Size
		return s
	}
	if !ps.User {
		s.Data = ps.Data
		return s
	}
	s.Data = make([]byte, ps.Size)
	for _, sym := range ps.Symbols {
		if sym.Fill != 0 {
			fill(s.Data[sym.Offset:sym.Offset+sym.Size], sym.Fill)
		}
		if sym.Func != nil {
			copy(s.Data[sym.Offset:], sym.Func.Code)
		}
	}
	return s
}

// mappingSymbol adds the local symbol GNU as puts where data starts.
func (b *objectBuilder) mappingSymbol(i int, ps *PlannedSection) {
	name := b.p.Arch.DataMappingSymbol
	if name == "" || !ps.User || ps.Type == elf.SHT_NOBITS || ps.Flags&elf.SHF_EXECINSTR != 0 || ps.Size == 0 {
		return
	}
	b.addSymbol(elfw.Symbol{Name: name, Section: i, Bind: elf.STB_LOCAL, Type: elf.STT_NOTYPE})
}

func (b *objectBuilder) addSymbol(s elfw.Symbol) int {
	b.f.Symbols = append(b.f.Symbols, s)
	return len(b.f.Symbols) - 1
}

// relocate writes the relocations a pointer or a function needs.
func (b *objectBuilder) relocate(i int, sym *PlannedSymbol) {
	sec := b.f.Sections[i]
	switch {
	case sym.PointsTo != nil:
		target, addend := b.target(sym.PointsTo.Symbol, sym.PointsTo.Offset)
		if !b.p.Arch.RELA || b.p.Arch.InPlaceAddend {
			b.putWord(sec.Data[sym.Offset:], uint64(addend))
		}
		if b.p.Arch.InPlaceAddend {
			addend = 0
		}
		sec.Relocs = append(sec.Relocs, elfw.Reloc{Offset: sym.Offset, Symbol: target,
			Type: b.p.Arch.PointerReloc, Addend: addend})
	case sym.Func != nil:
		for _, r := range sym.Func.Relocs {
			target, addend := b.target(sym.Func.AddressOf, r.Addend)
			sec.Relocs = append(sec.Relocs, elfw.Reloc{Offset: sym.Offset + r.Offset, Symbol: target,
				Type: r.Type, Addend: addend})
		}
	}
}

// target returns the symbol a relocation refers to and its addend. Like GNU
// as, a local symbol is referred to through its section's symbol.
func (b *objectBuilder) target(name string, offset int64) (int, int64) {
	if d, ok := b.defined[name]; ok && d.sym.Bind == elf.STB_LOCAL {
		return b.sectionSymbol(d.section), int64(d.sym.Offset) + offset
	}
	if idx, ok := b.symIndex[name]; ok {
		return idx, offset
	}
	idx := b.addSymbol(elfw.Symbol{Name: name, Section: elfw.Undefined, Bind: elf.STB_GLOBAL, Type: elf.STT_NOTYPE})
	b.symIndex[name] = idx
	return idx, offset
}

func (b *objectBuilder) sectionSymbol(i int) int {
	if idx, ok := b.secSym[i]; ok {
		return idx
	}
	idx := b.addSymbol(elfw.Symbol{Section: i, Bind: elf.STB_LOCAL, Type: elf.STT_SECTION})
	b.secSym[i] = idx
	return idx
}

// putWord stores a pointer-sized value in the target's byte order.
func (b *objectBuilder) putWord(dst []byte, v uint64) {
	o := b.p.Arch.Endian.ByteOrder()
	if b.p.Arch.PointerSize() == 8 {
		o.PutUint64(dst, v)
	} else {
		o.PutUint32(dst, uint32(v))
	}
}

func fill(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}
