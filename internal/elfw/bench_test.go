package elfw

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"testing"
)

// BenchmarkBytes writes the pinned file: the size of one kernel-shaped
// unit.
func BenchmarkBytes(b *testing.B) {
	for _, tc := range []pinCase{pinCases[0], pinCases[4]} {
		b.Run(tc.name, func(b *testing.B) {
			f := pinned(tc.class, tc.order, tc.rela, tc.mips64)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.Bytes(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// manySections is a file of n data sections, each with a symbol and a
// relocation against the previous section's symbol.
func manySections(n int) *File {
	f := &File{Class: elf.ELFCLASS64, Order: binary.LittleEndian, Machine: elf.EM_X86_64, RELA: true}
	for i := range n {
		f.Sections = append(f.Sections, &Section{Name: fmt.Sprintf(".data.s%d", i), Type: elf.SHT_PROGBITS,
			Flags: elf.SHF_ALLOC | elf.SHF_WRITE, Align: 8, Data: make([]byte, 8),
			Relocs: []Reloc{{Offset: 0, Symbol: max(i-1, 0), Type: uint32(elf.R_X86_64_64), Addend: 8}}})
		f.Symbols = append(f.Symbols, Symbol{Name: fmt.Sprintf("s%d", i), Section: i, Size: 8,
			Bind: elf.STB_GLOBAL, Type: elf.STT_OBJECT})
	}
	return f
}

// BenchmarkBytesManySections writes files of growing section counts, the
// last past SHN_LORESERVE; ns/section should stay flat.
func BenchmarkBytesManySections(b *testing.B) {
	for _, n := range []int{1000, 10000, 70000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			f := manySections(n)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.Bytes(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/section")
		})
	}
}
