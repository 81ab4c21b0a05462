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
	"github.com/elfsynth/elfsynth/internal/toolcheck"
)

// target is one codeArch with its row in the arches table.
type target struct {
	codeArch string
	arch     *arches.Arch
}

// targets lists every codeArch asmcode supports with its target; each must
// have a row in the arches table.
func targets(t *testing.T) []target {
	byCode := map[string]*arches.Arch{}
	for _, a := range arches.All() {
		if a.CodeArch != "" {
			byCode[a.CodeArch] = a
		}
	}
	var out []target
	for _, ca := range asmcode.Arches() {
		a, ok := byCode[ca]
		if !ok {
			t.Fatalf("no arches row has code arch %s", ca)
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
