package arches

import "debug/elf"

// plainSections are the empty .text, .data and .bss GNU as writes into every
// object, with the alignments it gives them on a target.
func plainSections(text, data, bss uint64) []Section {
	return []Section{
		{Name: ".text", Type: elf.SHT_PROGBITS, Flags: elf.SHF_ALLOC | elf.SHF_EXECINSTR, Align: text},
		{Name: ".data", Type: elf.SHT_PROGBITS, Flags: elf.SHF_ALLOC | elf.SHF_WRITE, Align: data},
		{Name: ".bss", Type: elf.SHT_NOBITS, Flags: elf.SHF_ALLOC | elf.SHF_WRITE, Align: bss},
	}
}

// table is every target. Facts come from GNU as 2.40 and the Linux sources;
// ../shared/REFERENCE.md records how they were measured.
var table = []*Arch{
	{
		Name: "x86_64", Class: elf.ELFCLASS64, Endian: Little, Machine: elf.EM_X86_64,
		RELA: true, PointerReloc: uint32(elf.R_X86_64_64), PointerRelocName: "R_X86_64_64", PointerDirective: ".quad",
		PageSizes: []uint64{4096},
		Package:   "binutils-x86-64-linux-gnu", Triple: "x86_64-linux-gnu",
		BfdEmulation: "elf_x86_64", LldEmulation: "elf_x86_64",
		Linkers:           []Linker{BFD, Gold, LLD, Mold},
		DefaultSections:   plainSections(1, 1, 1),
		SectionTypePrefix: "@",
		KernelBase:        0xffffffff81000000,
		CodeArch:          "amd64",
	},
	{
		Name: "arm64", Class: elf.ELFCLASS64, Endian: Little, Machine: elf.EM_AARCH64,
		RELA: true, PointerReloc: uint32(elf.R_AARCH64_ABS64), PointerRelocName: "R_AARCH64_ABS64", PointerDirective: ".xword",
		PageSizes: []uint64{4096, 16384, 65536},
		Package:   "binutils-aarch64-linux-gnu", Triple: "aarch64-linux-gnu",
		BfdEmulation: "aarch64linux", LldEmulation: "aarch64linux",
		Linkers:           []Linker{BFD, Gold, LLD, Mold},
		DefaultSections:   plainSections(1, 1, 1),
		DataMappingSymbol: "$d",
		SectionTypePrefix: "@",
		KernelBase:        0xffff800080000000,
		CodeArch:          "arm64",
	},
}
