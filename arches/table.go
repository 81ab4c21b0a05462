package arches

import (
	"debug/elf"
	"fmt"
)

// Processor-specific section types, flags and relocation types that
// debug/elf does not name. Values from binutils include/elf/*.h, confirmed
// with readelf on GNU as 2.40 output.
const (
	shtARMAttributes  = elf.SectionType(0x70000003) // SHT_ARM_ATTRIBUTES
	shtARCAttributes  = elf.SectionType(0x70000001) // SHT_ARC_ATTRIBUTES
	shtMIPSRegInfo    = elf.SectionType(0x70000006) // SHT_MIPS_REGINFO
	shtMIPSOptions    = elf.SectionType(0x7000000d) // SHT_MIPS_OPTIONS
	shfMIPSNoStrip    = elf.SectionFlag(0x08000000) // SHF_MIPS_NOSTRIP
	r68K32            = 1                           // R_68K_32
	rSHDir32          = 1                           // R_SH_DIR32
	rPARISCDir32      = 1                           // R_PARISC_DIR32
	rARC32            = 4                           // R_ARC_32
	loongArchDefFlags = 0x43                        // EF_LOONGARCH_ABI_DOUBLE_FLOAT | EF_LOONGARCH_OBJABI_V1
)

// plainSections are the empty .text, .data and .bss GNU as writes into every
// object, with the alignments it gives them on a target.
func plainSections(text, data, bss uint64) []Section {
	return []Section{
		{Name: ".text", Type: elf.SHT_PROGBITS, Flags: elf.SHF_ALLOC | elf.SHF_EXECINSTR, Align: text},
		{Name: ".data", Type: elf.SHT_PROGBITS, Flags: elf.SHF_ALLOC | elf.SHF_WRITE, Align: data},
		{Name: ".bss", Type: elf.SHT_NOBITS, Flags: elf.SHF_ALLOC | elf.SHF_WRITE, Align: bss},
	}
}

// withSections appends extra default sections to the plain three.
func withSections(plain []Section, extra ...Section) []Section { return append(plain, extra...) }

// attributes is a build-attributes section; GNU as writes it after the
// sections the source declares.
func attributes(name string, typ elf.SectionType, data string) Section {
	return Section{Name: name, Type: typ, Align: 1, Data: []byte(data), Trailing: true}
}

// mipsSections are what GNU as writes on MIPS before the user's sections
// (the register-info section, .MIPS.abiflags, an empty .pdr) and after them
// (.gnu.attributes). The contents do not change for data-only input.
func mipsSections(reginfo Section, abiflags, gnuAttrs string) []Section {
	return withSections(plainSections(16, 16, 16),
		reginfo,
		Section{Name: ".MIPS.abiflags", Type: elf.SHT_MIPS_ABIFLAGS, Flags: elf.SHF_ALLOC, Align: 8, EntSize: 24,
			Data: []byte(abiflags)},
		Section{Name: ".pdr", Type: elf.SHT_PROGBITS, Align: 4},
		attributes(".gnu.attributes", elf.SHT_GNU_ATTRIBUTES, gnuAttrs),
	)
}

// RoundSectionSize returns the size GNU as gives a section whose contents
// end at size and whose alignment is align. Where SizeRoundsToAlign is set
// the size is rounded up to align; where SizeMultiple is set it is rounded
// up to min(align, SizeMultiple) (tc-mips.c md_section_align caps the
// rounding at 16: a 3-byte section aligned 1 stays 3 bytes, an 8-byte one
// aligned 4096 becomes 16). Empty sections stay empty.
func (a *Arch) RoundSectionSize(size, align uint64) uint64 {
	align = max(align, 1)
	if a.SizeMultiple > 0 {
		size = roundUp(size, min(align, a.SizeMultiple))
	}
	if a.SizeRoundsToAlign {
		size = roundUp(size, align)
	}
	return size
}

func roundUp(v, a uint64) uint64 { return (v + a - 1) / a * a }

var (
	// Linker sets measured by linking a one-object file without a script;
	// see TestLinkersLinkTinyObject. Absent linkers, as measured:
	// gold has no riscv, m68k, sh4, alpha, hppa or arc build in Debian 12;
	// lld-19 has no m68k, sh4, alpha, hppa or arc emulation; mold 1.10.1
	// rejects -m aarch64linuxb, the MIPS, hppalinux and arclinux emulations.
	allLinkers   = []Linker{LinkerBFD, LinkerGold, LinkerLLD, LinkerMold}
	bfdGoldLLD   = []Linker{LinkerBFD, LinkerGold, LinkerLLD}
	bfdLLDMold   = []Linker{LinkerBFD, LinkerLLD, LinkerMold}
	bfdMold      = []Linker{LinkerBFD, LinkerMold}
	bfdOnly      = []Linker{LinkerBFD}
	pages4K      = []uint64{4096}
	pagesArm64   = []uint64{4096, 16384, 65536}
	pagesPPC64   = []uint64{4096, 65536}
	pagesMIPS    = []uint64{4096, 16384, 65536}
	elf64, elf32 = elf.ELFCLASS64, elf.ELFCLASS32
)

// maxPageSize is the flag that sets the linker's max page size, which
// aligns segments (p_align) and the file offsets of their contents.
func maxPageSize(n uint64) []string { return []string{"-z", fmt.Sprintf("max-page-size=%#x", n)} }

// mipsKernel keeps MIPS's ABI sections out of the middle of memory.
var mipsKernel = KernelShape{AfterMemory: []string{".MIPS.abiflags", ".reginfo", ".MIPS.options"}}

// table is every target. Every fact except loongarch64's GNU as facts was
// measured on Debian 12 with GNU as 2.40, GNU ld/gold 2.40, lld 19 and mold
// 1.10.1 (arches_test.go re-measures them); KernelBase comes from the Linux
// sources. ../shared/REFERENCE.md lists the packages and flags.
var table = []*Arch{
	{
		Name: "x86_64", Class: elf64, Endian: Little, Machine: elf.EM_X86_64,
		RELA: true, PointerReloc: uint32(elf.R_X86_64_64), PointerRelocName: "R_X86_64_64", PointerDirective: ".quad",
		PageSizes: pages4K,
		Package:   "binutils-x86-64-linux-gnu", Triple: "x86_64-linux-gnu",
		BfdEmulation: "elf_x86_64", LldEmulation: "elf_x86_64",
		Linkers:           allLinkers,
		DefaultSections:   plainSections(1, 1, 1),
		SectionTypePrefix: "@",
		KernelBase:        0xffffffff81000000,
		Kernel:            KernelShape{PHDRS: true, RodataAlign: 2 << 20},
		CodeArch:          "amd64",
		// arch/x86/Makefile: LDFLAGS_vmlinux += -z max-page-size=0x200000
		KernelLinkFlags: maxPageSize(0x200000),
	},
	{
		Name: "i386", Class: elf32, Endian: Little, Machine: elf.EM_386,
		PointerReloc: uint32(elf.R_386_32), PointerRelocName: "R_386_32", PointerDirective: ".long",
		PageSizes: pages4K,
		Package:   "binutils-i686-linux-gnu", Triple: "i686-linux-gnu", AsFlags: []string{"--32"},
		BfdEmulation: "elf_i386", LldEmulation: "elf_i386",
		Linkers:           allLinkers,
		DefaultSections:   plainSections(1, 1, 1),
		SectionTypePrefix: "@",
		KernelBase:        0xc1000000, // PAGE_OFFSET + PHYSICAL_START (16 MiB)
		CodeArch:          "386",
	},
	{
		Name: "arm64", Class: elf64, Endian: Little, Machine: elf.EM_AARCH64,
		RELA: true, PointerReloc: uint32(elf.R_AARCH64_ABS64), PointerRelocName: "R_AARCH64_ABS64", PointerDirective: ".xword",
		PageSizes: pagesArm64,
		Package:   "binutils-aarch64-linux-gnu", Triple: "aarch64-linux-gnu",
		BfdEmulation: "aarch64linux", LldEmulation: "aarch64linux",
		Linkers:           allLinkers,
		DefaultSections:   plainSections(1, 1, 1),
		DataMappingSymbol: "$d",
		SectionTypePrefix: "@",
		KernelBase:        0xffff800080000000,
		Kernel:            KernelShape{OwnROAfterInit: true},
		CodeArch:          "arm64",
		// 6.1 keeps .data..ro_after_init in RO_DATA; later kernels give
		// arm64 an output section of its own for it, which Kernel follows.
		ScriptRelease: "6.1, except as in kernels after 6.1: .data..ro_after_init in an output section of its own (6.1 keeps it inside .rodata, in RO_DATA)",
		// arch/arm64/Makefile sets none: the linkers' default
		KernelLinkFlags: maxPageSize(0x10000),
	},
	{
		Name: "arm64be", Class: elf64, Endian: Big, Machine: elf.EM_AARCH64,
		RELA: true, PointerReloc: uint32(elf.R_AARCH64_ABS64), PointerRelocName: "R_AARCH64_ABS64", PointerDirective: ".xword",
		PageSizes: pagesArm64,
		Package:   "binutils-aarch64-linux-gnu", Triple: "aarch64-linux-gnu", AsFlags: []string{"-EB"},
		BfdEmulation: "aarch64linuxb", LldEmulation: "aarch64linuxb",
		Linkers:           bfdGoldLLD,
		DefaultSections:   plainSections(1, 1, 1),
		DataMappingSymbol: "$d",
		SectionTypePrefix: "@",
		KernelBase:        0xffff800080000000,
		Kernel:            KernelShape{OwnROAfterInit: true},
		CodeArch:          "", // golang-asm encodes arm64 little-endian only
		// 6.1 keeps .data..ro_after_init in RO_DATA; later kernels give
		// arm64 an output section of its own for it, which Kernel follows.
		ScriptRelease: "6.1, except as in kernels after 6.1: .data..ro_after_init in an output section of its own (6.1 keeps it inside .rodata, in RO_DATA)",
		// as arm64
		KernelLinkFlags: maxPageSize(0x10000),
	},
	{
		Name: "arm", Class: elf32, Endian: Little, Machine: elf.EM_ARM,
		Flags:        0x05000000, // EF_ARM_EABI_VER5
		PointerReloc: uint32(elf.R_ARM_ABS32), PointerRelocName: "R_ARM_ABS32", PointerDirective: ".long",
		PageSizes: pages4K,
		Package:   "binutils-arm-linux-gnueabi", Triple: "arm-linux-gnueabi",
		BfdEmulation: "armelf_linux_eabi", LldEmulation: "armelf_linux_eabi",
		Linkers: allLinkers,
		DefaultSections: withSections(plainSections(1, 1, 1),
			attributes(".ARM.attributes", shtARMAttributes, "A\x13\x00\x00\x00aeabi\x00\x01\x09\x00\x00\x00\x08\x01\x09\x01")),
		DataMappingSymbol: "$d",
		SectionTypePrefix: "%", // "@" starts a comment in ARM GNU as
		KernelBase:        0xc0008000,
		KernelRWX:         RWXOptional,
		CodeArch:          "arm",
	},
	{
		Name: "riscv64", Class: elf64, Endian: Little, Machine: elf.EM_RISCV,
		Flags: 0x4, // EF_RISCV_FLOAT_ABI_DOUBLE
		RELA:  true, PointerReloc: uint32(elf.R_RISCV_64), PointerRelocName: "R_RISCV_64", PointerDirective: ".quad",
		PageSizes: pages4K,
		Package:   "binutils-riscv64-linux-gnu", Triple: "riscv64-linux-gnu",
		BfdEmulation: "elf64lriscv", LldEmulation: "elf64lriscv",
		Linkers: bfdLLDMold,
		DefaultSections: withSections(plainSections(4, 1, 1),
			attributes(".riscv.attributes", elf.SHT_RISCV_ATTRIBUTES,
				"A\x36\x00\x00\x00riscv\x00\x01\x2c\x00\x00\x00\x05rv64i2p0_m2p0_a2p0_f2p0_d2p0_zmmul1p0\x00")),
		SectionTypePrefix: "@",
		AsmPrologue:       "\t.option norelax\n",
		KernelBase:        0xffffffff80000000,
		KernelRWX:         RWXOptional,
		LinkFlags:         []string{"--no-relax"},
		CodeArch:          "riscv64",
	},
	{
		Name: "riscv32", Class: elf32, Endian: Little, Machine: elf.EM_RISCV,
		Flags: 0x1, // EF_RISCV_RVC, soft-float ABI
		RELA:  true, PointerReloc: uint32(elf.R_RISCV_32), PointerRelocName: "R_RISCV_32", PointerDirective: ".long",
		PageSizes: pages4K,
		Package:   "binutils-riscv64-linux-gnu", Triple: "riscv64-linux-gnu",
		AsFlags:      []string{"-march=rv32imac", "-mabi=ilp32"},
		BfdEmulation: "elf32lriscv", LldEmulation: "elf32lriscv",
		Linkers: bfdLLDMold,
		DefaultSections: withSections(plainSections(2, 1, 1),
			attributes(".riscv.attributes", elf.SHT_RISCV_ATTRIBUTES,
				"A\x31\x00\x00\x00riscv\x00\x01\x27\x00\x00\x00\x05rv32i2p0_m2p0_a2p0_c2p0_zmmul1p0\x00")),
		SectionTypePrefix: "@",
		AsmPrologue:       "\t.option norelax\n",
		KernelBase:        0xc0000000, // PAGE_OFFSET; rv32 links the kernel there
		KernelRWX:         RWXOptional,
		LinkFlags:         []string{"--no-relax"},
		CodeArch:          "",
	},
	{
		Name: "ppc64le", Class: elf64, Endian: Little, Machine: elf.EM_PPC64,
		RELA: true, PointerReloc: uint32(elf.R_PPC64_ADDR64), PointerRelocName: "R_PPC64_ADDR64", PointerDirective: ".quad",
		PageSizes: pagesPPC64,
		Package:   "binutils-powerpc64le-linux-gnu", Triple: "powerpc64le-linux-gnu",
		BfdEmulation: "elf64lppc", LldEmulation: "elf64lppc",
		Linkers:           allLinkers,
		DefaultSections:   plainSections(1, 1, 1),
		SectionTypePrefix: "@",
		KernelBase:        0xc000000000000000,
		KernelRWX:         RWXOptional,
		CodeArch:          "ppc64le",
		// arch/powerpc/Makefile sets none: the linkers' default
		KernelLinkFlags: maxPageSize(0x10000),
	},
	{
		Name: "ppc64", Class: elf64, Endian: Big, Machine: elf.EM_PPC64,
		RELA: true, PointerReloc: uint32(elf.R_PPC64_ADDR64), PointerRelocName: "R_PPC64_ADDR64", PointerDirective: ".quad",
		PageSizes: pagesPPC64,
		Package:   "binutils-powerpc64le-linux-gnu", Triple: "powerpc64le-linux-gnu", AsFlags: []string{"-mbig", "-a64"},
		BfdEmulation: "elf64ppc", LldEmulation: "elf64ppc",
		Linkers:           allLinkers,
		DefaultSections:   plainSections(1, 1, 1),
		SectionTypePrefix: "@",
		KernelBase:        0xc000000000000000,
		KernelRWX:         RWXOptional,
		CodeArch:          "ppc64",
		// as ppc64le
		KernelLinkFlags: maxPageSize(0x10000),
	},
	{
		Name: "ppc", Class: elf32, Endian: Big, Machine: elf.EM_PPC,
		RELA: true, PointerReloc: uint32(elf.R_PPC_ADDR32), PointerRelocName: "R_PPC_ADDR32", PointerDirective: ".long",
		PageSizes: []uint64{4096, 16384, 65536, 262144},
		Package:   "binutils-powerpc-linux-gnu", Triple: "powerpc-linux-gnu",
		// mold takes GNU ld's name elf32ppclinux; lld only knows elf32ppc.
		BfdEmulation: "elf32ppclinux", LldEmulation: "elf32ppc",
		Linkers:           allLinkers,
		DefaultSections:   plainSections(1, 1, 1),
		SectionTypePrefix: "@",
		KernelBase:        0xc0000000,
		KernelRWX:         RWXOptional,
		CodeArch:          "",
	},
	{
		Name: "s390x", Class: elf64, Endian: Big, Machine: elf.EM_S390,
		RELA: true, PointerReloc: uint32(elf.R_390_64), PointerRelocName: "R_390_64", PointerDirective: ".quad",
		PageSizes: pages4K,
		Package:   "binutils-s390x-linux-gnu", Triple: "s390x-linux-gnu",
		BfdEmulation: "elf64_s390", LldEmulation: "elf64_s390",
		Linkers:           allLinkers,
		MinLLD:            18, // lld-16 has no elf64_s390 emulation; LLVM 18 added SystemZ to lld
		DefaultSections:   plainSections(4, 4, 4),
		SizeRoundsToAlign: true,
		SectionTypePrefix: "@",
		KernelBase:        0x100000,
		Kernel:            KernelShape{OwnROAfterInit: true},
		CodeArch:          "s390x",
	},
	{
		Name: "mips64el", Class: elf64, Endian: Little, Machine: elf.EM_MIPS,
		Flags: 0x20000000, // EF_MIPS_ARCH_3; n64 has no ABI bits
		RELA:  true, MIPS64RInfo: true,
		PointerReloc: uint32(elf.R_MIPS_64), PointerRelocName: "R_MIPS_64", PointerDirective: ".quad",
		PageSizes: pagesMIPS,
		Package:   "binutils-mips64el-linux-gnuabi64", Triple: "mips64el-linux-gnuabi64",
		BfdEmulation: "elf64ltsmip", LldEmulation: "elf64ltsmip",
		Linkers: bfdGoldLLD,
		DefaultSections: mipsSections(
			Section{Name: ".MIPS.options", Type: shtMIPSOptions, Flags: elf.SHF_ALLOC | shfMIPSNoStrip, Align: 8, EntSize: 1,
				Data: append([]byte{0x01, 0x28}, make([]byte, 38)...)}, // ODK_REGINFO, size 40, all zero
			"\x00\x00\x03\x00\x02\x02\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00",
			"A\x0f\x00\x00\x00gnu\x00\x01\x07\x00\x00\x00\x04\x01"),
		SizeMultiple:      16,
		SectionTypePrefix: "@",
		KernelBase:        0xffffffff80100000,
		KernelRWX:         RWXNever,
		Kernel:            mipsKernel,
		CodeArch:          "mips64le",
	},
	{
		Name: "mips", Class: elf32, Endian: Big, Machine: elf.EM_MIPS,
		Flags:        0x70001000, // EF_MIPS_ARCH_32R2 | EF_MIPS_ABI_O32
		PointerReloc: uint32(elf.R_MIPS_32), PointerRelocName: "R_MIPS_32", PointerDirective: ".long",
		PageSizes: pagesMIPS,
		Package:   "binutils-mips64el-linux-gnuabi64", Triple: "mips64el-linux-gnuabi64",
		AsFlags:      []string{"-EB", "-32", "-march=mips32r2"},
		BfdEmulation: "elf32btsmip", LldEmulation: "elf32btsmip",
		Linkers: bfdGoldLLD,
		DefaultSections: mipsSections(
			Section{Name: ".reginfo", Type: shtMIPSRegInfo, Flags: elf.SHF_ALLOC, Align: 4, EntSize: 24,
				Data: make([]byte, 24)},
			"\x00\x00\x20\x02\x01\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00",
			"A\x00\x00\x00\x0fgnu\x00\x01\x00\x00\x00\x07\x04\x01"),
		SizeMultiple:      16,
		SectionTypePrefix: "@",
		KernelBase:        0x80100000,
		KernelRWX:         RWXNever,
		Kernel:            mipsKernel,
		CodeArch:          "mips",
	},
	{
		Name: "m68k", Class: elf32, Endian: Big, Machine: elf.EM_68K,
		RELA: true, PointerReloc: r68K32, PointerRelocName: "R_68K_32", PointerDirective: ".long",
		PageSizes: []uint64{4096, 8192},
		Package:   "binutils-m68k-linux-gnu", Triple: "m68k-linux-gnu",
		BfdEmulation:      "m68kelf",
		Linkers:           bfdMold,
		DefaultSections:   plainSections(4, 4, 4),
		SectionTypePrefix: "@",
		KernelBase:        0x1000,
		KernelRWX:         RWXNever,
	},
	{
		Name: "sparc64", Class: elf64, Endian: Big, Machine: elf.EM_SPARCV9,
		Flags: 0x2, // EF_SPARCV9_RMO
		// .quad and .xword give R_SPARC_64; .8byte gives the unaligned R_SPARC_UA64.
		RELA: true, PointerReloc: uint32(elf.R_SPARC_64), PointerRelocName: "R_SPARC_64", PointerDirective: ".xword",
		PageSizes: []uint64{8192},
		Package:   "binutils-sparc64-linux-gnu", Triple: "sparc64-linux-gnu", AsFlags: []string{"-64"},
		// lld-19 accepts -m elf64_sparc (and also links without -m).
		BfdEmulation: "elf64_sparc", LldEmulation: "elf64_sparc",
		Linkers:           allLinkers,
		DefaultSections:   plainSections(1, 1, 1),
		SectionTypePrefix: "@",
		KernelBase:        0x404000,
		KernelRWX:         RWXNever,
	},
	{
		Name: "sh4", Class: elf32, Endian: Little, Machine: elf.EM_SH,
		Flags:         0x1, // EF_SH1
		InPlaceAddend: true, RELA: true, PointerReloc: rSHDir32, PointerRelocName: "R_SH_DIR32", PointerDirective: ".long",
		PageSizes: []uint64{4096, 8192, 16384, 65536},
		Package:   "binutils-sh4-linux-gnu", Triple: "sh4-linux-gnu",
		BfdEmulation:      "shlelf_linux",
		Linkers:           bfdMold,
		DefaultSections:   plainSections(1, 1, 1),
		SectionTypePrefix: "@",
		KernelBase:        0x8c001000,
		KernelRWX:         RWXNever,
	},
	{
		Name: "alpha", Class: elf64, Endian: Little, Machine: elf.EM_ALPHA,
		RELA: true, PointerReloc: uint32(elf.R_ALPHA_REFQUAD), PointerRelocName: "R_ALPHA_REFQUAD", PointerDirective: ".quad",
		PageSizes: []uint64{8192},
		Package:   "binutils-alpha-linux-gnu", Triple: "alpha-linux-gnu",
		BfdEmulation:      "elf64alpha",
		Linkers:           bfdMold,
		DefaultSections:   plainSections(1, 1, 1),
		SizeRoundsToAlign: true,
		SectionTypePrefix: "@",
		KernelBase:        0xfffffc0001010000,
		KernelRWX:         RWXNever,
	},
	{
		Name: "hppa", Class: elf32, Endian: Big, Machine: elf.EM_PARISC,
		OSABI: elf.ELFOSABI_LINUX,
		Flags: 0x20b, // EFA_PARISC_1_0
		RELA:  true, PointerReloc: rPARISCDir32, PointerRelocName: "R_PARISC_DIR32", PointerDirective: ".long",
		PageSizes: []uint64{4096, 16384, 65536},
		Package:   "binutils-hppa-linux-gnu", Triple: "hppa-linux-gnu",
		BfdEmulation:      "hppalinux",
		Linkers:           bfdOnly,
		DefaultSections:   plainSections(1, 1, 1),
		SizeRoundsToAlign: true,
		SectionTypePrefix: "@",
		KernelBase:        0x10100000,
	},
	{
		Name: "arc", Class: elf32, Endian: Little, Machine: elf.EM_ARC_COMPACT2,
		Flags: 0x406, // EF_ARC_CPU_ARCV2HS | E_ARC_OSABI_V4
		RELA:  true, PointerReloc: rARC32, PointerRelocName: "R_ARC_32", PointerDirective: ".long",
		PageSizes: []uint64{4096, 8192, 16384},
		Package:   "binutils-arc-linux-gnu", Triple: "arc-linux-gnu",
		BfdEmulation: "arclinux",
		Linkers:      bfdOnly,
		DefaultSections: withSections(plainSections(1, 1, 1),
			attributes(".ARC.attributes", shtARCAttributes,
				"A\x23\x00\x00\x00ARC\x00\x01\x1b\x00\x00\x00\x05\x04\x07hs38_linux\x00\x09\x04\x10CD\x00\x14\x01")),
		SizeRoundsToAlign: true,
		SectionTypePrefix: "@",
		KernelBase:        0x80000000,
		KernelRWX:         RWXNever,
	},
	{
		// Debian 12 has no loongarch64 GNU tools: nothing here was
		// measured from GNU as. Flags, RELA and the reloc follow the
		// LoongArch ELF psABI (GNU as 2.40 defaults for lp64d); lld-19
		// accepts an object built with them (TestLinkersLinkTinyObject).
		Name: "loongarch64", Class: elf64, Endian: Little, Machine: elf.EM_LOONGARCH,
		Flags: loongArchDefFlags,
		RELA:  true, PointerReloc: uint32(elf.R_LARCH_64), PointerRelocName: "R_LARCH_64", PointerDirective: ".dword",
		PageSizes:         []uint64{4096, 16384, 65536},
		LldEmulation:      "elf64loongarch",
		Linkers:           []Linker{LinkerLLD},
		MinLLD:            17, // lld-16 has no elf64loongarch emulation; LLVM 17 added it
		DefaultSections:   plainSections(1, 1, 1),
		SectionTypePrefix: "@",
		KernelBase:        0x9000000000200000,
		KernelRWX:         RWXNever,
	},
}
