package layout_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io"
	"os"
	"testing"

	. "github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/ldrun/report"
)

// craftImage makes an x86_64 executable with nsec allocated sections of
// 4 KiB, aligned to 64 (every other one NOBITS), and perSec (at most 16)
// symbols of 200 bytes in each, 256 bytes apart, in one PT_LOAD: the
// shape that took 17 s to read when finding holes cost sections times
// symbols.
func craftImage(nsec, perSec int) []byte {
	const base, secSize = 0xffffffff81000000, 4096
	type sym struct {
		name        uint32
		shndx       uint16
		value, size uint64
	}
	var strtab bytes.Buffer
	strtab.WriteByte(0)
	shstr := func(s string) uint32 { n := uint32(strtab.Len()); strtab.WriteString(s); strtab.WriteByte(0); return n }
	var syms []sym
	var shdrs []elf.Section64
	shdrs = append(shdrs, elf.Section64{})
	progbits := 0
	for i := 0; i < nsec; i++ {
		typ := uint32(elf.SHT_NOBITS)
		if i%2 == 0 {
			typ = uint32(elf.SHT_PROGBITS)
			progbits++
		}
		shdrs = append(shdrs, elf.Section64{Name: shstr(".s" + itoa(i)), Type: typ,
			Flags: uint64(elf.SHF_ALLOC | elf.SHF_WRITE), Addr: base + uint64(i)*secSize, Size: secSize, Addralign: 64})
		for j := 0; j < perSec; j++ {
			syms = append(syms, sym{name: shstr("sym_" + itoa(i) + "_" + itoa(j)), shndx: uint16(i + 1),
				value: base + uint64(i)*secSize + uint64(j)*256, size: 200})
		}
	}
	symtabName, strtabName := shstr(".symtab"), shstr(".strtab")
	// File: header, one program header, section contents, symbols,
	// strings, section headers.
	le := binary.LittleEndian
	var out bytes.Buffer
	hdrEnd := uint64(64 + 56)
	dataOff := uint64(0x1000)
	fileData := uint64(progbits) * secSize
	symOff := dataOff + fileData
	symSize := uint64(len(syms)+1) * 24
	strOff := symOff + symSize
	shOff := (strOff + uint64(strtab.Len()) + 7) &^ 7
	off := dataOff
	for i := 1; i < len(shdrs); i++ {
		if elf.SectionType(shdrs[i].Type) == elf.SHT_PROGBITS {
			shdrs[i].Off = off
			off += secSize
		} else {
			shdrs[i].Off = off
		}
	}
	shdrs = append(shdrs,
		elf.Section64{Name: symtabName, Type: uint32(elf.SHT_SYMTAB), Off: symOff, Size: symSize, Link: uint32(len(shdrs) + 1), Info: 1, Addralign: 8, Entsize: 24},
		elf.Section64{Name: strtabName, Type: uint32(elf.SHT_STRTAB), Off: strOff, Size: uint64(strtab.Len()), Addralign: 1})
	ehdr := elf.Header64{Type: uint16(elf.ET_EXEC), Machine: uint16(elf.EM_X86_64), Version: 1, Entry: base,
		Phoff: 64, Shoff: shOff, Ehsize: 64, Phentsize: 56, Phnum: 1, Shentsize: 64, Shnum: uint16(len(shdrs)),
		Shstrndx: uint16(len(shdrs) - 1)}
	copy(ehdr.Ident[:], elf.ELFMAG)
	ehdr.Ident[elf.EI_CLASS], ehdr.Ident[elf.EI_DATA], ehdr.Ident[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), 1
	binary.Write(&out, le, ehdr)
	binary.Write(&out, le, elf.Prog64{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_W), Off: dataOff, Vaddr: base,
		Paddr: base, Filesz: fileData, Memsz: uint64(nsec) * secSize, Align: 0x1000})
	out.Write(make([]byte, dataOff-hdrEnd))
	// Data: symbols' bytes are 0xaa, holes zero: the holes are padding.
	page := make([]byte, secSize)
	for j := 0; j < perSec; j++ {
		for k := 0; k < 200; k++ {
			page[j*256+k] = 0xaa
		}
	}
	for i := 0; i < progbits; i++ {
		out.Write(page)
	}
	out.Write(make([]byte, 24))
	for _, s := range syms {
		binary.Write(&out, le, elf.Sym64{Name: s.name, Info: elf.ST_INFO(elf.STB_GLOBAL, elf.STT_OBJECT), Shndx: s.shndx,
			Value: s.value, Size: s.size})
	}
	out.Write(strtab.Bytes())
	out.Write(make([]byte, shOff-uint64(out.Len())))
	for _, h := range shdrs {
		binary.Write(&out, le, h)
	}
	return out.Bytes()
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// TestCraftedImage reads a crafted image with 800 sections and 8,000
// symbols, with nothing but the image, and checks every byte of it: the
// symbols; the 56 zero bytes before each next 256-aligned symbol as
// padding (the section's alignment, 64, caps what is inferred); the 1592
// bytes after each section's last symbol as content, as no alignment up to
// 64 explains so many.
func TestCraftedImage(t *testing.T) {
	t.Parallel()
	lay, err := Read(bytes.NewReader(craftImage(800, 10)), Sources{})
	if err != nil {
		t.Fatal(err)
	}
	if err := lay.Check(); err != nil {
		t.Fatal(err)
	}
	if len(lay.Symbols) != 8000 {
		t.Fatalf("%d symbols, want 8000", len(lay.Symbols))
	}
	want := Bytes{Symbols: 800 * 10 * 200, Padding: 800 * 9 * 56, Content: 800 * 1592}
	if lay.Bytes != want {
		t.Errorf("bytes %+v, want %+v", lay.Bytes, want)
	}
	for _, h := range lay.Holes[:3] {
		if h.Kind != CauseAlignment || h.Align != 64 || !h.Inferred || h.Size != 56 {
			t.Errorf("hole %+v, want 56 bytes inferred from an alignment of at least 64", h)
		}
	}
}

// BenchmarkReadCrafted reads an image of 8,000 sections and 80,000
// symbols: finding symbols and holes must be O(n log n) (it took 17 s
// when it was sections times symbols).
func BenchmarkReadCrafted(b *testing.B) {
	img := craftImage(8000, 10)
	b.SetBytes(int64(len(img)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(img), Sources{}); err != nil {
			b.Fatal(err)
		}
	}
}

// distroImage is a distro kernel's debug vmlinux to measure against
// (Debian's is 589 MB with 117,000 symbols), named by
// ELFSYNTH_DISTRO_VMLINUX; benchmarks skip without it.
func distroImage(b *testing.B) *os.File {
	path := os.Getenv("ELFSYNTH_DISTRO_VMLINUX")
	if path == "" {
		b.Skip("set ELFSYNTH_DISTRO_VMLINUX to a distro kernel's vmlinux")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f
}

// BenchmarkInspectDistro reads a distro kernel through its file and
// writes the text report, as `elfsynth inspect` does.
func BenchmarkInspectDistro(b *testing.B) {
	f := distroImage(b)
	b.ReportAllocs()
	for b.Loop() {
		lay, err := Read(f, Sources{})
		if err != nil {
			b.Fatal(err)
		}
		if err := report.Layout(io.Discard, lay); err != nil {
			b.Fatal(err)
		}
	}
}
