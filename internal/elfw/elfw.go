// Package elfw writes ELF relocatable objects.
//
// It follows the shape of the Rust object crate's writer: the caller describes
// the whole file (sections, symbols, relocations), the plan reserves a section
// index, a name and a file range for every piece, and the write emits the
// bytes in one pass, in file order, checking that each piece lands where it
// was reserved. Headers, symbols and relocations are debug/elf's types
// (elf.Header64, elf.Section64, elf.Sym64, elf.Rela64 and their 32-bit
// forms) encoded with encoding/binary. Nothing here knows about scenarios or
// targets; it encodes what it is given.
//
// A file of SHN_LORESERVE (0xff00) sections or more uses ELF extended
// section numbering, as GNU as does: e_shnum is 0 and section 0's sh_size
// holds the count; e_shstrndx is SHN_XINDEX and section 0's sh_link holds
// the index of .shstrtab; a symbol in a section whose index does not fit
// st_shndx has SHN_XINDEX there and its index in .symtab_shndx
// (SHT_SYMTAB_SHNDX), which GNU as writes after .symtab.
package elfw

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
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

// size returns the section's size in memory.
func (s *Section) size() uint64 {
	if s.Type == elf.SHT_NOBITS {
		return s.Size
	}
	return uint64(len(s.Data))
}

// Bytes plans the file and writes it. It fails when a symbol or relocation
// refers to something that does not exist.
func (f *File) Bytes() ([]byte, error) {
	w, err := f.plan()
	if err != nil {
		return nil, err
	}
	return w.write()
}

// kind says what a section of the output holds and so how it is written.
type kind uint8

const (
	kindUser     kind = iota // one of File.Sections: its Data
	kindReloc                // the relocations of one of File.Sections
	kindSymtab               // .symtab
	kindShndx                // .symtab_shndx
	kindStrtab               // .strtab
	kindShstrtab             // .shstrtab
)

// outSection is one section of the output with its header as planned.
type outSection struct {
	kind kind
	// user is the File.Sections index of a kindUser section, or of the
	// section a kindReloc section applies to.
	user int
	hdr  elf.Section64 // the 64-bit form; 32-bit files narrow it
}

// writer is the plan of one file and then its writing. The plan's steps run
// in the order plan calls them; each says what it needs done before it.
type writer struct {
	f    *File
	o    binary.ByteOrder
	is64 bool
	// Entry sizes and the alignment of tables of addresses (8 or 4).
	ehsize, shentsize, symentsize, relentsize, wordAlign uint64

	// sections is the section header table: index 0 is the null section.
	sections                 []outSection
	symtab, strtab, shstrtab uint32 // the tables' section indexes

	symOrder    []int    // File.Symbols index in output order
	symIndex    []uint32 // File.Symbols index -> output index
	symNames    []uint32 // output index - 1 -> offset in .strtab
	firstGlobal uint32
	// needShndx is true when a symbol's section index does not fit
	// st_shndx, so the file needs .symtab_shndx.
	needShndx bool
	relocs    [][]Reloc // per File.Sections index: its relocations by offset

	strs, shstrs strtab
	shoff, end   uint64
}

// plan reserves everything: symbol and section indexes, names, file ranges.
func (f *File) plan() (*writer, error) {
	w := &writer{f: f, o: f.Order, is64: f.Class == elf.ELFCLASS64}
	w.reserveFileHeader()
	if err := w.reserveSymbols(); err != nil {
		return nil, err
	}
	if err := w.reserveSections(); err != nil {
		return nil, err
	}
	w.reserveSectionNames()
	w.reserveSectionData()
	w.reserveSectionHeaders()
	if err := w.checkFits(); err != nil {
		return nil, err
	}
	return w, nil
}

// reserveFileHeader sets the entry sizes of the class and reserves the ELF
// header at offset 0. It comes first.
func (w *writer) reserveFileHeader() {
	if w.is64 {
		w.ehsize, w.shentsize, w.symentsize, w.relentsize, w.wordAlign = 64, 64, 24, 16, 8
		if w.f.RELA {
			w.relentsize = 24
		}
	} else {
		w.ehsize, w.shentsize, w.symentsize, w.relentsize, w.wordAlign = 52, 40, 16, 8, 4
		if w.f.RELA {
			w.relentsize = 12
		}
	}
	w.end = w.ehsize
}

// reserveSymbols gives every symbol its output index, locals first as the
// ELF spec requires, and its name in .strtab, in output order. Like GNU as,
// .strtab does not share strings: the names of one object are few and
// almost all different.
func (w *writer) reserveSymbols() error {
	f := w.f
	w.symIndex = make([]uint32, len(f.Symbols))
	w.symOrder = make([]int, 0, len(f.Symbols))
	for i, s := range f.Symbols {
		if s.Section >= len(f.Sections) || s.Section < Absolute {
			return fmt.Errorf("elfw: symbol %q: no section %d", s.Name, s.Section)
		}
		if s.Section+1 >= int(elf.SHN_LORESERVE) {
			w.needShndx = true
		}
		if s.Bind == elf.STB_LOCAL {
			w.symOrder = append(w.symOrder, i)
		}
	}
	w.firstGlobal = uint32(len(w.symOrder) + 1)
	for i, s := range f.Symbols {
		if s.Bind != elf.STB_LOCAL {
			w.symOrder = append(w.symOrder, i)
		}
	}
	w.strs.init(0)
	w.symNames = make([]uint32, len(w.symOrder))
	for out, in := range w.symOrder {
		w.symIndex[in] = uint32(out + 1)
		if s := &f.Symbols[in]; s.Name != "" && s.Type != elf.STT_SECTION {
			w.symNames[out] = w.strs.add(s.Name)
		}
	}
	return nil
}

// reserveSections gives every section its index: the File's sections from
// 1, then one .rel or .rela section for each that has relocations, then
// .symtab, .symtab_shndx when a symbol needs it, .strtab and .shstrtab. It
// checks each relocation's symbol, so it needs the symbols reserved.
func (w *writer) reserveSections() error {
	f := w.f
	w.sections = make([]outSection, 1, 1+len(f.Sections)+len(f.Sections)/2+3)
	for i, s := range f.Sections {
		w.sections = append(w.sections, outSection{kind: kindUser, user: i, hdr: elf.Section64{
			Type: uint32(s.Type), Flags: uint64(s.Flags), Size: s.size(), Link: s.Link, Info: s.Info,
			Addralign: s.Align, Entsize: s.EntSize}})
	}
	relType := elf.SHT_REL
	if f.RELA {
		relType = elf.SHT_RELA
	}
	w.relocs = make([][]Reloc, len(f.Sections))
	for i, s := range f.Sections {
		if len(s.Relocs) == 0 {
			continue
		}
		relocs := s.Relocs
		if !slices.IsSortedFunc(relocs, byOffset) {
			relocs = slices.Clone(relocs)
			slices.SortStableFunc(relocs, byOffset)
		}
		for _, r := range relocs {
			if r.Symbol < 0 || r.Symbol >= len(f.Symbols) {
				return fmt.Errorf("elfw: relocation in %s at %#x: no symbol %d", s.Name, r.Offset, r.Symbol)
			}
		}
		w.relocs[i] = relocs
		w.sections = append(w.sections, outSection{kind: kindReloc, user: i, hdr: elf.Section64{
			Type: uint32(relType), Flags: uint64(elf.SHF_INFO_LINK), Size: w.relentsize * uint64(len(relocs)),
			Info: uint32(i + 1), Addralign: w.wordAlign, Entsize: w.relentsize}})
	}
	if len(w.sections) > math.MaxUint32-4 {
		return fmt.Errorf("elfw: %d sections do not fit 32-bit section indexes", len(w.sections))
	}
	w.symtab = uint32(len(w.sections))
	w.strtab = w.symtab + 1
	if w.needShndx {
		w.strtab++ // .symtab_shndx comes between
	}
	w.shstrtab = w.strtab + 1
	for i := range w.sections {
		if w.sections[i].kind == kindReloc {
			w.sections[i].hdr.Link = w.symtab
		}
	}
	nsyms := uint64(len(w.symOrder) + 1) // with the null symbol
	w.sections = append(w.sections, outSection{kind: kindSymtab, hdr: elf.Section64{Type: uint32(elf.SHT_SYMTAB),
		Size: w.symentsize * nsyms, Link: w.strtab, Info: w.firstGlobal, Addralign: w.wordAlign, Entsize: w.symentsize}})
	if w.needShndx {
		w.sections = append(w.sections, outSection{kind: kindShndx, hdr: elf.Section64{
			Type: uint32(elf.SHT_SYMTAB_SHNDX), Size: 4 * nsyms, Link: w.symtab, Addralign: 4, Entsize: 4}})
	}
	w.sections = append(w.sections,
		outSection{kind: kindStrtab, hdr: elf.Section64{Type: uint32(elf.SHT_STRTAB),
			Size: uint64(len(w.strs.data)), Addralign: 1}},
		outSection{kind: kindShstrtab, hdr: elf.Section64{Type: uint32(elf.SHT_STRTAB), Addralign: 1}},
	)
	// Extended numbering: the real count and .shstrtab's index go in
	// section 0 when the header's 16-bit fields cannot hold them.
	if len(w.sections) >= int(elf.SHN_LORESERVE) {
		w.sections[0].hdr.Size = uint64(len(w.sections))
	}
	if w.shstrtab >= uint32(elf.SHN_LORESERVE) {
		w.sections[0].hdr.Link = w.shstrtab
	}
	return nil
}

func byOffset(a, b Reloc) int {
	switch {
	case a.Offset < b.Offset:
		return -1
	case a.Offset > b.Offset:
		return 1
	}
	return 0
}

// reserveSectionNames puts every section's name in .shstrtab, in index
// order, and so fixes .shstrtab's size. It needs every section reserved.
func (w *writer) reserveSectionNames() {
	w.shstrs.init(16 * len(w.sections))
	for i := 1; i < len(w.sections); i++ {
		s := &w.sections[i]
		switch s.kind {
		case kindUser:
			s.hdr.Name = w.shstrs.add(w.f.Sections[s.user].Name)
		case kindReloc:
			prefix := ".rel"
			if w.f.RELA {
				prefix = ".rela"
			}
			s.hdr.Name = w.shstrs.add2(prefix, w.f.Sections[s.user].Name)
		case kindSymtab:
			s.hdr.Name = w.shstrs.add(".symtab")
		case kindShndx:
			s.hdr.Name = w.shstrs.add(".symtab_shndx")
		case kindStrtab:
			s.hdr.Name = w.shstrs.add(".strtab")
		case kindShstrtab:
			s.hdr.Name = w.shstrs.add(".shstrtab")
		}
	}
	w.sections[w.shstrtab].hdr.Size = uint64(len(w.shstrs.data))
}

// reserveSectionData gives every section's contents a file range, in index
// order, each at its alignment; SHT_NOBITS sections take no room. It needs
// every section's size, so the names reserved.
func (w *writer) reserveSectionData() {
	off := w.end
	for i := 1; i < len(w.sections); i++ {
		h := &w.sections[i].hdr
		off = alignUp(off, max(h.Addralign, 1))
		h.Off = off
		if elf.SectionType(h.Type) != elf.SHT_NOBITS {
			off += h.Size
		}
	}
	w.end = off
}

// reserveSectionHeaders puts the section header table last. It comes after
// every other reservation.
func (w *writer) reserveSectionHeaders() {
	w.shoff = alignUp(w.end, w.wordAlign)
	w.end = w.shoff + w.shentsize*uint64(len(w.sections))
}

// checkFits refuses a file whose offsets, sizes, values or string table
// offsets would not fit the fields the class has for them, rather than
// writing them truncated. It needs every reservation made.
func (w *writer) checkFits() error {
	if len(w.strs.data) > math.MaxUint32 || len(w.shstrs.data) > math.MaxUint32 {
		return fmt.Errorf("elfw: string tables over 4 GiB")
	}
	if w.is64 {
		return nil
	}
	if w.end > math.MaxUint32 {
		return fmt.Errorf("elfw: %d bytes do not fit ELFCLASS32", w.end)
	}
	for _, s := range w.f.Sections {
		if s.size() > math.MaxUint32 || s.Align > math.MaxUint32 || s.EntSize > math.MaxUint32 {
			return fmt.Errorf("elfw: section %s: size %d, alignment %d or entry size %d does not fit ELFCLASS32",
				s.Name, s.size(), s.Align, s.EntSize)
		}
		for _, r := range s.Relocs {
			if r.Offset > math.MaxUint32 || w.f.RELA && r.Addend != int64(int32(r.Addend)) {
				return fmt.Errorf("elfw: relocation in %s at %#x: offset or addend %d does not fit ELFCLASS32",
					s.Name, r.Offset, r.Addend)
			}
		}
	}
	for _, s := range w.f.Symbols {
		if s.Value > math.MaxUint32 || s.Size > math.MaxUint32 {
			return fmt.Errorf("elfw: symbol %q: value %#x or size %d does not fit ELFCLASS32", s.Name, s.Value, s.Size)
		}
	}
	return nil
}

// write emits the planned file in one pass, in file order.
func (w *writer) write() ([]byte, error) {
	// The buffer is zeroed to its capacity: padding is a re-slice.
	buf := make([]byte, 0, w.end)
	buf = w.writeFileHeader(buf)
	for i := 1; i < len(w.sections); i++ {
		s := &w.sections[i]
		if elf.SectionType(s.hdr.Type) == elf.SHT_NOBITS {
			continue
		}
		var err error
		if buf, err = w.pad(buf, s.hdr.Off); err != nil {
			return nil, err
		}
		switch s.kind {
		case kindUser:
			buf = append(buf, w.f.Sections[s.user].Data...)
		case kindReloc:
			buf = w.writeRelocs(buf, s.user)
		case kindSymtab:
			buf = w.writeSymbols(buf)
		case kindShndx:
			buf = w.writeSymbolSectionIndexes(buf)
		case kindStrtab:
			buf = append(buf, w.strs.data...)
		case kindShstrtab:
			buf = append(buf, w.shstrs.data...)
		}
	}
	buf, err := w.pad(buf, w.shoff)
	if err != nil {
		return nil, err
	}
	buf = w.writeSectionHeaders(buf)
	if uint64(len(buf)) != w.end {
		return nil, fmt.Errorf("elfw: internal error: wrote %#x bytes, planned %#x", len(buf), w.end)
	}
	return buf, nil
}

// pad extends buf with zeros to offset off, where the next piece was
// reserved; writing past that offset already is a bug in the plan.
func (w *writer) pad(buf []byte, off uint64) ([]byte, error) {
	if uint64(len(buf)) > off || off > uint64(cap(buf)) {
		return nil, fmt.Errorf("elfw: internal error: at %#x, next piece reserved at %#x", len(buf), off)
	}
	return buf[:off], nil
}

// writeFileHeader writes the ELF header; it comes first.
func (w *writer) writeFileHeader(buf []byte) []byte {
	var ident [elf.EI_NIDENT]byte
	copy(ident[:], elf.ELFMAG)
	ident[elf.EI_CLASS] = byte(w.f.Class)
	ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	if w.o == binary.BigEndian {
		ident[elf.EI_DATA] = byte(elf.ELFDATA2MSB)
	}
	ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	ident[elf.EI_OSABI] = byte(w.f.OSABI)
	// With extended numbering, section 0 holds what does not fit here
	// (reserveSections).
	shnum, shstrndx := uint16(len(w.sections)), uint16(w.shstrtab)
	if len(w.sections) >= int(elf.SHN_LORESERVE) {
		shnum = 0
	}
	if w.shstrtab >= uint32(elf.SHN_LORESERVE) {
		shstrndx = uint16(elf.SHN_XINDEX)
	}
	if w.is64 {
		return appendBinary(buf, w.o, &elf.Header64{Ident: ident, Type: uint16(elf.ET_REL), Machine: uint16(w.f.Machine),
			Version: uint32(elf.EV_CURRENT), Shoff: w.shoff, Flags: w.f.Flags, Ehsize: uint16(w.ehsize),
			Shentsize: uint16(w.shentsize), Shnum: shnum, Shstrndx: shstrndx})
	}
	return appendBinary(buf, w.o, &elf.Header32{Ident: ident, Type: uint16(elf.ET_REL), Machine: uint16(w.f.Machine),
		Version: uint32(elf.EV_CURRENT), Shoff: uint32(w.shoff), Flags: w.f.Flags, Ehsize: uint16(w.ehsize),
		Shentsize: uint16(w.shentsize), Shnum: shnum, Shstrndx: shstrndx})
}

// writeRelocs writes the relocations of File.Sections[i], at the range
// reserveSectionData gave its .rel or .rela section.
func (w *writer) writeRelocs(buf []byte, i int) []byte {
	relocs := w.relocs[i]
	switch {
	case w.is64 && w.f.RELA:
		out := make([]elf.Rela64, len(relocs))
		for j, r := range relocs {
			out[j] = elf.Rela64{Off: r.Offset, Info: w.info64(r), Addend: r.Addend}
		}
		return appendBinary(buf, w.o, out)
	case w.is64:
		out := make([]elf.Rel64, len(relocs))
		for j, r := range relocs {
			out[j] = elf.Rel64{Off: r.Offset, Info: w.info64(r)}
		}
		return appendBinary(buf, w.o, out)
	case w.f.RELA:
		out := make([]elf.Rela32, len(relocs))
		for j, r := range relocs {
			out[j] = elf.Rela32{Off: uint32(r.Offset), Info: w.info32(r), Addend: int32(r.Addend)}
		}
		return appendBinary(buf, w.o, out)
	}
	out := make([]elf.Rel32, len(relocs))
	for j, r := range relocs {
		out[j] = elf.Rel32{Off: uint32(r.Offset), Info: w.info32(r)}
	}
	return appendBinary(buf, w.o, out)
}

// info64 is a 64-bit r_info. MIPS n64 stores r_sym as a 32-bit word, then
// one byte each of r_ssym, r_type3, r_type2 and r_type (the primary type,
// last); as one uint64 in the file's byte order that is r_sym in the first
// four bytes and r_type in the last (r_ssym, r_type3, r_type2 stay zero).
func (w *writer) info64(r Reloc) uint64 {
	sym := uint64(w.symIndex[r.Symbol])
	if !w.f.MIPS64 {
		return elf.R_INFO(uint32(sym), r.Type)
	}
	if w.o == binary.BigEndian {
		return sym<<32 | uint64(byte(r.Type))
	}
	return sym | uint64(byte(r.Type))<<56
}

func (w *writer) info32(r Reloc) uint32 { return elf.R_INFO32(w.symIndex[r.Symbol], r.Type&0xff) }

// writeSymbols writes .symtab: the null symbol, then every symbol in the
// order reserveSymbols gave them.
func (w *writer) writeSymbols(buf []byte) []byte {
	f := w.f
	if w.is64 {
		out := make([]elf.Sym64, len(w.symOrder)+1)
		for n, i := range w.symOrder {
			s := &f.Symbols[i]
			out[n+1] = elf.Sym64{Name: w.symNames[n], Info: elf.ST_INFO(s.Bind, s.Type), Other: s.Other,
				Shndx: w.symShndx(s), Value: s.Value, Size: s.Size}
		}
		return appendBinary(buf, w.o, out)
	}
	out := make([]elf.Sym32, len(w.symOrder)+1)
	for n, i := range w.symOrder {
		s := &f.Symbols[i]
		out[n+1] = elf.Sym32{Name: w.symNames[n], Info: elf.ST_INFO(s.Bind, s.Type), Other: s.Other,
			Shndx: w.symShndx(s), Value: uint32(s.Value), Size: uint32(s.Size)}
	}
	return appendBinary(buf, w.o, out)
}

// symShndx is a symbol's st_shndx: SHN_XINDEX when its section's index does
// not fit, which .symtab_shndx then holds.
func (w *writer) symShndx(s *Symbol) uint16 {
	switch {
	case s.Section == Undefined:
		return uint16(elf.SHN_UNDEF)
	case s.Section == Absolute:
		return uint16(elf.SHN_ABS)
	case s.Section+1 >= int(elf.SHN_LORESERVE):
		return uint16(elf.SHN_XINDEX)
	}
	return uint16(s.Section + 1)
}

// writeSymbolSectionIndexes writes .symtab_shndx: one word per symbol of
// .symtab, the section index of those whose st_shndx is SHN_XINDEX and 0
// for the others, as GNU as writes it.
func (w *writer) writeSymbolSectionIndexes(buf []byte) []byte {
	out := make([]uint32, len(w.symOrder)+1)
	for n, i := range w.symOrder {
		if s := &w.f.Symbols[i]; s.Section+1 >= int(elf.SHN_LORESERVE) {
			out[n+1] = uint32(s.Section + 1)
		}
	}
	return appendBinary(buf, w.o, out)
}

// writeSectionHeaders writes the section header table; it comes last.
func (w *writer) writeSectionHeaders(buf []byte) []byte {
	if w.is64 {
		out := make([]elf.Section64, len(w.sections))
		for i := range w.sections {
			out[i] = w.sections[i].hdr
		}
		return appendBinary(buf, w.o, out)
	}
	out := make([]elf.Section32, len(w.sections))
	for i := range w.sections {
		h := &w.sections[i].hdr
		out[i] = elf.Section32{Name: h.Name, Type: h.Type, Flags: uint32(h.Flags), Off: uint32(h.Off),
			Size: uint32(h.Size), Link: h.Link, Info: h.Info, Addralign: uint32(h.Addralign), Entsize: uint32(h.Entsize)}
	}
	return appendBinary(buf, w.o, out)
}

// appendBinary appends v encoded with encoding/binary. v is one of
// debug/elf's fixed-size types or a slice of them, which cannot fail to
// encode.
func appendBinary(buf []byte, o binary.ByteOrder, v any) []byte {
	out, err := binary.Append(buf, o, v)
	if err != nil {
		panic(fmt.Sprintf("elfw: encoding %T: %v", v, err))
	}
	return out
}

// strtab builds a string table.
type strtab struct{ data []byte }

// init starts the table with its leading empty string, with room for about
// size bytes.
func (t *strtab) init(size int) { t.data = append(make([]byte, 0, max(size, 256)), 0) }

func (t *strtab) add(s string) uint32 {
	off := uint32(len(t.data))
	t.data = append(append(t.data, s...), 0)
	return off
}

// add2 adds the concatenation of a and b.
func (t *strtab) add2(a, b string) uint32 {
	off := uint32(len(t.data))
	t.data = append(append(append(t.data, a...), b...), 0)
	return off
}

func alignUp(v, a uint64) uint64 { return (v + a - 1) &^ (a - 1) }
