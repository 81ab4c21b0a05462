package ldrun

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
)

// Addr is an address; it appears in JSON as a hex string "0xffffffff81000000".
type Addr uint64

// MarshalText writes a as 0x-prefixed hex.
func (a Addr) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads a hex (0x...) or decimal address.
func (a *Addr) UnmarshalText(b []byte) error {
	v, err := strconv.ParseUint(string(b), 0, 64)
	*a = Addr(v)
	return err
}

// String writes a as 0x-prefixed hex.
func (a Addr) String() string { return fmt.Sprintf("%#x", uint64(a)) }

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
	// Perm is the segment's permissions ("R-X"); RuntimePerm is what the
	// kernel maps the address with once booted ("R--", "R-- after init").
	Perm        string `json:"perm"`
	RuntimePerm string `json:"runtime_perm"`
	shndx       elf.SectionIndex
}

// Section is one section of the image.
type Section struct {
	Name  string `json:"name"`
	Addr  Addr   `json:"addr"`
	Size  uint64 `json:"size"`
	Align uint64 `json:"align"`
	// Flags are readelf's letters: "WAX".
	Flags string `json:"flags"`
	// Segment indexes Segments: the PT_LOAD holding the section, or -1.
	Segment int `json:"segment"`
	index   elf.SectionIndex
	alloc   bool
	exec    bool
}

// Segment is one program header.
type Segment struct {
	Type   string `json:"type"`
	Vaddr  Addr   `json:"vaddr"`
	Paddr  Addr   `json:"paddr"`
	Filesz uint64 `json:"filesz"`
	Memsz  uint64 `json:"memsz"`
	Flags  string `json:"flags"`
	Align  uint64 `json:"align"`
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

// Read reads an ELF image into a Layout. Inputs, the objects the image was
// linked from, are optional: with them each hole's cause names the input
// section or symbol whose alignment made it; without them causes are
// inferred from addresses alone. Read returns an error, never panics, on
// bytes that are not a readable ELF image.
func Read(image []byte, inputs []Input) (*Layout, error) {
	return read(image, inputs, "")
}

// read is Read knowing the script text, if any, that made the image: it
// tells which of several script symbols at one address came first.
func read(image []byte, inputs []Input, script string) (lay *Layout, err error) {
	// debug/elf aims not to panic on hostile input; this is the backstop
	// for the cases it misses, so that `inspect` of any file is safe.
	defer func() {
		if r := recover(); r != nil {
			lay, err = nil, fmt.Errorf("malformed ELF image: %v", r)
		}
	}()
	f, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return nil, fmt.Errorf("not a linked image: ELF type %v", f.Type)
	}
	lay = &Layout{Symbols: []Symbol{}, Orphans: []string{}, Warnings: []string{}, Findings: []string{}, Code: []CodeCheck{}}
	lay.Arch, lay.PageSize = guessArch(f)
	lay.readSegments(f)
	lay.readSections(f)
	if err := lay.readSymbols(f); err != nil {
		return nil, err
	}
	ix := indexInputs(inputs)
	lay.findHoles(holeFinder{ix: ix, arch: archNamed(lay.Arch), noInputs: len(ix) == 0, script: script})
	lay.runtime(lay.PageSize)
	return lay, nil
}

// guessArch names the target whose ELF encoding f has, and its default
// page size; for unknown machines the largest PT_LOAD alignment stands in.
func guessArch(f *elf.File) (string, uint64) {
	for _, a := range arches.All() {
		if a.Machine == f.Machine && a.Class == f.Class && a.Endian.ByteOrder() == f.ByteOrder {
			return a.Name, a.DefaultPageSize()
		}
	}
	var page uint64
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Align > page && p.Align&(p.Align-1) == 0 {
			page = p.Align
		}
	}
	return strings.ToLower(strings.TrimPrefix(f.Machine.String(), "EM_")), page
}

func archNamed(name string) *arches.Arch {
	a, _ := arches.Lookup(name)
	return a
}

func (l *Layout) readSegments(f *elf.File) {
	l.Segments = []Segment{}
	for _, p := range f.Progs {
		l.Segments = append(l.Segments, Segment{Type: strings.TrimPrefix(p.Type.String(), "PT_"),
			Vaddr: Addr(p.Vaddr), Paddr: Addr(p.Paddr), Filesz: p.Filesz, Memsz: p.Memsz,
			Flags: permString(p.Flags), Align: p.Align})
	}
}

// permString writes segment flags the way readelf's tables read: "R-X".
func permString(fl elf.ProgFlag) string {
	b := []byte("---")
	if fl&elf.PF_R != 0 {
		b[0] = 'R'
	}
	if fl&elf.PF_W != 0 {
		b[1] = 'W'
	}
	if fl&elf.PF_X != 0 {
		b[2] = 'X'
	}
	return string(b)
}

// segmentOf returns the index of the PT_LOAD holding [addr, addr+size), or -1.
func (l *Layout) segmentOf(addr, size uint64) int {
	for i, s := range l.Segments {
		lo, hi := uint64(s.Vaddr), uint64(s.Vaddr)+s.Memsz
		if s.Type == "LOAD" && addr >= lo && addr+size <= hi && (addr < hi || size == 0) {
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
			Flags: sectionFlags(s.Flags), Segment: -1, index: elf.SectionIndex(i),
			alloc: s.Flags&elf.SHF_ALLOC != 0, exec: s.Flags&elf.SHF_EXECINSTR != 0}
		if sec.alloc {
			sec.Segment = l.segmentOf(s.Addr, s.Size)
		}
		l.Sections = append(l.Sections, sec)
	}
	// Allocated sections by address, then the rest in file order.
	sort.SliceStable(l.Sections, func(i, j int) bool {
		a, b := l.Sections[i], l.Sections[j]
		if a.alloc != b.alloc {
			return a.alloc
		}
		if a.alloc && a.Addr != b.Addr {
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

func sectionFlags(fl elf.SectionFlag) string {
	var b strings.Builder
	for _, c := range []struct {
		f elf.SectionFlag
		c byte
	}{{elf.SHF_WRITE, 'W'}, {elf.SHF_ALLOC, 'A'}, {elf.SHF_EXECINSTR, 'X'}, {elf.SHF_MERGE, 'M'},
		{elf.SHF_STRINGS, 'S'}, {elf.SHF_INFO_LINK, 'I'}, {elf.SHF_LINK_ORDER, 'L'}, {elf.SHF_TLS, 'T'}} {
		if fl&c.f != 0 {
			b.WriteByte(c.c)
		}
	}
	return b.String()
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
		sec := "*ABS*"
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
