package elfw

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/internal/toolcheck"
)

const loreserve = int(elf.SHN_LORESERVE) // 0xff00

// emptySections is a file of n empty sections and no symbols: n+4 sections
// in all (null, .symtab, .strtab, .shstrtab).
func emptySections(class elf.Class, order binary.ByteOrder, n int) *File {
	f := &File{Class: class, Order: order, Machine: elf.EM_X86_64, RELA: true}
	f.Sections = make([]*Section, n)
	for i := range f.Sections {
		f.Sections[i] = &Section{Name: ".t" + strconv.Itoa(i), Type: elf.SHT_PROGBITS, Flags: elf.SHF_ALLOC, Align: 1}
	}
	return f
}

// rawHeader is what a file's header and section 0 say about the section
// count and .shstrtab's index, before any reader interprets them.
type rawHeader struct {
	shnum, shstrndx uint16
	size0           uint64 // section 0's sh_size
	link0           uint32 // section 0's sh_link
}

func readRaw(t *testing.T, b []byte) rawHeader {
	t.Helper()
	r := bytes.NewReader(b)
	var o binary.ByteOrder = binary.LittleEndian
	if b[elf.EI_DATA] == byte(elf.ELFDATA2MSB) {
		o = binary.BigEndian
	}
	if elf.Class(b[elf.EI_CLASS]) == elf.ELFCLASS64 {
		var h elf.Header64
		var s0 elf.Section64
		require.NoError(t, binary.Read(r, o, &h))
		require.NoError(t, binary.Read(bytes.NewReader(b[h.Shoff:]), o, &s0))
		return rawHeader{h.Shnum, h.Shstrndx, s0.Size, s0.Link}
	}
	var h elf.Header32
	var s0 elf.Section32
	require.NoError(t, binary.Read(r, o, &h))
	require.NoError(t, binary.Read(bytes.NewReader(b[h.Shoff:]), o, &s0))
	return rawHeader{h.Shnum, h.Shstrndx, uint64(s0.Size), s0.Link}
}

// TestExtendedNumberingThresholds writes files just below and at the two
// thresholds: a count of 0xff00 sections no longer fits e_shnum, and an
// index of 0xff00 for .shstrtab no longer fits e_shstrndx. The last case
// is highSymbols64 (0xff00+300 sections and .symtab_shndx), shared with
// the tests below: files of 0xff00 sections are slow to make under the
// race detector.
func TestExtendedNumberingThresholds(t *testing.T) {
	empty := func(class elf.Class, order binary.ByteOrder, total int) func() ([]byte, error) {
		return emptySections(class, order, total-4).Bytes
	}
	for _, tc := range []struct {
		name  string
		write func() ([]byte, error)
		total int
		want  rawHeader
	}{
		{"ELFCLASS64-0xfeff", empty(elf.ELFCLASS64, binary.LittleEndian, loreserve-1), loreserve - 1, rawHeader{0xfeff, 0xfefe, 0, 0}},
		{"ELFCLASS32-0xff00", empty(elf.ELFCLASS32, binary.BigEndian, loreserve), loreserve, rawHeader{0, 0xfeff, 0xff00, 0}},
		{"ELFCLASS64-high-symbols", highSymbols64, highTotal, rawHeader{0, 0xffff, uint64(highTotal), uint32(highTotal - 1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := tc.write()
			require.NoError(t, err)
			require.Equal(t, tc.want, readRaw(t, b))
			f, err := elf.NewFile(bytes.NewReader(b))
			require.NoError(t, err)
			require.Len(t, f.Sections, tc.total)
			require.Equal(t, ".t0", f.Sections[1].Name, "names come from the right .shstrtab")
			require.Equal(t, ".shstrtab", f.Sections[tc.total-1].Name)
		})
	}
}

// highSymbols is a file whose symbols sit in sections on both sides of
// SHN_LORESERVE, with relocations against them, plus an undefined and an
// absolute one.
func highSymbols(class elf.Class, order binary.ByteOrder) *File {
	f := emptySections(class, order, loreserve+300)
	f.Sections[0].Data = make([]byte, 64)
	for i, sec := range []int{loreserve - 2, loreserve - 1, loreserve, 0xffff - 1, loreserve + 299} {
		f.Symbols = append(f.Symbols, Symbol{Name: fmt.Sprintf("s%d", i), Section: sec, Bind: elf.STB_GLOBAL, Type: elf.STT_OBJECT})
		f.Sections[0].Relocs = append(f.Sections[0].Relocs, Reloc{Offset: uint64(8 * i), Symbol: i, Type: 1})
	}
	f.Symbols = append(f.Symbols,
		Symbol{Name: "local_high", Section: loreserve + 5, Bind: elf.STB_LOCAL},
		Symbol{Name: "undef", Section: Undefined, Bind: elf.STB_GLOBAL},
		Symbol{Name: "abs", Section: Absolute, Value: 7, Bind: elf.STB_GLOBAL})
	return f
}

// highTotal is the number of sections of a highSymbols file: the null
// section, its own, .rela.t0, .symtab, .symtab_shndx, .strtab, .shstrtab.
const highTotal = 1 + loreserve + 300 + 5

// highSymbols64 is highSymbols for ELFCLASS64, little-endian, written
// once: files of 0xff00 sections are slow to make under the race detector.
var highSymbols64 = sync.OnceValues(func() ([]byte, error) {
	return highSymbols(elf.ELFCLASS64, binary.LittleEndian).Bytes()
})

// wantIndex is the section index each of highSymbols' symbols has, by name.
var wantIndex = map[string]int{"s0": loreserve - 1, "s1": loreserve, "s2": loreserve + 1, "s3": 0xffff,
	"s4": loreserve + 300, "local_high": loreserve + 6, "undef": int(elf.SHN_UNDEF), "abs": int(elf.SHN_ABS)}

// TestSymbolSectionIndexes reads .symtab_shndx by hand (debug/elf returns
// SHN_XINDEX as it is): every symbol whose index does not fit st_shndx has
// SHN_XINDEX there and its index in .symtab_shndx; the others have 0 there.
func TestSymbolSectionIndexes(t *testing.T) {
	for _, tc := range []struct {
		class elf.Class
		order binary.ByteOrder
	}{{elf.ELFCLASS64, binary.LittleEndian}, {elf.ELFCLASS32, binary.BigEndian}} {
		t.Run(tc.class.String(), func(t *testing.T) {
			t.Parallel()
			write := highSymbols64
			if tc.class != elf.ELFCLASS64 {
				write = highSymbols(tc.class, tc.order).Bytes
			}
			b, err := write()
			require.NoError(t, err)
			f, err := elf.NewFile(bytes.NewReader(b))
			require.NoError(t, err)
			symtab, shndx := f.Section(".symtab"), f.Section(".symtab_shndx")
			require.NotNil(t, shndx)
			require.Equal(t, elf.SHT_SYMTAB_SHNDX, shndx.Type)
			require.Equal(t, uint64(4), shndx.Entsize)
			require.Equal(t, f.Sections[shndx.Link], symtab, "sh_link: .symtab")
			require.Equal(t, symtab.Size/symtab.Entsize, shndx.Size/4, "one entry per symbol")
			require.Equal(t, ".strtab", f.Sections[symtab.Link].Name)
			words, err := shndx.Data()
			require.NoError(t, err)
			syms, err := f.Symbols()
			require.NoError(t, err)
			require.Len(t, syms, len(wantIndex))
			for i, s := range syms {
				word := int(tc.order.Uint32(words[4*(i+1):]))
				want := wantIndex[s.Name]
				if want >= loreserve && want != int(elf.SHN_ABS) {
					require.Equal(t, elf.SHN_XINDEX, s.Section, s.Name)
					require.Equal(t, want, word, s.Name)
					require.Equal(t, fmt.Sprintf(".t%d", want-1), f.Sections[want].Name, s.Name)
				} else {
					require.Equal(t, want, int(s.Section), s.Name)
					require.Zero(t, word, s.Name)
				}
			}
		})
	}
}

// TestExtendedNumberingReadelf has GNU readelf read the file: it follows
// section 0 for the count and .shstrtab, and .symtab_shndx for symbols.
func TestExtendedNumberingReadelf(t *testing.T) {
	t.Parallel()
	readelf := toolcheck.Require(t, "x86_64-linux-gnu-readelf")
	b, err := highSymbols64()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "high.o")
	require.NoError(t, os.WriteFile(path, b, 0o644))

	var stderr bytes.Buffer
	cmd := exec.Command(readelf, "-h", "-S", "-s", "-r", "-W", path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	require.Empty(t, stderr.String(), "readelf warnings")
	text := string(out)
	total := highTotal
	has := func(pattern string) {
		t.Helper()
		if !regexp.MustCompile(pattern).MatchString(text) {
			t.Errorf("readelf output has no match for %q", pattern)
		}
	}
	has(fmt.Sprintf(`Number of section headers: +0 \(%d\)`, total))
	has(fmt.Sprintf(`Section header string table index: 65535 \(%d\)`, total-1))
	has(fmt.Sprintf(`\[%d\] \.symtab_shndx +SYMTAB SECTION INDICES`, total-3))
	has(fmt.Sprintf(`\[%d\] \.shstrtab +STRTAB`, total-1))
	for name, want := range wantIndex {
		ndx := strconv.Itoa(want)
		switch want {
		case int(elf.SHN_UNDEF):
			ndx = "UND"
		case int(elf.SHN_ABS):
			ndx = "ABS"
		}
		has(` ` + ndx + ` ` + name + `\n`)
	}
	// Relocations name the symbols in high sections too.
	if n := strings.Count(text, "R_X86_64_64"); n != 5 {
		t.Errorf("%d R_X86_64_64 relocations, want 5", n)
	}
	has(`R_X86_64_64 +0+ s4 \+ 0\n`)
}
