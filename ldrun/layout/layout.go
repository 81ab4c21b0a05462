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
	"cmp"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/synth"
)

// Layout is what a linked image holds and where, with every byte of its
// allocated sections accounted for: a symbol's, padding with the one
// alignment that caused it, or content no symbol names.
type Layout struct {
	Arch     string     `json:"arch"`
	PageSize uint64     `json:"page_size"`
	Linker   LinkerInfo `json:"linker"`
	Symbols  []Symbol   `json:"symbols"`
	Sections []Section  `json:"sections"`
	Segments []Segment  `json:"segments"`
	// Holes are the padding inside allocated sections (Hole.Section names
	// the section) and the gaps between allocated sections of one address
	// space (Hole.Section is ""), in address order, each with one cause.
	Holes []Hole `json:"holes"`
	// Content are the bytes of allocated sections that no symbol names
	// and no alignment explains, in address order.
	Content []Content `json:"content"`
	// Padding is the padding inside allocated sections: Bytes.Padding.
	Padding uint64 `json:"padding"`
	// Gaps is the size of the holes between allocated sections.
	Gaps uint64 `json:"gaps"`
	// Reserved is the bytes between allocated sections that a script
	// reserves (`. += N`): content in no section (Content.Section "").
	Reserved uint64 `json:"reserved"`
	// Bytes counts every byte of every allocated section by class; the
	// classes add up to the sections' sizes.
	Bytes Bytes `json:"bytes"`
	// Pages counts the pages the allocated sections occupy, by the
	// permission the kernel maps them with once booted.
	Pages Pages `json:"pages"`
	// Orphans are allocated input sections, as "obj(section)", that no
	// input section pattern of the script places.
	Orphans []string `json:"orphans"`
	// Warnings are the linker's diagnostics.
	Warnings []string `json:"warnings"`
	// Findings are what a reviewer should look at: pages that would need
	// two permissions at run time, page-aligned objects sharing pages,
	// orphans, misplaced content, and what makes no sense: overlapping
	// sections, gaps no alignment explains (see FindingKind).
	Findings []Finding `json:"findings"`
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
	// src is what explained the holes, kept for Check.
	src *explainer
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
	// Bytes are the section's bytes by class (allocated sections only).
	Bytes Bytes `json:"bytes"`
	// Pages are the pages the section touches, by runtime permission.
	Pages  Pages `json:"pages"`
	index  elf.SectionIndex
	offset uint64
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
	// Pages are the pages a PT_LOAD segment touches, by runtime
	// permission.
	Pages  Pages `json:"pages"`
	offset uint64
}

// Bytes counts bytes by class. Every byte of an allocated section is in
// exactly one class.
type Bytes struct {
	// Symbols are bytes inside a symbol (counted once where symbols
	// overlap).
	Symbols uint64 `json:"symbols"`
	// Padding are bytes that exist only to satisfy an alignment.
	Padding uint64 `json:"padding"`
	// Content are bytes no symbol names that are not padding: string
	// literals, tables the build generates, bytes a script reserves.
	Content uint64 `json:"content"`
}

// Total is the bytes of all three classes.
func (b Bytes) Total() uint64 { return b.Symbols + b.Padding + b.Content }

func (b *Bytes) add(o Bytes) {
	b.Symbols += o.Symbols
	b.Padding += o.Padding
	b.Content += o.Content
}

// Pages counts pages by the permission the kernel maps them with once
// booted ("R-X", "R--", "R-- after init", "RW-"); a page that would need
// two permissions counts under both, and Findings says so.
type Pages map[Perm]uint64

// Hole is padding in a section, or a gap between allocated sections, that
// one alignment made.
type Hole struct {
	Addr   Addr   `json:"addr"`
	Size   uint64 `json:"size"`
	Before string `json:"before"`
	After  string `json:"after"`
	// Section is the section the padding is in; "" for a gap between
	// sections.
	Section string `json:"section"`
	Cause   string `json:"cause"`
	// Kind says what sort of thing Cause names; Align is the alignment
	// that made the hole.
	Kind  CauseKind `json:"kind"`
	Align uint64    `json:"align"`
	// Inferred is true when Align is inferred from addresses ("at
	// least"), not read from the objects, the map or the script.
	Inferred bool `json:"inferred"`
	// Input is the input section the cause names, "obj(section)"; Symbol
	// the symbol; Script the statement, "file:line: text".
	Input  string `json:"input,omitempty"`
	Symbol string `json:"symbol,omitempty"`
	Script string `json:"script,omitempty"`
}

// Content is a run of bytes in a section that no symbol names and no
// alignment explains; with Section "", bytes between sections a script
// reserves.
type Content struct {
	Addr    Addr   `json:"addr"`
	Size    uint64 `json:"size"`
	Section string `json:"section"`
	Before  string `json:"before"`
	After   string `json:"after"`
	// Input is the input section the bytes come from, "obj(section)",
	// when the objects or the map say; Note says what else is known.
	Input string `json:"input,omitempty"`
	Note  string `json:"note,omitempty"`
}

// CauseKind classifies what made a hole.
type CauseKind string

// The kinds of cause.
const (
	// CauseInputSection: an input section's alignment ("mm_init.o(.data)").
	CauseInputSection CauseKind = "input-section"
	// CauseSymbol: a symbol's alignment inside its input section.
	CauseSymbol CauseKind = "symbol"
	// CauseSectionTail: the assembler's rounding of an input section's
	// size up to its alignment.
	CauseSectionTail CauseKind = "section-tail"
	// CauseScript: a script statement, `. = ALIGN(N)`.
	CauseScript CauseKind = "script"
	// CauseOutputSection: an output section's alignment, which the input
	// section it names raised.
	CauseOutputSection CauseKind = "output-section"
	// CauseSegment: a new segment starting on a new page.
	CauseSegment CauseKind = "segment"
	// CauseAlignment: an alignment inferred from the image alone: the
	// address after the hole is aligned to at least Align.
	CauseAlignment CauseKind = "alignment"
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

// TotalPadding is every byte that exists only for an alignment: the
// padding inside sections and the gaps between them.
func (l *Layout) TotalPadding() uint64 { return l.Padding + l.Gaps }

// AlignmentPadding is the padding inside sections that an input
// section's or a symbol's alignment of at least minAlign made, the
// assembler's rounding of such sections included; script statements and
// output sections aside. With minAlign the page size, it is the padding
// page-aligned data costs.
func (l *Layout) AlignmentPadding(minAlign uint64) uint64 {
	var n uint64
	for _, h := range l.Holes {
		switch h.Kind {
		case CauseInputSection, CauseSymbol, CauseSectionTail:
			if h.Align >= minAlign && h.Section != "" {
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
	// Objects are the relocatable objects the image was linked from (all
	// of them or some): with them causes name the input section or symbol
	// whose alignment made each hole, and content its input section.
	Objects []*Object
	// Complete says Objects are every input of the link (elfsynth's own
	// links): bytes no input, statement or alignment explains are then
	// the linker's own content, never inferred padding.
	Complete bool
	// Aligns are the alignments a scenario declares for its symbols,
	// which objects do not record.
	Aligns []synth.SymbolAlign
	// Map is the linker's link map: where it put each input section and
	// what the script's statements did.
	Map *LinkMap
	// Script is the linker script's text, or "" when none was used;
	// ScriptName is how causes cite it ("link.lds" when empty).
	Script     string
	ScriptName string
	// Functions are generated functions to decode and check.
	Functions []synth.Function
}

// Read reads an ELF image into a Layout, explaining it with what src
// gives. It reads the image through r as it needs it, never whole. It
// returns an error, never panics, on bytes that are not a readable ELF
// image.
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
	lay = &Layout{Symbols: []Symbol{}, Orphans: []string{}, Warnings: []string{}, Findings: []Finding{}, Code: []CodeCheck{},
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
	if err := lay.readSymbols(f, image); err != nil {
		return nil, err
	}
	rules := lay.runtime(a, src.Script)
	ex := newExplainer(lay, f, a, src)
	// The map is replayed: let its items go.
	src.Map = nil
	lay.account(ex)
	lay.countPages(rules)
	if src.Script != "" {
		lay.Orphans = orphans(src.Script, src.Objects)
	}
	lay.findings(src, rules)
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

func (l *Layout) readSections(f *elf.File) {
	l.Sections = []Section{}
	for i, s := range f.Sections {
		if skipSection(s) {
			continue
		}
		sec := Section{Name: s.Name, Addr: Addr(s.Addr), Size: s.Size, Align: s.Addralign,
			Flags: SectionFlags(s.Flags), Type: s.Type, Segment: -1, index: elf.SectionIndex(i), offset: s.Offset}
		if sec.Alloc() {
			sec.Segment = l.segmentOf(s.Addr, s.Size)
		}
		l.Sections = append(l.Sections, sec)
	}
	// Allocated sections by address, then the rest in file order.
	slices.SortStableFunc(l.Sections, func(a, b Section) int {
		if a.Alloc() != b.Alloc() {
			if a.Alloc() {
				return -1
			}
			return 1
		}
		if a.Alloc() && a.Addr != b.Addr {
			return cmp.Compare(a.Addr, b.Addr)
		}
		return cmp.Compare(a.index, b.index)
	})
}

// skipSection drops the null section and the non-allocated symbol and
// string tables, which say nothing about layout; .dynstr stays.
func skipSection(s *elf.Section) bool {
	meta := s.Type == elf.SHT_SYMTAB || s.Type == elf.SHT_STRTAB
	return s.Type == elf.SHT_NULL || meta && s.Flags&elf.SHF_ALLOC == 0
}

// absSection is what Symbol.Section says of an absolute symbol.
const absSection = "*ABS*"
