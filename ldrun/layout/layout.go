// Package layout reads a linked image into a Layout: its segments,
// sections and symbols, the holes between them with the cause of each, the
// permissions every byte gets at run time, and findings about them.
//
// It is pure code: it runs no program. The objects the image was linked
// from, the linker script and a link map are optional sources that make
// the causes exact; without them causes are inferred from the image alone.
// Rendering layouts as text lives in package report; Layout marshals to
// JSON as it is.
package layout

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/synth"
)

// Layout is what a linked image holds and where, with the holes between
// its pieces and what caused each.
type Layout struct {
	Arch     string     `json:"arch"`
	PageSize uint64     `json:"page_size"`
	Linker   LinkerInfo `json:"linker"`
	Symbols  []Symbol   `json:"symbols"`
	Sections []Section  `json:"sections"`
	Segments []Segment  `json:"segments"`
	Holes    []Hole     `json:"holes"`
	// Padding is the total size of the holes.
	Padding uint64 `json:"padding"`
	// Orphans are allocated input sections, as "obj(section)", that no
	// input section pattern of the script places.
	Orphans []string `json:"orphans"`
	// Warnings are the linker's diagnostics.
	Warnings []string `json:"warnings"`
	// Findings are pages that would need two permissions at run time.
	Findings []string `json:"findings"`
	// Code is each generated function decoded after linking.
	Code []CodeCheck `json:"code"`
	// Provided are the symbols the linker script needed and no input
	// defined, which elfsynth defined in an object of its own: "NAME in
	// SECTION: why" (see ldrun.ScriptProvisions).
	Provided []string `json:"provided,omitempty"`

	image io.ReaderAt
	order interface {
		Uint32([]byte) uint32
		Uint64([]byte) uint64
	}
	ptrSize uint64
}

// LinkerInfo says which linker made an image and how.
type LinkerInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Command string `json:"command"`
}

// Symbol is one named symbol of the image.
type Symbol struct {
	Name string `json:"name"`
	Addr Addr   `json:"addr"`
	Size uint64 `json:"size"`
	// Section is the section's name, or "*ABS*" for an absolute symbol.
	Section string `json:"section"`
	// Segment indexes Segments: the PT_LOAD holding the symbol, or -1.
	Segment int `json:"segment"`
	// Perm is the segment's permissions; RuntimePerm is what the kernel
	// maps the address with once booted.
	Perm        Perm `json:"perm"`
	RuntimePerm Perm `json:"runtime_perm"`
	shndx       elf.SectionIndex
}

// Section is one section of the image.
type Section struct {
	Name  string          `json:"name"`
	Addr  Addr            `json:"addr"`
	Size  uint64          `json:"size"`
	Align uint64          `json:"align"`
	Flags SectionFlags    `json:"flags"`
	Type  elf.SectionType `json:"-"`
	// Segment indexes Segments: the PT_LOAD holding the section, or -1.
	Segment int `json:"segment"`
	index   elf.SectionIndex
}

// Alloc reports whether the section takes memory at run time.
func (s Section) Alloc() bool { return s.Flags.Has(elf.SHF_ALLOC) }

// End is the address just past the section.
func (s Section) End() uint64 { return uint64(s.Addr) + s.Size }

// Segment is one program header.
type Segment struct {
	Type   SegmentType `json:"type"`
	Vaddr  Addr        `json:"vaddr"`
	Paddr  Addr        `json:"paddr"`
	Filesz uint64      `json:"filesz"`
	Memsz  uint64      `json:"memsz"`
	Flags  Perm        `json:"flags"`
	Align  uint64      `json:"align"`
	offset uint64
}

// Hole is a gap between neighbouring symbols in a section or between
// allocated sections.
type Hole struct {
	Addr   Addr   `json:"addr"`
	Size   uint64 `json:"size"`
	Before string `json:"before"`
	After  string `json:"after"`
	Cause  string `json:"cause"`
	// Kind says what sort of thing Cause names; Align is the alignment
	// that made the hole, or zero when none did.
	Kind  CauseKind `json:"kind"`
	Align uint64    `json:"align"`
}

// CauseKind classifies what made a hole.
type CauseKind string

// The kinds of cause.
const (
	// CauseInputSection: an input section's alignment ("mm_init.o(.data)").
	CauseInputSection CauseKind = "input-section"
	// CauseSymbol: a symbol's alignment inside its input section.
	CauseSymbol CauseKind = "symbol"
	// CauseSectionTail: bytes of an input section after its last symbol,
	// such as the assembler's size rounding.
	CauseSectionTail CauseKind = "section-tail"
	// CauseScript: a script statement, `. = ALIGN(N)`.
	CauseScript CauseKind = "script"
	// CauseOutputSection: an output section's own alignment.
	CauseOutputSection CauseKind = "output-section"
	// CauseSegment: a new segment starting on a new page.
	CauseSegment CauseKind = "segment"
	// CauseUnknown: nothing in the inputs or the script explains it.
	CauseUnknown CauseKind = "unknown"
)

// Symbol returns the first symbol called name, in address order.
func (l *Layout) Symbol(name string) (Symbol, bool) {
	for _, s := range l.Symbols {
		if s.Name == name {
			return s, true
		}
	}
	return Symbol{}, false
}

// Section returns the section called name.
func (l *Layout) Section(name string) (Section, bool) {
	for _, s := range l.Sections {
		if s.Name == name {
			return s, true
		}
	}
	return Section{}, false
}

// Word reads the pointer-sized word at symbol name's address from the
// image, in the target's byte order: what a pointer variable holds once
// linked.
func (l *Layout) Word(name string) (uint64, error) {
	s, ok := l.Symbol(name)
	if !ok {
		return 0, fmt.Errorf("no symbol %s in the image", name)
	}
	return l.WordAt(uint64(s.Addr))
}

// WordAt reads the pointer-sized word at address a from the image.
func (l *Layout) WordAt(a uint64) (uint64, error) {
	if l.image == nil {
		return 0, errors.New("layout has no image to read words from")
	}
	b, err := l.read(a, l.ptrSize)
	if err != nil {
		return 0, err
	}
	if l.ptrSize == 4 {
		return uint64(l.order.Uint32(b)), nil
	}
	return l.order.Uint64(b), nil
}

// AlignmentPadding is the bytes of holes that an input section's or a
// symbol's alignment of at least minAlign made, the assembler's rounding
// of such sections included; script statements and output sections aside.
// With minAlign the page size, it is the padding page-aligned data costs.
func (l *Layout) AlignmentPadding(minAlign uint64) uint64 {
	var n uint64
	for _, h := range l.Holes {
		switch h.Kind {
		case CauseInputSection, CauseSymbol, CauseSectionTail:
			if h.Align >= minAlign {
				n += h.Size
			}
		}
	}
	return n
}

// Sources are what Read may use, beside the image, to explain it. Every
// field is optional.
type Sources struct {
	// Arch is the target; nil means the one the ELF header names.
	Arch *arches.Arch
	// PageSize is the kernel page size; zero means the target's default.
	PageSize uint64
	// Objects are the relocatable objects the image was linked from: with
	// them each hole's cause names the input section or symbol whose
	// alignment made it.
	Objects []*Object
	// Script is the linker script's text, or "" when none was used.
	Script string
	// Functions are generated functions to decode and check.
	Functions []synth.Function
}

// Read reads an ELF image into a Layout, explaining it with what src
// gives. It returns an error, never panics, on bytes that are not a
// readable ELF image.
func Read(image io.ReaderAt, src Sources) (lay *Layout, err error) {
	// debug/elf aims not to panic on hostile input; this is the backstop
	// for the cases it misses, so that `inspect` of any file is safe.
	defer func() {
		if r := recover(); r != nil {
			lay, err = nil, fmt.Errorf("malformed ELF image: %v", r)
		}
	}()
	f, err := elf.NewFile(image)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return nil, fmt.Errorf("not a linked image: ELF type %v", f.Type)
	}
	lay = &Layout{Symbols: []Symbol{}, Orphans: []string{}, Warnings: []string{}, Findings: []string{}, Code: []CodeCheck{},
		image: image, order: f.ByteOrder, ptrSize: 4}
	if f.Class == elf.ELFCLASS64 {
		lay.ptrSize = 8
	}
	a := src.Arch
	if a == nil {
		a = arches.ForELF(f.Machine, f.Class, f.ByteOrder)
	}
	lay.Arch, lay.PageSize = archName(f, a), src.PageSize
	if lay.PageSize == 0 {
		lay.PageSize = defaultPageSize(f, a)
	}
	lay.readSegments(f)
	lay.readSections(f)
	if err := lay.readSymbols(f); err != nil {
		return nil, err
	}
	ix := indexInputs(src.Objects)
	lay.findHoles(holeFinder{ix: ix, arch: a, noInputs: len(ix) == 0, script: src.Script})
	lay.runtime(lay.PageSize)
	if src.Script != "" {
		lay.Orphans = orphans(src.Script, src.Objects)
	}
	if a != nil {
		lay.checkCode(f, a, src.Functions)
	}
	return lay, nil
}

// archName names the target a, or the ELF machine when no row matches.
func archName(f *elf.File, a *arches.Arch) string {
	if a != nil {
		return a.Name
	}
	return strings.ToLower(strings.TrimPrefix(f.Machine.String(), "EM_"))
}

// defaultPageSize is a's default kernel page size; for unknown machines
// the largest PT_LOAD alignment stands in.
func defaultPageSize(f *elf.File, a *arches.Arch) uint64 {
	if a != nil {
		return a.DefaultPageSize()
	}
	var page uint64
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Align > page && p.Align&(p.Align-1) == 0 {
			page = p.Align
		}
	}
	return page
}

// read reads size bytes at a virtual address from the image's file
// contents, through the program headers.
func (l *Layout) read(addr, size uint64) ([]byte, error) {
	for _, p := range l.Segments {
		if p.Type != SegmentType(elf.PT_LOAD) || addr < uint64(p.Vaddr) || addr+size > uint64(p.Vaddr)+p.Filesz {
			continue
		}
		b := make([]byte, size)
		if _, err := l.image.ReadAt(b, int64(p.offset+addr-uint64(p.Vaddr))); err != nil {
			return nil, err
		}
		return b, nil
	}
	return nil, fmt.Errorf("%#x+%d is not in the image's file contents", addr, size)
}

func (l *Layout) readSegments(f *elf.File) {
	l.Segments = []Segment{}
	for _, p := range f.Progs {
		l.Segments = append(l.Segments, Segment{Type: SegmentType(p.Type),
			Vaddr: Addr(p.Vaddr), Paddr: Addr(p.Paddr), Filesz: p.Filesz, Memsz: p.Memsz,
			Flags: PermOf(p.Flags), Align: p.Align, offset: p.Off})
	}
}

// segmentOf returns the index of the PT_LOAD holding [addr, addr+size), or -1.
func (l *Layout) segmentOf(addr, size uint64) int {
	for i, s := range l.Segments {
		lo, hi := uint64(s.Vaddr), uint64(s.Vaddr)+s.Memsz
		if s.Type == SegmentType(elf.PT_LOAD) && addr >= lo && addr+size <= hi && (addr < hi || size == 0) {
			return i
		}
	}
	return -1
}

// symbolSegment is the segment of a symbol's section when the symbol lies
// in it: a symbol at the end of one segment and the start of the next
// belongs with its section.
func (l *Layout) symbolSegment(s elf.Symbol, secSegs map[elf.SectionIndex]int) int {
	if i, ok := secSegs[s.Section]; ok && i >= 0 {
		seg := l.Segments[i]
		if s.Value >= uint64(seg.Vaddr) && s.Value+s.Size <= uint64(seg.Vaddr)+seg.Memsz {
			return i
		}
	}
	return l.segmentOf(s.Value, s.Size)
}

func (l *Layout) readSections(f *elf.File) {
	l.Sections = []Section{}
	for i, s := range f.Sections {
		if skipSection(s) {
			continue
		}
		sec := Section{Name: s.Name, Addr: Addr(s.Addr), Size: s.Size, Align: s.Addralign,
			Flags: SectionFlags(s.Flags), Type: s.Type, Segment: -1, index: elf.SectionIndex(i)}
		if sec.Alloc() {
			sec.Segment = l.segmentOf(s.Addr, s.Size)
		}
		l.Sections = append(l.Sections, sec)
	}
	// Allocated sections by address, then the rest in file order.
	sort.SliceStable(l.Sections, func(i, j int) bool {
		a, b := l.Sections[i], l.Sections[j]
		if a.Alloc() != b.Alloc() {
			return a.Alloc()
		}
		if a.Alloc() && a.Addr != b.Addr {
			return a.Addr < b.Addr
		}
		return a.index < b.index
	})
}

// skipSection drops the null section and the non-allocated symbol and
// string tables, which say nothing about layout; .dynstr stays.
func skipSection(s *elf.Section) bool {
	meta := s.Type == elf.SHT_SYMTAB || s.Type == elf.SHT_STRTAB
	return s.Type == elf.SHT_NULL || meta && s.Flags&elf.SHF_ALLOC == 0
}

func (l *Layout) readSymbols(f *elf.File) error {
	syms, err := f.Symbols()
	if errors.Is(err, elf.ErrNoSymbols) {
		return nil
	}
	if err != nil {
		return err
	}
	names := map[elf.SectionIndex]string{}
	segs := map[elf.SectionIndex]int{}
	for _, s := range l.Sections {
		names[s.index], segs[s.index] = s.Name, s.Segment
	}
	for _, s := range syms {
		if !interesting(s) {
			continue
		}
		sec := absSection
		// Symbols "defined" in a symbol table or other unlisted section
		// (mold's __start_PHDR and friends) are placeholders: skip them.
		if s.Section != elf.SHN_ABS {
			var ok bool
			if sec, ok = names[s.Section]; !ok {
				continue
			}
		}
		l.Symbols = append(l.Symbols, Symbol{Name: s.Name, Addr: Addr(s.Value), Size: s.Size,
			Section: sec, Segment: l.symbolSegment(s, segs), shndx: s.Section})
	}
	sort.SliceStable(l.Symbols, func(i, j int) bool {
		a, b := l.Symbols[i], l.Symbols[j]
		if a.Addr != b.Addr {
			return a.Addr < b.Addr
		}
		if a.Size != b.Size {
			return a.Size < b.Size
		}
		return a.Name < b.Name
	})
	return nil
}

// absSection is what Symbol.Section says of an absolute symbol.
const absSection = "*ABS*"

// interesting keeps named data, code and script symbols; it drops file and
// section symbols, undefined and common ones, and mapping symbols ($d, $x).
func interesting(s elf.Symbol) bool {
	t := elf.ST_TYPE(s.Info)
	switch {
	case s.Name == "", t == elf.STT_FILE, t == elf.STT_SECTION:
		return false
	case s.Section == elf.SHN_UNDEF || s.Section == elf.SHN_COMMON:
		return false
	case strings.HasPrefix(s.Name, "$"):
		return false
	}
	return true
}
