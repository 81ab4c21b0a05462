package elfw

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// updatePins (-update-pins) rewrites testdata/pinned; only for a change
// meant to alter the bytes elfw writes. The files were first written by the
// byte-offset writer that preceded the debug/elf header types, so that the
// rewrite could be checked byte for byte.
var updatePins = flag.Bool("update-pins", false, "rewrite testdata/pinned from the current writer")

// pinned is a file that uses every field elfw writes: a section with link,
// info and entry size, an empty section, a NOBITS one, locals (a section
// symbol, an absolute one with st_other set), weak and undefined symbols,
// and relocations with negative, zero and large addends at offsets out of
// order.
func pinned(class elf.Class, order binary.ByteOrder, rela, mips64 bool) *File {
	data := make([]byte, 40)
	for i := range data {
		data[i] = byte(i * 7)
	}
	return &File{
		Class: class, Order: order, Machine: elf.EM_MIPS, Flags: 0x70001007, OSABI: elf.ELFOSABI_LINUX,
		RELA: rela, MIPS64: mips64,
		Sections: []*Section{
			{Name: ".text", Type: elf.SHT_PROGBITS, Flags: elf.SHF_ALLOC | elf.SHF_EXECINSTR, Align: 4},
			{Name: ".data..ro_after_init", Type: elf.SHT_PROGBITS, Flags: elf.SHF_ALLOC | elf.SHF_WRITE, Align: 32, Data: data,
				Relocs: []Reloc{
					{Offset: 32, Symbol: 3, Type: 2, Addend: -16},
					{Offset: 8, Symbol: 0, Type: 18, Addend: 0x7fffffff},
					{Offset: 0, Symbol: 5, Type: 1, Addend: 0},
				}},
			{Name: ".bss..page_aligned", Type: elf.SHT_NOBITS, Flags: elf.SHF_ALLOC | elf.SHF_WRITE, Align: 4096, Size: 3 * 4096},
			{Name: ".MIPS.abiflags", Type: elf.SHT_MIPS_ABIFLAGS, Flags: elf.SHF_ALLOC, Align: 8, EntSize: 24,
				Link: 1, Info: 2, Data: []byte("abcdefghijklmnopqrstuvwx")},
		},
		Symbols: []Symbol{
			{Name: "global_ptr", Section: 1, Value: 8, Size: 8, Bind: elf.STB_GLOBAL, Type: elf.STT_OBJECT},
			{Name: "$d", Section: 1, Bind: elf.STB_LOCAL, Type: elf.STT_NOTYPE},
			{Name: "weak_page", Section: 2, Value: 4096, Size: 8192, Bind: elf.STB_WEAK, Type: elf.STT_OBJECT},
			{Name: "undefined_target", Section: Undefined, Bind: elf.STB_GLOBAL},
			{Name: "abs", Section: Absolute, Value: 0x1234, Bind: elf.STB_LOCAL, Type: elf.STT_NOTYPE, Other: byte(elf.STV_HIDDEN)},
			{Section: 1, Bind: elf.STB_LOCAL, Type: elf.STT_SECTION},
			{Name: "fn", Section: 0, Size: 0, Bind: elf.STB_GLOBAL, Type: elf.STT_FUNC, Other: byte(elf.STV_PROTECTED)},
		},
	}
}

type pinCase struct {
	name         string
	class        elf.Class
	order        binary.ByteOrder
	rela, mips64 bool
}

// pinCases cover both classes and byte orders, REL and RELA, and the MIPS
// n64 r_info layout in both byte orders. (Big-endian n64 comes out the same
// as plain big-endian RELA: with a type below 256, r_sym then r_ssym,
// r_type3, r_type2, r_type is the same bytes as r_sym<<32|r_type.)
var pinCases = []pinCase{
	{name: "elf64-le-rela", class: elf.ELFCLASS64, order: binary.LittleEndian, rela: true},
	{name: "elf64-be-rela", class: elf.ELFCLASS64, order: binary.BigEndian, rela: true},
	{name: "elf64-le-rel", class: elf.ELFCLASS64, order: binary.LittleEndian},
	{name: "elf32-le-rel", class: elf.ELFCLASS32, order: binary.LittleEndian},
	{name: "elf32-be-rel", class: elf.ELFCLASS32, order: binary.BigEndian},
	{name: "elf32-le-rela", class: elf.ELFCLASS32, order: binary.LittleEndian, rela: true},
	{name: "elf32-be-rela", class: elf.ELFCLASS32, order: binary.BigEndian, rela: true},
	{name: "elf64-le-rela-mips64", class: elf.ELFCLASS64, order: binary.LittleEndian, rela: true, mips64: true},
	{name: "elf64-be-rela-mips64", class: elf.ELFCLASS64, order: binary.BigEndian, rela: true, mips64: true},
}

// TestPinnedBytes compares every byte of the pinned files with the ones in
// testdata/pinned, and names the first difference.
func TestPinnedBytes(t *testing.T) {
	for _, tc := range pinCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := pinned(tc.class, tc.order, tc.rela, tc.mips64).Bytes()
			require.NoError(t, err)
			path := filepath.Join("testdata", "pinned", tc.name+".o")
			if *updatePins {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: %s", path, firstDifference(got, want))
			}
			// The pinned bytes are a real object, not just old output.
			f, err := elf.NewFile(bytes.NewReader(got))
			require.NoError(t, err)
			require.Len(t, f.Sections, 1+4+1+3) // null, 4 given, one .rel(a), .symtab, .strtab, .shstrtab
		})
	}
}

// firstDifference describes where got and want part.
func firstDifference(got, want []byte) string {
	n := min(len(got), len(want))
	for i := 0; i < n; i++ {
		if got[i] != want[i] {
			return fmt.Sprintf("byte %#x is %#02x, want %#02x (lengths %d, %d)", i, got[i], want[i], len(got), len(want))
		}
	}
	return fmt.Sprintf("length %d, want %d", len(got), len(want))
}
