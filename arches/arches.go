// Package arches describes every target elfsynth knows, as data.
//
// One Arch value per target holds what the rest of elfsynth needs to know: how
// to encode objects for it, how GNU as lays data out on it, which tools and
// flags build and link for it, and what page sizes its kernel uses. Adding a
// target is adding a row to the table in table.go.
package arches

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Endian is a target's byte order.
type Endian uint8

// Byte orders.
const (
	Little Endian = iota
	Big
)

func (e Endian) String() string {
	if e == Big {
		return "big"
	}
	return "little"
}

// ByteOrder returns the encoding/binary order for e.
func (e Endian) ByteOrder() binary.ByteOrder {
	if e == Big {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// Linker names a linker elfsynth drives: a kind ("bfd", "gold", "lld",
// "mold"), optionally pinned to a major version ("lld-16"). The plain kind
// means that kind's default version (see package ldrun). Linkers are
// strings so that they read as typed and compare, sort and key maps as
// such.
type Linker string

// The kinds of linker, in the order reports list them.
const (
	LinkerBFD  Linker = "bfd"  // GNU ld
	LinkerGold Linker = "gold" // GNU gold
	LinkerLLD  Linker = "lld"  // LLVM's lld
	LinkerMold Linker = "mold" // mold
)

// LinkerKinds lists every kind of linker elfsynth knows, in report order.
func LinkerKinds() []Linker { return []Linker{LinkerBFD, LinkerGold, LinkerLLD, LinkerMold} }

// LLDVersion is lld pinned to a major version: LLDVersion(16) is "lld-16".
func LLDVersion(major int) Linker { return Linker(fmt.Sprintf("%s-%d", LinkerLLD, major)) }

// Kind is l without its version: "lld-16" is of kind "lld".
func (l Linker) Kind() Linker {
	k, _, _ := strings.Cut(string(l), "-")
	return Linker(k)
}

// Version is the major version l is pinned to, or 0 for the kind's
// default.
func (l Linker) Version() int {
	_, v, ok := strings.Cut(string(l), "-")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0
	}
	return n
}

func (l Linker) String() string { return string(l) }

// Oldest and newest lld majors a Linker may name. Debian 12 packages 13 to
// 22; the bounds leave room for later releases.
const (
	MinLLDVersion = 10
	MaxLLDVersion = 40
)

// ParseLinker reads a linker name: a kind ("bfd", "gold", "lld", "mold") or
// a versioned lld ("lld-16").
func ParseLinker(name string) (Linker, error) {
	l := Linker(name)
	if !slices.Contains(LinkerKinds(), l.Kind()) {
		hint := DidYouMean(name, []string{"bfd", "gold", "lld", "mold"})
		if v, err := strconv.Atoi(strings.TrimPrefix(name, "lld")); err == nil && strings.HasPrefix(name, "lld") {
			hint = DidYouMean(string(LLDVersion(v)), []string{string(LLDVersion(v))})
		}
		return "", fmt.Errorf("unknown linker %q%s; known: bfd, gold, lld, lld-NN (%d to %d), mold", name, hint, MinLLDVersion, MaxLLDVersion)
	}
	if strings.Contains(name, "-") {
		v := l.Version()
		if l.Kind() != LinkerLLD || v < MinLLDVersion || v > MaxLLDVersion || LLDVersion(v) != l {
			return "", fmt.Errorf("unknown linker %q: only lld takes a version, as lld-NN with NN from %d to %d", name, MinLLDVersion, MaxLLDVersion)
		}
	}
	return l, nil
}

// Section is a section GNU as writes into every object for a target, even an
// empty one, with its exact contents.
type Section struct {
	Name    string
	Type    elf.SectionType
	Flags   elf.SectionFlag
	Align   uint64
	EntSize uint64
	// Data is the section's contents; it is empty for the plain .text,
	// .data and .bss sections.
	Data []byte
	// Trailing is true for a section GNU as writes after the sections the
	// source declares (attribute sections on several targets).
	Trailing bool
}

// KernelShape is how a target's arch/*/kernel/vmlinux.lds.S departs from
// the generic kernel layout. The zero value is the generic shape.
type KernelShape struct {
	// PHDRS gives the script a text (R-E) and a data (RW-) segment, with
	// rodata in the text segment (x86_64).
	PHDRS bool
	// RodataAlign aligns the start of rodata; zero means the page size
	// (x86_64: 2 MiB, PMD_SIZE).
	RodataAlign uint64
	// OwnROAfterInit puts .data..ro_after_init in an output section of its
	// own after .rodata (arm64 and s390 define RO_AFTER_INIT_DATA empty).
	OwnROAfterInit bool
	// AfterMemory are allocated sections GNU as adds that the script
	// places after all loadable memory, as they must not split it (mips).
	AfterMemory []string
}

// KernelRWX says whether a target's kernel gives its text, read-only
// data, init memory and data permissions of their own once booted
// (CONFIG_STRICT_KERNEL_RWX, from arch/*/Kconfig of Linux 6.1).
type KernelRWX uint8

// The kinds of KernelRWX.
const (
	// RWXAlways: the target has STRICT_KERNEL_RWX and cannot turn it off
	// (x86, arm64, s390, parisc).
	RWXAlways KernelRWX = iota
	// RWXOptional: the target offers STRICT_KERNEL_RWX as an option
	// (ARCH_OPTIONAL_KERNEL_RWX: arm, riscv, powerpc); tinyconfig has it
	// off, and the script then aligns the boundaries to cache lines only.
	RWXOptional
	// RWXNever: the target has no STRICT_KERNEL_RWX; its kernel maps
	// itself with one set of permissions (mips, m68k, sparc, sh, alpha,
	// arc, loongarch in 6.1).
	RWXNever
)

func (k KernelRWX) String() string {
	switch k {
	case RWXOptional:
		return "optional"
	case RWXNever:
		return "never"
	}
	return "always"
}

// Arch is one target.
type Arch struct {
	// Name is the user-facing name: "x86_64", "arm64be", ...
	Name string

	// ELF encoding.
	Class   elf.Class
	Endian  Endian
	Machine elf.Machine
	// Flags is e_flags as GNU as writes it with AsFlags.
	Flags uint32
	// OSABI is EI_OSABI as GNU as writes it (ELFOSABI_LINUX on hppa, where
	// GNU ld refuses objects without it).
	OSABI elf.OSABI
	// RELA is true where GNU as writes SHT_RELA sections (addends in the
	// entry), false for SHT_REL (addends in the section contents).
	RELA bool
	// MIPS64RInfo selects the MIPS n64 relocation info layout.
	MIPS64RInfo bool
	// InPlaceAddend is true where GNU as keeps addends in the section
	// contents even though it writes RELA entries (their r_addend zero),
	// and the linker reads them from there (sh).
	InPlaceAddend bool

	// PointerReloc is the relocation GNU as uses for a pointer-sized word.
	PointerReloc uint32
	// PointerRelocName is its name, for reports ("R_X86_64_64").
	PointerRelocName string
	// PointerDirective is the GNU as directive that emits such a word.
	PointerDirective string

	// PageSizes are the kernel page sizes, the default first.
	PageSizes []uint64

	// Tools.
	Package string   // Debian package with the GNU tools
	Triple  string   // GNU tool prefix: Triple-as, Triple-ld.bfd
	AsFlags []string // flags GNU as needs for this target
	// BfdEmulation is the -m value for GNU ld and gold.
	BfdEmulation string
	// LldEmulation is the -m value for lld; empty where lld needs none.
	LldEmulation string
	// Linkers lists the kinds of linker that support this target.
	Linkers []Linker
	// MinLLD is the oldest lld major version that links for this target;
	// zero means every version does.
	MinLLD int

	// How GNU as lays out data on this target.
	//
	// DefaultSections are the sections GNU as writes into every object, in
	// the order it writes them (.text, .data, .bss, attribute sections...).
	DefaultSections []Section
	// SizeRoundsToAlign is true where GNU as rounds each section's size up
	// to the section's alignment.
	SizeRoundsToAlign bool
	// SizeMultiple, when non-zero, caps the rounding GNU as applies to
	// every section's size: the size is rounded up to min(section
	// alignment, SizeMultiple) (MIPS: 16). RoundSectionSize applies it.
	SizeMultiple uint64
	// DataMappingSymbol is the local symbol GNU as puts at the start of
	// data in each section ("$d" on arm64); empty when none.
	DataMappingSymbol string
	// SectionTypePrefix is the character before a section type in a GNU as
	// .section directive: "@" on most targets, "%" where "@" starts a
	// comment.
	SectionTypePrefix string
	// AsmPrologue is GNU as source put at the top of every generated file,
	// to make the assembler lay out as elfsynth does (riscv: no linker
	// relaxation, so .balign in code pads instead of emitting
	// R_RISCV_ALIGN).
	AsmPrologue string

	// KernelBase is the address where the built-in kernel scripts start
	// text, like the real kernel's link address for this target.
	KernelBase uint64
	// Kernel says where the target's kernel linker script differs from
	// the generic shape of include/asm-generic/vmlinux.lds.h.
	Kernel KernelShape

	// KernelRWX says whether the target's kernel maps text, read-only
	// data and data with permissions of their own (STRICT_KERNEL_RWX);
	// the zero value is RWXAlways.
	KernelRWX KernelRWX

	// LinkFlags are extra flags every linker but mold gets for this
	// target (riscv: --no-relax, so relaxation neither needs
	// __global_pointer$ nor rewrites code).
	LinkFlags []string

	// ScriptRelease says, where the built-in kernel scripts' shape for
	// this target follows another Linux release than 6.1 (the release
	// they follow otherwise), which one and how it differs from 6.1.
	ScriptRelease string

	// KernelLinkFlags make a link lay out as the kernel's own vmlinux link
	// does, where that differs from elfsynth's defaults: the flags
	// arch/*/Makefile gives LDFLAGS_vmlinux in Linux 6.1 that change layout
	// (x86_64: -z max-page-size=0x200000), and, where the kernel leaves the
	// max page size to the linker, the linkers' default made explicit
	// (arm64, ppc64: 64 KiB for bfd and lld alike). Every link with a
	// linker script, built-in or real, gets them after elfsynth's own flags
	// and before the user's; when they set the max page size, elfsynth
	// does not set it to the kernel page size (see ldrun/kernelflags.go).
	KernelLinkFlags []string

	// CodeArch is the golang-asm architecture for `code:` symbols; empty
	// where elfsynth cannot generate code for this target.
	CodeArch string
}

// PointerSize is the size in bytes of a pointer on a.
func (a *Arch) PointerSize() uint64 {
	if a.Class == elf.ELFCLASS64 {
		return 8
	}
	return 4
}

// Bits is 32 or 64.
func (a *Arch) Bits() int { return int(a.PointerSize() * 8) }

// DefaultPageSize is the first of the kernel page sizes.
func (a *Arch) DefaultPageSize() uint64 { return a.PageSizes[0] }

// HasPageSize reports whether n is one of a's kernel page sizes.
func (a *Arch) HasPageSize(n uint64) bool {
	for _, p := range a.PageSizes {
		if p == n {
			return true
		}
	}
	return false
}

// Supports reports whether linker l can link for a: its kind does, and a
// pinned lld version is not older than MinLLD.
func (a *Arch) Supports(l Linker) bool {
	if !slices.Contains(a.Linkers, l.Kind()) {
		return false
	}
	return l.Kind() != LinkerLLD || l.Version() == 0 || l.Version() >= a.MinLLD
}

// Tool returns the name of a GNU tool for this target, e.g. Tool("as").
func (a *Arch) Tool(name string) string { return a.Triple + "-" + name }

// All returns every target, in the table's order. The rows are copies:
// changing one changes nothing elsewhere.
func All() []*Arch {
	out := make([]*Arch, len(table))
	for i, a := range table {
		out[i] = a.clone()
	}
	return out
}

// Lookup returns a copy of the target called name. An unknown name's error
// lists the known ones and suggests the closest.
func Lookup(name string) (*Arch, error) {
	if a := find(name); a != nil {
		return a.clone(), nil
	}
	return nil, fmt.Errorf("unknown arch %q%s; known: %s", name, DidYouMean(name, Names()), strings.Join(Names(), " "))
}

// ForELF returns a copy of the target whose ELF encoding is machine, class
// and byte order, or nil. Several targets share an encoding (mips and its
// page sizes aside, arm64 and arm64be differ by byte order); the first in
// the table wins.
func ForELF(machine elf.Machine, class elf.Class, order binary.ByteOrder) *Arch {
	for _, a := range table {
		if a.Machine == machine && a.Class == class && a.Endian.ByteOrder() == order {
			return a.clone()
		}
	}
	return nil
}

func find(name string) *Arch {
	for _, a := range table {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// clone copies a row deeply, so that callers cannot change the table.
func (a *Arch) clone() *Arch {
	c := *a
	c.AsFlags = slices.Clone(a.AsFlags)
	c.PageSizes = slices.Clone(a.PageSizes)
	c.Linkers = slices.Clone(a.Linkers)
	c.LinkFlags = slices.Clone(a.LinkFlags)
	c.KernelLinkFlags = slices.Clone(a.KernelLinkFlags)
	c.Kernel.AfterMemory = slices.Clone(a.Kernel.AfterMemory)
	c.DefaultSections = make([]Section, len(a.DefaultSections))
	for i, s := range a.DefaultSections {
		s.Data = slices.Clone(s.Data)
		c.DefaultSections[i] = s
	}
	return &c
}

// Names lists every target's name, in the table's order.
func Names() []string {
	names := make([]string, len(table))
	for i, a := range table {
		names[i] = a.Name
	}
	return names
}

// Packages lists the Debian packages with GNU tools for every target, sorted
// and without repeats.
func Packages() []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range table {
		if a.Package != "" && !seen[a.Package] {
			seen[a.Package] = true
			out = append(out, a.Package)
		}
	}
	sort.Strings(out)
	return out
}
