// Package elfw writes ELF relocatable objects byte by byte.
//
// It follows the shape of the Rust object crate's writer: the caller describes
// the whole file (sections, symbols, relocations), Plan reserves a file range
// for every piece, and Write emits the bytes in one pass. Nothing here knows
// about scenarios or targets; it encodes what it is given.
package elfw

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"sort"
)

// File describes one relocatable object.
type File struct {
	Class   elf.Class
	Order   binary.ByteOrder
	Machine elf.Machine
	Flags   uint32
	OSABI   elf.OSABI
	// RELA selects SHT_RELA relocation sections; otherwise SHT_REL, with the
	// addend stored in the section contents by the caller.
	RELA bool
	// MIPS64 selects the MIPS n64 r_info layout (32-bit symbol, then four
	// one-byte type fields, the primary type last).
	MIPS64 bool
	// Sections in the order they get section header indexes, starting at 1.
	Sections []*Section
	// Symbols other than the null symbol. Locals are written first, keeping
	// their relative order; relocations refer to symbols by index here.
	Symbols []Symbol
}

// Section is one section with its contents.
type Section struct {
	Name    string
	Type    elf.SectionType
	Flags   elf.SectionFlag
	Align   uint64
	EntSize uint64
	Link    uint32
	Info    uint32
	// Data holds the contents; for SHT_NOBITS it is nil and Size is used.
	Data []byte
	Size uint64
	// Relocs are written to a .rel or .rela section that applies to this one.
	Relocs []Reloc
}

// Symbol is one symbol table entry.
type Symbol struct {
	Name string
	// Section is the index of the defining section in File.Sections, or one
	// of the special values Undefined or Absolute.
	Section int
	Value   uint64
	Size    uint64
	Bind    elf.SymBind
	Type    elf.SymType
	Other   uint8
}

// Special values of Symbol.Section.
const (
	Undefined = -1
	Absolute  = -2
)

// Reloc is one relocation entry.
type Reloc struct {
	Offset uint64
	Symbol int // index into File.Symbols
	Type   uint32
	Addend int64 // ignored for REL files
}

// Size returns the section's size in memory.
func (s *Section) size() uint64 {
	if s.Type == elf.SHT_NOBITS {
		return s.Size
	}
	return uint64(len(s.Data))
}

// layout is the plan: where every piece of the file goes.
type layout struct {
	is64                     bool
	ehsize, shentsize        uint64
	symentsize, relentsize   uint64
	sections                 []*Section // every section after the null one, in index order
	offsets                  []uint64   // file offset of sections[i]
	symOrder                 []int      // File.Symbols index in output order
	symIndex                 []uint32   // File.Symbols index -> output index
	firstGlobal              uint32
	shstrtab, strtab, symtab *Section
	names                    []uint32 // offset of each section's name in .shstrtab
	shoff                    uint64
	end                      uint64
}

// Bytes plans the file and writes it. It fails when a symbol or relocation
// refers to something that does not exist.
func (f *File) Bytes() ([]byte, error) {
	l, err := f.plan()
	if err != nil {
		return nil, err
	}
	return f.write(l), nil
}

func (f *File) plan() (*layout, error) {
	l := &layout{is64: f.Class == elf.ELFCLASS64}
	if l.is64 {
		l.ehsize, l.shentsize, l.symentsize = 64, 64, 24
		l.relentsize = 16
		if f.RELA {
			l.relentsize = 24
		}
	} else {
		l.ehsize, l.shentsize, l.symentsize = 52, 40, 16
		l.relentsize = 8
		if f.RELA {
			l.relentsize = 12
		}
	}
	if err := f.orderSymbols(l); err != nil {
		return nil, err
	}
	l.sections = append(l.sections, f.Sections...)
	relocSections, err := f.relocSections(l)
	if err != nil {
		return nil, err
	}
	l.sections = append(l.sections, relocSections...)
	l.symtab = &Section{Name: ".symtab", Type: elf.SHT_SYMTAB, Align: map[bool]uint64{true: 8, false: 4}[l.is64], EntSize: l.symentsize}
	l.strtab = &Section{Name: ".strtab", Type: elf.SHT_STRTAB, Align: 1}
	l.shstrtab = &Section{Name: ".shstrtab", Type: elf.SHT_STRTAB, Align: 1}
	l.sections = append(l.sections, l.symtab, l.strtab, l.shstrtab)
	symtabIndex := uint32(len(l.sections) - 2)
	for _, rs := range relocSections {
		rs.Link = symtabIndex
	}
	l.symtab.Link = symtabIndex + 1
	l.symtab.Info = l.firstGlobal
	f.fillSymtab(l)
	names := newStrtab()
	l.names = make([]uint32, len(l.sections))
	for i, s := range l.sections {
		l.names[i] = names.add(s.Name)
	}
	l.shstrtab.Data = names.bytes()
	f.reserve(l)
	return l, nil
}

// orderSymbols puts locals before globals, as the ELF spec requires.
func (f *File) orderSymbols(l *layout) error {
	l.symIndex = make([]uint32, len(f.Symbols))
	var globals []int
	for i, s := range f.Symbols {
		if s.Section >= len(f.Sections) || s.Section < Absolute {
			return fmt.Errorf("elfw: symbol %q: no section %d", s.Name, s.Section)
		}
		if s.Bind == elf.STB_LOCAL {
			l.symOrder = append(l.symOrder, i)
		} else {
			globals = append(globals, i)
		}
	}
	l.firstGlobal = uint32(len(l.symOrder) + 1)
	l.symOrder = append(l.symOrder, globals...)
	for out, in := range l.symOrder {
		l.symIndex[in] = uint32(out + 1)
	}
	return nil
}

// relocSections makes one .rel/.rela section per section with relocations.
func (f *File) relocSections(l *layout) ([]*Section, error) {
	var out []*Section
	for i, s := range f.Sections {
		if len(s.Relocs) == 0 {
			continue
		}
		rs := &Section{Type: elf.SHT_REL, Name: ".rel" + s.Name, Flags: elf.SHF_INFO_LINK,
			Align: map[bool]uint64{true: 8, false: 4}[l.is64], EntSize: l.relentsize, Info: uint32(i + 1)}
		if f.RELA {
			rs.Type, rs.Name = elf.SHT_RELA, ".rela"+s.Name
		}
		relocs := append([]Reloc(nil), s.Relocs...)
		sort.SliceStable(relocs, func(a, b int) bool { return relocs[a].Offset < relocs[b].Offset })
		for _, r := range relocs {
			if r.Symbol < 0 || r.Symbol >= len(f.Symbols) {
				return nil, fmt.Errorf("elfw: relocation in %s at %#x: no symbol %d", s.Name, r.Offset, r.Symbol)
			}
			rs.Data = append(rs.Data, f.encodeReloc(l, r)...)
		}
		out = append(out, rs)
	}
	return out, nil
}

func (f *File) encodeReloc(l *layout, r Reloc) []byte {
	sym := l.symIndex[r.Symbol]
	b := make([]byte, l.relentsize)
	o := f.Order
	switch {
	case l.is64 && f.MIPS64:
		o.PutUint64(b, r.Offset)
		o.PutUint32(b[8:], sym)
		b[15] = byte(r.Type) // r_ssym, r_type3, r_type2 stay zero
	case l.is64:
		o.PutUint64(b, r.Offset)
		o.PutUint64(b[8:], uint64(sym)<<32|uint64(r.Type))
	default:
		o.PutUint32(b, uint32(r.Offset))
		o.PutUint32(b[4:], sym<<8|r.Type&0xff)
	}
	if f.RELA {
		if l.is64 {
			o.PutUint64(b[16:], uint64(r.Addend))
		} else {
			o.PutUint32(b[8:], uint32(r.Addend))
		}
	}
	return b
}

// fillSymtab encodes the symbol table and its string table.
func (f *File) fillSymtab(l *layout) {
	o := f.Order
	strs := newStrtab()
	l.symtab.Data = make([]byte, l.symentsize*uint64(len(l.symOrder)+1)) // entry 0 is the null symbol
	for n, i := range l.symOrder {
		s := f.Symbols[i]
		name := uint32(0)
		if s.Name != "" && s.Type != elf.STT_SECTION {
			name = strs.add(s.Name)
		}
		shndx := uint16(s.Section + 1)
		switch s.Section {
		case Undefined:
			shndx = uint16(elf.SHN_UNDEF)
		case Absolute:
			shndx = uint16(elf.SHN_ABS)
		}
		info := byte(s.Bind)<<4 | byte(s.Type)&0xf
		sym := l.symtab.Data[l.symentsize*uint64(n+1):]
		if l.is64 {
			o.PutUint32(sym, name)
			sym[4], sym[5] = info, s.Other
			o.PutUint16(sym[6:], shndx)
			o.PutUint64(sym[8:], s.Value)
			o.PutUint64(sym[16:], s.Size)
		} else {
			o.PutUint32(sym, name)
			o.PutUint32(sym[4:], uint32(s.Value))
			o.PutUint32(sym[8:], uint32(s.Size))
			sym[12], sym[13] = info, s.Other
			o.PutUint16(sym[14:], shndx)
		}
	}
	l.strtab.Data = strs.bytes()
}

// reserve gives every section a file offset, then the section header table.
func (f *File) reserve(l *layout) {
	off := l.ehsize
	l.offsets = make([]uint64, len(l.sections))
	for i, s := range l.sections {
		off = alignUp(off, max(s.Align, 1))
		l.offsets[i] = off
		if s.Type != elf.SHT_NOBITS {
			off += uint64(len(s.Data))
		}
	}
	l.shoff = alignUp(off, map[bool]uint64{true: 8, false: 4}[l.is64])
	l.end = l.shoff + l.shentsize*uint64(len(l.sections)+1)
}

// write emits the planned file in one pass.
func (f *File) write(l *layout) []byte {
	out := make([]byte, l.end)
	f.writeHeader(l, out)
	for i, s := range l.sections {
		if s.Type != elf.SHT_NOBITS {
			copy(out[l.offsets[i]:], s.Data)
		}
	}
	for i, s := range l.sections {
		f.writeSectionHeader(l, out[l.shoff+l.shentsize*uint64(i+1):], s, l.names[i], l.offsets[i])
	}
	return out
}

func (f *File) writeHeader(l *layout, b []byte) {
	o := f.Order
	copy(b, elf.ELFMAG)
	b[elf.EI_CLASS] = byte(f.Class)
	b[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	if o == binary.BigEndian {
		b[elf.EI_DATA] = byte(elf.ELFDATA2MSB)
	}
	b[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	b[elf.EI_OSABI] = byte(f.OSABI)
	o.PutUint16(b[16:], uint16(elf.ET_REL))
	o.PutUint16(b[18:], uint16(f.Machine))
	o.PutUint32(b[20:], uint32(elf.EV_CURRENT))
	shnum := uint16(len(l.sections) + 1)
	shstrndx := uint16(len(l.sections))
	if l.is64 {
		// e_entry and e_phoff stay zero.
		o.PutUint64(b[40:], l.shoff)
		o.PutUint32(b[48:], f.Flags)
		o.PutUint16(b[52:], uint16(l.ehsize))
		o.PutUint16(b[58:], uint16(l.shentsize))
		o.PutUint16(b[60:], shnum)
		o.PutUint16(b[62:], shstrndx)
	} else {
		o.PutUint32(b[32:], uint32(l.shoff))
		o.PutUint32(b[36:], f.Flags)
		o.PutUint16(b[40:], uint16(l.ehsize))
		o.PutUint16(b[46:], uint16(l.shentsize))
		o.PutUint16(b[48:], shnum)
		o.PutUint16(b[50:], shstrndx)
	}
}

func (f *File) writeSectionHeader(l *layout, b []byte, s *Section, name uint32, off uint64) {
	o := f.Order
	if l.is64 {
		o.PutUint32(b, name)
		o.PutUint32(b[4:], uint32(s.Type))
		o.PutUint64(b[8:], uint64(s.Flags))
		o.PutUint64(b[24:], off)
		o.PutUint64(b[32:], s.size())
		o.PutUint32(b[40:], s.Link)
		o.PutUint32(b[44:], s.Info)
		o.PutUint64(b[48:], s.Align)
		o.PutUint64(b[56:], s.EntSize)
	} else {
		o.PutUint32(b, name)
		o.PutUint32(b[4:], uint32(s.Type))
		o.PutUint32(b[8:], uint32(s.Flags))
		o.PutUint32(b[16:], uint32(off))
		o.PutUint32(b[20:], uint32(s.size()))
		o.PutUint32(b[24:], s.Link)
		o.PutUint32(b[28:], s.Info)
		o.PutUint32(b[32:], uint32(s.Align))
		o.PutUint32(b[36:], uint32(s.EntSize))
	}
}

// strtab builds a string table. Like GNU as, it does not share strings:
// the names of one object are few and almost all different.
type strtab struct{ data []byte }

func newStrtab() *strtab { return &strtab{data: append(make([]byte, 0, 256), 0)} }

func (t *strtab) add(s string) uint32 {
	off := uint32(len(t.data))
	t.data = append(append(t.data, s...), 0)
	return off
}

func (t *strtab) bytes() []byte { return t.data }

func alignUp(v, a uint64) uint64 { return (v + a - 1) &^ (a - 1) }
