package elfw

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
)

// sample is one data section with a global, a local and an undefined
// symbol, and a relocation against each defined one.
func sample(class elf.Class, order binary.ByteOrder, rela bool) *File {
	return &File{
		Class: class, Order: order, Machine: elf.EM_X86_64, Flags: 0x12, OSABI: elf.ELFOSABI_LINUX, RELA: rela,
		Sections: []*Section{
			{Name: ".data", Type: elf.SHT_PROGBITS, Flags: elf.SHF_ALLOC | elf.SHF_WRITE, Align: 16, Data: make([]byte, 24),
				Relocs: []Reloc{{Offset: 8, Symbol: 2, Type: 1, Addend: 4}, {Offset: 0, Symbol: 0, Type: 1, Addend: -8}}},
			{Name: ".bss", Type: elf.SHT_NOBITS, Flags: elf.SHF_ALLOC | elf.SHF_WRITE, Align: 4096, Size: 8192},
		},
		Symbols: []Symbol{
			{Name: "global", Section: 0, Value: 0, Size: 8, Bind: elf.STB_GLOBAL, Type: elf.STT_OBJECT},
			{Name: "extern", Section: Undefined, Bind: elf.STB_GLOBAL},
			{Name: "local", Section: 1, Value: 16, Size: 4, Bind: elf.STB_LOCAL, Type: elf.STT_OBJECT},
		},
	}
}

func TestWriteReadsBack(t *testing.T) {
	for _, tc := range []struct {
		class elf.Class
		order binary.ByteOrder
		rela  bool
	}{
		{elf.ELFCLASS64, binary.LittleEndian, true},
		{elf.ELFCLASS64, binary.BigEndian, true},
		{elf.ELFCLASS32, binary.LittleEndian, false},
		{elf.ELFCLASS32, binary.BigEndian, true},
	} {
		b, err := sample(tc.class, tc.order, tc.rela).Bytes()
		require.NoError(t, err)
		f, err := elf.NewFile(bytes.NewReader(b))
		require.NoError(t, err)
		require.Equal(t, tc.class, f.Class)
		require.Equal(t, tc.order, f.ByteOrder)
		require.Equal(t, elf.ELFOSABI_LINUX, f.OSABI)
		require.Equal(t, elf.ET_REL, f.Type)

		data := f.Section(".data")
		require.Equal(t, uint64(16), data.Addralign)
		require.Zero(t, data.Offset%16, "contents placed at their alignment")
		bss := f.Section(".bss")
		require.Equal(t, uint64(8192), bss.Size)
		require.Equal(t, elf.SHT_NOBITS, bss.Type)

		syms, err := f.Symbols()
		require.NoError(t, err)
		require.Equal(t, []string{"local", "global", "extern"}, []string{syms[0].Name, syms[1].Name, syms[2].Name}, "locals first")
		symtab := f.Section(".symtab")
		require.Equal(t, uint32(2), symtab.Info, "sh_info: first global")
		require.Equal(t, elf.SectionIndex(2), syms[0].Section)

		name := ".rel.data"
		if tc.rela {
			name = ".rela.data"
		}
		rs := f.Section(name)
		require.NotNil(t, rs, name)
		require.Equal(t, uint32(1), rs.Info, "applies to .data")
		require.Equal(t, f.Sections[rs.Link].Name, ".symtab")
		require.Equal(t, uint64(2), rs.Size/rs.Entsize, "entries")
	}
}

func TestMIPS64RelocationInfo(t *testing.T) {
	file := sample(elf.ELFCLASS64, binary.LittleEndian, true)
	file.MIPS64 = true
	b, err := file.Bytes()
	require.NoError(t, err)
	f, err := elf.NewFile(bytes.NewReader(b))
	require.NoError(t, err)
	data, err := f.Section(".rela.data").Data()
	require.NoError(t, err)
	// Sorted by offset: the reloc at 0 against "global" (index 2) first.
	require.Equal(t, uint64(0), binary.LittleEndian.Uint64(data))
	require.Equal(t, uint32(2), binary.LittleEndian.Uint32(data[8:]), "r_sym")
	require.Equal(t, []byte{0, 0, 0, 1}, data[12:16], "r_ssym, r_type3, r_type2, r_type")
}

func TestBadReferences(t *testing.T) {
	file := sample(elf.ELFCLASS64, binary.LittleEndian, true)
	file.Sections[0].Relocs[0].Symbol = 9
	_, err := file.Bytes()
	require.ErrorContains(t, err, "no symbol 9")
	file = sample(elf.ELFCLASS64, binary.LittleEndian, true)
	file.Symbols[0].Section = 5
	_, err = file.Bytes()
	require.ErrorContains(t, err, "no section 5")
}

// TestClass32Limits: values a 32-bit file cannot hold are errors, not
// truncated fields.
func TestClass32Limits(t *testing.T) {
	for _, tc := range []struct {
		change func(f *File)
		want   string
	}{
		{func(f *File) { f.Sections[1].Size = 1 << 32 }, "section .bss: size 4294967296"},
		{func(f *File) { f.Symbols[0].Value = 1 << 32 }, `symbol "global": value 0x100000000`},
		{func(f *File) { f.Sections[0].Relocs[0].Addend = -1 << 31 }, ""},
		{func(f *File) { f.Sections[0].Relocs[0].Addend = 1 << 31 }, "offset or addend 2147483648 does not fit ELFCLASS32"},
		{func(f *File) { f.Sections[0].Relocs[0].Offset = 1 << 32 }, "relocation in .data at 0x100000000"},
	} {
		file := sample(elf.ELFCLASS32, binary.LittleEndian, true)
		tc.change(file)
		_, err := file.Bytes()
		if tc.want == "" {
			require.NoError(t, err)
			continue
		}
		require.ErrorContains(t, err, tc.want)
		// The same values fit ELFCLASS64.
		file.Class = elf.ELFCLASS64
		_, err = file.Bytes()
		require.NoError(t, err)
	}
}
