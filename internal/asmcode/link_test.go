package asmcode_test

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/asmcode"
	"github.com/elfsynth/elfsynth/internal/decode"
	"github.com/elfsynth/elfsynth/internal/elfw"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
)

// targetOffset puts target away from the start of .data, so that a linker
// resolving the relocations to .data's address instead would be caught.
const targetOffset = 8

// object writes a relocatable object with the function f in .text and the
// data symbol target in .data, as elfsynth's synthesis does.
func object(t *testing.T, a *arches.Arch, fn *asmcode.Func) []byte {
	t.Helper()
	relocs := make([]elfw.Reloc, len(fn.Relocs))
	for i, r := range fn.Relocs {
		relocs[i] = elfw.Reloc{Offset: r.Offset, Symbol: 1, Type: r.Type, Addend: r.Addend}
	}
	file := &elfw.File{
		Class: a.Class, Order: a.Endian.ByteOrder(), Machine: a.Machine, Flags: a.Flags,
		RELA: a.RELA, MIPS64: a.MIPS64RInfo,
		Sections: []*elfw.Section{
			{Name: ".text", Type: elf.SHT_PROGBITS, Flags: elf.SHF_ALLOC | elf.SHF_EXECINSTR, Align: fn.Align, Data: fn.Code, Relocs: relocs},
			{Name: ".data", Type: elf.SHT_PROGBITS, Flags: elf.SHF_ALLOC | elf.SHF_WRITE, Align: 8, Data: make([]byte, 2*targetOffset)},
			{Name: ".note.GNU-stack", Type: elf.SHT_PROGBITS, Align: 1},
		},
		Symbols: []elfw.Symbol{
			{Name: "f", Section: 0, Size: uint64(len(fn.Code)), Bind: elf.STB_GLOBAL, Type: elf.STT_FUNC},
			{Name: "target", Section: 1, Value: targetOffset, Size: 8, Bind: elf.STB_GLOBAL, Type: elf.STT_OBJECT},
		},
	}
	b, err := file.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// linkers are the linkers this test drives: GNU ld (bfd) and lld-19.
var linkers = []struct {
	linker arches.Linker
	tool   func(a *arches.Arch) (string, []string)
}{
	{arches.LinkerBFD, func(a *arches.Arch) (string, []string) { return a.Tool("ld.bfd"), []string{"-m", a.BfdEmulation} }},
	{arches.LinkerLLD, func(a *arches.Arch) (string, []string) {
		if a.LldEmulation == "" {
			return "ld.lld-19", nil
		}
		return "ld.lld-19", []string{"-m", a.LldEmulation}
	}},
}

// TestLinkedAddress links the function at the target's kernel address with
// each real linker and checks the decoded function returns target's address.
func TestLinkedAddress(t *testing.T) {
	for _, tg := range targets(t) {
		for _, l := range linkers {
			t.Run(tg.codeArch+"/"+l.linker.String(), func(t *testing.T) {
				a := tg.arch
				if len(a.Linkers) > 0 && !a.Supports(l.linker) {
					t.Skipf("%s does not support %s", l.linker, a.Name)
				}
				fn, err := asmcode.AddressOf(tg.codeArch, "target")
				if err != nil {
					t.Fatal(err)
				}
				tool, args := l.tool(a)
				toolcheck.Require(t, tool)
				image := link(t, tool, args, a.KernelBase, object(t, a, fn))
				checkImage(t, tg.codeArch, image, len(fn.Code))
			})
		}
	}
}

// link runs the linker over obj with text at base and returns the image.
func link(t *testing.T, tool string, args []string, base uint64, obj []byte) string {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.o"), filepath.Join(dir, "out")
	if err := os.WriteFile(in, obj, 0o644); err != nil {
		t.Fatal(err)
	}
	args = append(args, fmt.Sprintf("-Ttext=%#x", base), "-e", "f", "-o", out, in)
	if b, err := exec.Command(tool, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, b)
	}
	return out
}

// checkImage decodes f in the linked image and compares its result with
// target's address.
func checkImage(t *testing.T, codeArch, image string, size int) {
	t.Helper()
	f, err := elf.Open(image)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	addr := map[string]uint64{}
	for _, s := range syms {
		addr[s.Name] = s.Value
	}
	code := bytesAt(t, f, addr["f"], size)
	got, listing, err := decode.AddressComputed(codeArch, asmcode.BigEndian(codeArch), code, addr["f"])
	if err != nil {
		t.Fatalf("%v\n%s", err, strings.Join(listing, "\n"))
	}
	if got != addr["target"] || got == 0 {
		t.Errorf("f returns %#x, target is at %#x\n%s", got, addr["target"], strings.Join(listing, "\n"))
	}
	t.Logf("f at %#x returns %#x\n%s", addr["f"], got, strings.Join(listing, "\n"))
}

// bytesAt reads size bytes at virtual address va of the image.
func bytesAt(t *testing.T, f *elf.File, va uint64, size int) []byte {
	t.Helper()
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Type != elf.SHT_PROGBITS || va < s.Addr || va+uint64(size) > s.Addr+s.Size {
			continue
		}
		data, err := s.Data()
		if err != nil {
			t.Fatal(err)
		}
		return data[va-s.Addr : va-s.Addr+uint64(size)]
	}
	t.Fatalf("no section holds %d bytes at %#x", size, va)
	return nil
}
