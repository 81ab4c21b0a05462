package asmcode_test

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/asmcode"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
)

// target is what a test needs to build and link for one codeArch: the
// arches row when it exists, or REFERENCE.md's values while the table is
// being filled.
type target struct {
	codeArch string
	arch     *arches.Arch
}

// fallback rows: name, triple, as flags, bfd emulation, kernel base.
var fallback = map[string]arches.Arch{
	"amd64":    {Name: "x86_64", Triple: "x86_64-linux-gnu", BfdEmulation: "elf_x86_64", KernelBase: 0xffffffff81000000},
	"386":      {Name: "i386", Triple: "i686-linux-gnu", AsFlags: []string{"--32"}, BfdEmulation: "elf_i386", KernelBase: 0xc1000000},
	"arm64":    {Name: "arm64", Triple: "aarch64-linux-gnu", BfdEmulation: "aarch64linux", KernelBase: 0xffff800080000000},
	"arm":      {Name: "arm", Triple: "arm-linux-gnueabi", BfdEmulation: "armelf_linux_eabi", KernelBase: 0xc0008000},
	"riscv64":  {Name: "riscv64", Triple: "riscv64-linux-gnu", BfdEmulation: "elf64lriscv", KernelBase: 0xffffffff80000000},
	"ppc64le":  {Name: "ppc64le", Triple: "powerpc64le-linux-gnu", BfdEmulation: "elf64lppc", KernelBase: 0xc000000000000000},
	"ppc64":    {Name: "ppc64", Triple: "powerpc64le-linux-gnu", AsFlags: []string{"-mbig", "-a64"}, BfdEmulation: "elf64ppc", KernelBase: 0xc000000000000000},
	"s390x":    {Name: "s390x", Triple: "s390x-linux-gnu", BfdEmulation: "elf64_s390", KernelBase: 0x100000},
	"mips64le": {Name: "mips64el", Triple: "mips64el-linux-gnuabi64", BfdEmulation: "elf64ltsmip", KernelBase: 0xffffffff80100000},
	"mips":     {Name: "mips", Triple: "mips64el-linux-gnuabi64", AsFlags: []string{"-EB", "-32", "-march=mips32r2"}, BfdEmulation: "elf32btsmip", KernelBase: 0x80100000},
}

// targets lists every codeArch with its target description.
func targets(t *testing.T) []target {
	var out []target
	for _, ca := range asmcode.Arches() {
		fb, ok := fallback[ca]
		if !ok {
			t.Fatalf("no test data for code arch %s", ca)
		}
		a, err := arches.Lookup(fb.Name)
		if err != nil || a.CodeArch != ca {
			a = &fb
			a.LldEmulation = a.BfdEmulation
		}
		out = append(out, target{codeArch: ca, arch: a})
	}
	return out
}

// assemble runs the target's GNU as over src and returns the object.
func assemble(t *testing.T, a *arches.Arch, src string) []byte {
	t.Helper()
	as := toolcheck.Require(t, a.Tool("as"))
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.s"), filepath.Join(dir, "out.o")
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append(append([]string{}, a.AsFlags...), "-o", out, in)
	if b, err := exec.Command(as, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s\nsource:\n%s", as, strings.Join(args, " "), err, b, src)
	}
	obj, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

// header fills the ELF encoding of a fallback row from an empty object GNU
// as makes, so that objects written by elfw carry what GNU as would.
func header(t *testing.T, tg target) {
	a := tg.arch
	if a.Machine != 0 {
		return
	}
	obj := assemble(t, a, "")
	f, err := elf.NewFile(bytes.NewReader(obj))
	if err != nil {
		t.Fatal(err)
	}
	a.Class, a.Machine, a.Endian = f.Class, f.Machine, arches.Little
	if f.Data == elf.ELFDATA2MSB {
		a.Endian = arches.Big
	}
	a.Flags = f.ByteOrder.Uint32(obj[36:])
	if f.Class == elf.ELFCLASS64 {
		a.Flags = f.ByteOrder.Uint32(obj[48:])
	}
	a.MIPS64RInfo = f.Class == elf.ELFCLASS64 && f.Machine == elf.EM_MIPS
	a.RELA = tg.codeArch != "386" && tg.codeArch != "arm" && tg.codeArch != "mips"
}

// reloc is one relocation read back from an object, symbol by name.
type reloc struct {
	Offset uint64
	Type   uint32
	Sym    string
	Addend int64
}

func (r reloc) String() string {
	return fmt.Sprintf("%#x type %d %s%+d", r.Offset, r.Type, r.Sym, r.Addend)
}

// relocsOf reads the relocations applying to section name of an object.
// debug/elf applies relocations but does not list them, so they are
// decoded here, with the MIPS n64 r_info layout where needed.
func relocsOf(t *testing.T, f *elf.File, name string) []reloc {
	t.Helper()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var out []reloc
	for _, s := range f.Sections {
		if (s.Type != elf.SHT_REL && s.Type != elf.SHT_RELA) || int(s.Info) >= len(f.Sections) || f.Sections[s.Info].Name != name {
			continue
		}
		data, err := s.Data()
		if err != nil {
			t.Fatal(err)
		}
		for b := data; len(b) > 0; b = b[s.Entsize:] {
			r := decodeReloc(f, s.Type == elf.SHT_RELA, b[:s.Entsize])
			r.Sym = syms[r.symIndex-1].Name
			out = append(out, r.reloc)
		}
	}
	return out
}

type rawReloc struct {
	reloc
	symIndex uint32
}

func decodeReloc(f *elf.File, rela bool, b []byte) rawReloc {
	o := f.ByteOrder
	var r rawReloc
	switch {
	case f.Class == elf.ELFCLASS64 && f.Machine == elf.EM_MIPS:
		r.Offset, r.symIndex, r.Type = o.Uint64(b), o.Uint32(b[8:]), uint32(b[15])
	case f.Class == elf.ELFCLASS64:
		info := o.Uint64(b[8:])
		r.Offset, r.symIndex, r.Type = o.Uint64(b), uint32(info>>32), uint32(info)
	default:
		info := o.Uint32(b[4:])
		r.Offset, r.symIndex, r.Type = uint64(o.Uint32(b)), info>>8, info&0xff
	}
	if rela && f.Class == elf.ELFCLASS64 {
		r.Addend = int64(o.Uint64(b[16:]))
	} else if rela {
		r.Addend = int64(int32(o.Uint32(b[8:])))
	}
	return r
}
