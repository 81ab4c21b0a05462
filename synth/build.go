package synth

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/asmcode"
)

// Plan is a scenario resolved for one target and page size: every section's
// alignment and size and every symbol's offset, as GNU as would lay them out.
type Plan struct {
	Name     string
	Arch     *arches.Arch
	PageSize uint64
	Units    []*PlannedUnit
	file     string
	// total is the sum of the symbols' sizes and alignments so far, as
	// Validate adds them up but with this plan's page size.
	total uint64
}

// PlannedUnit is one object file.
type PlannedUnit struct {
	Name string
	// Sections in the order the object has them: the target's default
	// sections with user sections merged in, then .note.GNU-stack.
	Sections []*PlannedSection
	// defaults is how many default sections lead Sections while placing.
	defaults int
}

// PlannedSection is one section of an object with its final geometry.
type PlannedSection struct {
	Name  string
	Type  elf.SectionType
	Flags elf.SectionFlag
	Align uint64
	// Size includes any tail padding the target's assembler adds.
	Size    uint64
	EntSize uint64
	// Data holds the fixed contents of a target's default section.
	Data []byte
	// Trailing marks a default section GNU as writes after user sections.
	Trailing bool
	// User is true for sections the scenario declares.
	User    bool
	Symbols []*PlannedSymbol
}

// PlannedSymbol is a symbol at its offset in its section.
type PlannedSymbol struct {
	Name   string
	Offset uint64
	Size   uint64
	Align  uint64
	Bind   elf.SymBind
	Type   elf.SymType
	Fill   byte
	// PointsTo makes the symbol a pointer word with the target's data
	// relocation.
	PointsTo *Ref
	// Func is the generated code of a `code:` symbol.
	Func *Func
}

// Func is generated machine code and the relocations it needs.
type Func struct {
	Code   []byte
	Relocs []FuncReloc
	// AddressOf is the symbol whose address the function returns.
	AddressOf string
	// Asm is the function as GNU as source lines.
	Asm string
	// Align is the alignment the function needs.
	Align uint64
}

// FuncReloc is a relocation inside generated code against AddressOf.
type FuncReloc struct {
	Offset uint64
	Type   uint32
	Addend int64
}

// maxSize bounds every size and alignment: 1 GiB.
const maxSize = 1 << 30

// Build checks s and resolves it for target a. pageSize overrides the scenario's page size
// when non-zero; with neither, the target's default kernel page size is used.
func Build(s *Scenario, a *arches.Arch, pageSize uint64) (*Plan, error) {
	// Parse has validated a scenario from a file; one built in Go gets the
	// same checks here.
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if pageSize == 0 {
		pageSize = s.PageSize
	}
	if pageSize == 0 {
		pageSize = a.DefaultPageSize()
	}
	if pageSize&(pageSize-1) != 0 {
		return nil, &Error{File: s.File, Field: "page_size", Msg: fmt.Sprintf("%d is not a power of two", pageSize)}
	}
	p := &Plan{Name: s.Name, Arch: a, PageSize: pageSize, file: s.File}
	for ui, u := range s.Units {
		pu, err := p.buildUnit(ui, &u)
		if err != nil {
			return nil, err
		}
		p.Units = append(p.Units, pu)
	}
	if err := p.checkReferences(s); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Plan) errorf(pos Pos, field, format string, args ...any) error {
	return &Error{File: p.file, Pos: pos, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// buildUnit merges the target's default sections with the unit's own.
func (p *Plan) buildUnit(ui int, u *Unit) (*PlannedUnit, error) {
	pu := &PlannedUnit{Name: u.Name, defaults: len(p.Arch.DefaultSections)}
	pu.Sections = make([]*PlannedSection, 0, pu.defaults+len(u.Sections)+1)
	for _, d := range p.Arch.DefaultSections {
		pu.Sections = append(pu.Sections, &PlannedSection{
			Name: d.Name, Type: d.Type, Flags: d.Flags, Align: d.Align, EntSize: d.EntSize,
			Data: d.Data, Size: uint64(len(d.Data)), Trailing: d.Trailing,
		})
	}
	for si, sec := range u.Sections {
		field := index(index("units", ui)+".sections", si)
		ps, err := p.buildSection(field, &sec)
		if err != nil {
			return nil, err
		}
		pu.place(ps)
	}
	pu.place(&PlannedSection{Name: ".note.GNU-stack", Type: elf.SHT_PROGBITS, Align: 1, User: true})
	pu.moveTrailing()
	p.finish(pu)
	return pu, nil
}

// finish rounds user sections' sizes the way the target's assembler does,
// now that each has its final alignment.
func (p *Plan) finish(pu *PlannedUnit) {
	for _, s := range pu.Sections {
		if s.User {
			s.Size = p.Arch.RoundSectionSize(s.Size, s.Align)
		}
	}
}

// place puts a user section where GNU as would: in place of a default
// section of the same name, else after the sections so far. Only the first
// pu.defaults sections can be default ones, so placing is linear in the
// number of default sections, not of sections so far.
func (pu *PlannedUnit) place(ps *PlannedSection) {
	for i, old := range pu.Sections[:pu.defaults] {
		if old.Name == ps.Name && !old.User {
			ps.Align = max(ps.Align, old.Align)
			ps.Size = max(ps.Size, old.Size) // a default section is empty
			pu.Sections[i] = ps
			return
		}
	}
	pu.Sections = append(pu.Sections, ps)
}

// moveTrailing moves default sections GNU as writes last to the end.
func (pu *PlannedUnit) moveTrailing() {
	head := make([]*PlannedSection, 0, len(pu.Sections))
	var tail []*PlannedSection
	for _, s := range pu.Sections {
		if s.Trailing {
			tail = append(tail, s)
		} else {
			head = append(head, s)
		}
	}
	pu.Sections = append(head, tail...)
}

func (p *Plan) buildSection(field string, sec *Section) (*PlannedSection, error) {
	ps := &PlannedSection{Name: sec.Name, User: true, Type: elf.SHT_PROGBITS, Align: 1}
	if sectionType(sec) == "nobits" {
		ps.Type = elf.SHT_NOBITS
	}
	ps.Flags = sectionFlags(sec)
	off := uint64(0)
	for yi, sym := range sec.Symbols {
		ys, err := p.buildSymbol(index(field+".symbols", yi), ps, &sym)
		if err != nil {
			return nil, err
		}
		off = alignUp(off, ys.Align)
		ys.Offset = off
		off += ys.Size
		if off > maxSize {
			return nil, p.errorf(sym.Pos, field+".symbols", "section %s grows past 1 GiB", sec.Name)
		}
		ps.Align = max(ps.Align, ys.Align)
		ps.Symbols = append(ps.Symbols, ys)
	}
	if !sec.Align.IsZero() {
		align, err := p.resolve(sec.Align, sec.Pos, field+".align")
		if err != nil {
			return nil, err
		}
		if err := checkAlign(align); err != nil {
			return nil, p.errorf(sec.Pos, field+".align", "%v", err)
		}
		ps.Align = max(ps.Align, align)
	}
	ps.Size = off // rounded once merged with a default section, by finish
	return ps, nil
}

func (p *Plan) buildSymbol(field string, ps *PlannedSection, sym *Symbol) (*PlannedSymbol, error) {
	ys := &PlannedSymbol{Name: sym.Name, Fill: sym.Fill, Bind: symbolBind(sym.Bind), Type: elf.STT_OBJECT,
		PointsTo: sym.PointsTo}
	size, err := p.resolve(sym.Size, sym.Pos, field+".size")
	if err != nil {
		return nil, err
	}
	align, err := p.resolve(sym.Align, sym.Pos, field+".align")
	if err != nil {
		return nil, err
	}
	// Validate bounded the total with the scenario's page size, else the
	// largest of any target; the caller's page size may be larger.
	if p.total += size + align; p.total > maxTotal {
		return nil, p.errorf(sym.Pos, field, "the symbols' sizes and alignments add up to over 2 GiB with page = %d", p.PageSize)
	}
	ys.Size, ys.Align = size, max(align, 1)
	switch {
	case sym.PointsTo != nil:
		ptr := p.Arch.PointerSize()
		if sym.Size.IsZero() {
			ys.Size = ptr
		}
		if ys.Size < ptr {
			return nil, p.errorf(sym.Pos, field+".size", "%d is smaller than a pointer on %s (%d)", ys.Size, p.Arch.Name, ptr)
		}
		if sym.Align.IsZero() {
			ys.Align = ptr
		}
		if ps.Type == elf.SHT_NOBITS {
			return nil, p.errorf(sym.Pos, field+".points_to", "a pointer needs contents; section is nobits")
		}
	case sym.Code != nil:
		fn, err := p.buildCode(field, sym)
		if err != nil {
			return nil, err
		}
		ys.Func, ys.Type = fn, elf.STT_FUNC
		ys.Size = max(ys.Size, uint64(len(fn.Code)))
		if sym.Align.IsZero() {
			ys.Align = fn.Align
		}
	}
	if err := checkAlign(ys.Align); err != nil {
		return nil, p.errorf(sym.Pos, field+".align", "%v", err)
	}
	if ys.Size > maxSize {
		return nil, p.errorf(sym.Pos, field+".size", "%d is over 1 GiB", ys.Size)
	}
	return ys, nil
}

// resolve returns an amount in bytes at the plan's page size, which can be
// larger than the one Validate bounded the amount with: over 1 GiB (or 64
// bits) is an error at field.
func (p *Plan) resolve(a Amount, pos Pos, field string) (uint64, error) {
	n, err := a.Resolve(p.PageSize)
	if err == nil && n <= maxSize {
		return n, nil
	}
	if a.Pages == 0 {
		return 0, p.errorf(pos, field, "%s is over 1 GiB", a)
	}
	return 0, p.errorf(pos, field, "%s with page = %d is over 1 GiB", a, p.PageSize)
}

func (p *Plan) buildCode(field string, sym *Symbol) (*Func, error) {
	if p.Arch.CodeArch == "" {
		return nil, p.errorf(sym.Pos, field+".code", "no code generation for %s; targets with code: %s",
			p.Arch.Name, strings.Join(CodeArches(), " "))
	}
	target := sym.Code.AddressOf
	gen, err := asmcode.AddressOf(p.Arch.CodeArch, target)
	if err == nil && p.Arch.Endian.ByteOrder() != byteOrder(asmcode.BigEndian(p.Arch.CodeArch)) {
		err = fmt.Errorf("code for %s is %s-endian", p.Arch.CodeArch, map[bool]string{true: "big", false: "little"}[asmcode.BigEndian(p.Arch.CodeArch)])
	}
	if err != nil {
		return nil, p.errorf(sym.Pos, field+".code", "%v", err)
	}
	src, err := asmcode.GNUAs(p.Arch.CodeArch, target)
	if err != nil {
		return nil, p.errorf(sym.Pos, field+".code", "%v", err)
	}
	fn := &Func{Code: gen.Code, AddressOf: target, Asm: src, Align: gen.Align}
	for _, r := range gen.Relocs {
		fn.Relocs = append(fn.Relocs, FuncReloc{Offset: r.Offset, Type: r.Type, Addend: r.Addend})
	}
	return fn, nil
}

func byteOrder(big bool) binary.ByteOrder {
	if big {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// CodeArches lists the targets `code:` symbols can be generated for.
func CodeArches() []string {
	var out []string
	for _, a := range arches.All() {
		if a.CodeArch != "" {
			out = append(out, a.Name)
		}
	}
	return out
}

// checkReferences makes sure every points_to and address_of names a symbol
// this unit defines or another unit exports.
func (p *Plan) checkReferences(s *Scenario) error {
	n := 0
	for i := range s.Units {
		n += s.Units[i].symbolCount()
	}
	exported := make(map[string]string, n) // symbol -> unit defining it globally
	for _, u := range p.Units {
		for _, sec := range u.Sections {
			for _, sym := range sec.Symbols {
				if sym.Bind != elf.STB_LOCAL {
					exported[sym.Name] = u.Name
				}
			}
		}
	}
	for ui, u := range p.Units {
		local := u.symbols()
		for _, ref := range s.Units[ui].references(ui) {
			if _, ok := local[ref.name]; ok {
				continue
			}
			if _, ok := exported[ref.name]; !ok {
				return p.errorf(ref.pos, ref.field, "%s is not defined by any unit, or is local to another", ref.name)
			}
		}
	}
	return nil
}

type reference struct {
	name, field string
	pos         Pos
}

func (u *Unit) references(ui int) []reference {
	var refs []reference
	for si, sec := range u.Sections {
		for yi, sym := range sec.Symbols {
			if sym.PointsTo == nil && sym.Code == nil {
				continue
			}
			field := index(index(index("units", ui)+".sections", si)+".symbols", yi)
			if sym.PointsTo != nil {
				refs = append(refs, reference{sym.PointsTo.Symbol, field + ".points_to", sym.Pos})
			}
			if sym.Code != nil {
				refs = append(refs, reference{sym.Code.AddressOf, field + ".code.address_of", sym.Pos})
			}
		}
	}
	return refs
}

// symbols maps the names a unit defines to their sections.
func (u *PlannedUnit) symbols() map[string]*PlannedSection {
	n := 0
	for _, sec := range u.Sections {
		n += len(sec.Symbols)
	}
	m := make(map[string]*PlannedSection, n)
	for _, sec := range u.Sections {
		for _, sym := range sec.Symbols {
			m[sym.Name] = sec
		}
	}
	return m
}

func sectionType(sec *Section) string {
	if sec.Type != "" {
		return sec.Type
	}
	if strings.HasPrefix(sec.Name, ".bss") {
		return "nobits"
	}
	return "progbits"
}

// DefaultFlags returns the flag letters a section gets when the scenario
// gives none.
func DefaultFlags(name string) string {
	switch {
	case strings.HasPrefix(name, ".text"):
		return "ax"
	case strings.HasPrefix(name, ".rodata"):
		return "a"
	}
	return "aw"
}

func sectionFlags(sec *Section) elf.SectionFlag {
	letters := sec.Flags
	if letters == "" {
		letters = DefaultFlags(sec.Name)
	}
	var f elf.SectionFlag
	for _, c := range letters {
		switch c {
		case 'a':
			f |= elf.SHF_ALLOC
		case 'w':
			f |= elf.SHF_WRITE
		case 'x':
			f |= elf.SHF_EXECINSTR
		}
	}
	return f
}

func symbolBind(b string) elf.SymBind {
	switch b {
	case "local":
		return elf.STB_LOCAL
	case "weak":
		return elf.STB_WEAK
	}
	return elf.STB_GLOBAL
}

func checkAlign(a uint64) error {
	if a == 0 || a&(a-1) != 0 {
		return fmt.Errorf("%d is not a power of two", a)
	}
	if a > maxSize {
		return fmt.Errorf("%d is over 1 GiB", a)
	}
	return nil
}

func alignUp(v, a uint64) uint64 { return (v + a - 1) &^ (a - 1) }
