package arches_test

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
	"github.com/elfsynth/elfsynth/internal/toolcheck"
)

// assemble runs a's GNU as on src and returns the object's path.
func assemble(t *testing.T, a *arches.Arch, name, src string) string {
	t.Helper()
	as := toolcheck.Require(t, a.Tool("as"))
	dir := t.TempDir()
	in, out := filepath.Join(dir, name+".s"), filepath.Join(dir, name+".o")
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append(append([]string{}, a.AsFlags...), "-o", out, in)
	if msg, err := exec.Command(as, args...).CombinedOutput(); err != nil || len(msg) > 0 {
		t.Fatalf("%s %s: %v\n%s\nsource:\n%s", as, strings.Join(args, " "), err, msg, src)
	}
	return out
}

// openObject reads path with debug/elf and also returns e_flags, which
// debug/elf does not expose.
func openObject(t *testing.T, path string) (*elf.File, uint32) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	off := 0x24 // e_flags in an ELF32 header
	if f.Class == elf.ELFCLASS64 {
		off = 0x30
	}
	return f, f.ByteOrder.Uint32(raw[off:])
}

// checkHeader asserts the object's identity matches the row.
func checkHeader(t *testing.T, a *arches.Arch, f *elf.File, flags uint32) {
	t.Helper()
	if f.Class != a.Class || f.ByteOrder != a.Endian.ByteOrder() || f.Machine != a.Machine || flags != a.Flags {
		t.Errorf("header: got %v %v %v flags %#x; table says %v %v %v flags %#x",
			f.Class, f.ByteOrder, f.Machine, flags, a.Class, a.Endian, a.Machine, a.Flags)
	}
	if f.OSABI != a.OSABI {
		t.Errorf("header: EI_OSABI %v; table says %v", f.OSABI, a.OSABI)
	}
}

// bookkeeping reports sections every object has and the table leaves out.
func bookkeeping(s *elf.Section) bool {
	switch s.Type {
	case elf.SHT_NULL, elf.SHT_SYMTAB, elf.SHT_STRTAB, elf.SHT_REL, elf.SHT_RELA:
		return true
	}
	return false
}

// checkSection asserts an object's section equals a default section.
func checkSection(t *testing.T, got *elf.Section, want arches.Section) {
	t.Helper()
	if got.Name != want.Name || got.Type != want.Type || got.Flags != want.Flags ||
		got.Addralign != want.Align || got.Entsize != want.EntSize {
		t.Errorf("section %s: got type %v flags %v align %d entsize %d; table says %s type %v flags %v align %d entsize %d",
			got.Name, got.Type, got.Flags, got.Addralign, got.Entsize,
			want.Name, want.Type, want.Flags, want.Align, want.EntSize)
		return
	}
	if got.Type == elf.SHT_NOBITS {
		return
	}
	data, err := got.Data()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, want.Data) {
		t.Errorf("section %s data:\n got %#v\nwant %#v", got.Name, data, want.Data)
	}
}

// dataSource is a data-only unit shaped like the founding case: a pointer
// word in .data..ro_after_init, a page-aligned array, an odd-sized section
// and a NOBITS section (which checks the section type prefix).
func dataSource(a *arches.Arch) string {
	p := a.SectionTypePrefix
	return fmt.Sprintf(`.section .data..ro_after_init,"aw",%[1]sprogbits
.balign 8
foo: .zero 8
.balign 4096
bar: .zero 4096
%[2]s foo
.section .odd,"a",%[1]sprogbits
.zero 3
.section .page,"aw",%[1]sprogbits
.balign 4096
.zero 8
.section .bss..page_aligned,"aw",%[1]snobits
.balign 4096
.zero 8
`, p, a.PointerDirective)
}

// userSections are the sections dataSource declares, with the sizes GNU as
// gives them before rounding, their alignments and types.
var userSections = []struct {
	name        string
	size, align uint64
	typ         elf.SectionType
}{
	{".data..ro_after_init", 0, 4096, elf.SHT_PROGBITS}, // size depends on the pointer size
	{".odd", 3, 1, elf.SHT_PROGBITS},
	{".page", 8, 4096, elf.SHT_PROGBITS},
	{".bss..page_aligned", 8, 4096, elf.SHT_NOBITS},
}

func TestGNUAsFacts(t *testing.T) {
	for _, a := range arches.All() {
		if a.Package == "" {
			continue // no GNU tools for this target
		}
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			t.Run("empty", func(t *testing.T) { checkEmpty(t, a) })
			t.Run("data", func(t *testing.T) { checkData(t, a) })
		})
	}
}

// checkEmpty asserts an empty unit has exactly the default sections.
func checkEmpty(t *testing.T, a *arches.Arch) {
	f, flags := openObject(t, assemble(t, a, "empty", ""))
	checkHeader(t, a, f, flags)
	var got []*elf.Section
	for _, s := range f.Sections {
		if !bookkeeping(s) {
			got = append(got, s)
		}
	}
	if len(got) != len(a.DefaultSections) {
		t.Fatalf("got %d sections %v; table lists %d", len(got), names(got), len(a.DefaultSections))
	}
	for i, want := range a.DefaultSections {
		checkSection(t, got[i], want)
	}
}

// checkData asserts section order, rounding, relocation and mapping symbol
// for a data-only unit.
func checkData(t *testing.T, a *arches.Arch) {
	f, flags := openObject(t, assemble(t, a, "data", dataSource(a)))
	checkHeader(t, a, f, flags)
	var want []string
	for _, d := range a.DefaultSections {
		if !d.Trailing {
			want = append(want, d.Name)
		}
	}
	for _, u := range userSections {
		want = append(want, u.name)
	}
	for _, d := range a.DefaultSections {
		if d.Trailing {
			want = append(want, d.Name)
		}
	}
	var got []*elf.Section
	for _, s := range f.Sections {
		if !bookkeeping(s) {
			got = append(got, s)
		}
	}
	if g := names(got); strings.Join(g, " ") != strings.Join(want, " ") {
		t.Fatalf("section order:\n got %v\nwant %v", g, want)
	}
	defaults := map[string]arches.Section{}
	for _, d := range a.DefaultSections {
		defaults[d.Name] = d
	}
	for _, s := range got {
		if d, ok := defaults[s.Name]; ok {
			checkSection(t, s, d)
		}
	}
	checkUserSizes(t, a, f)
	checkPointerReloc(t, a, f)
	checkMappingSymbol(t, a, f)
}

// checkUserSizes asserts RoundSectionSize predicts GNU as's section sizes.
func checkUserSizes(t *testing.T, a *arches.Arch, f *elf.File) {
	for _, u := range userSections {
		s := f.Section(u.name)
		size := u.size
		if size == 0 {
			size = 8192 + a.PointerSize()
		}
		if s.Type != u.typ || s.Addralign != u.align {
			t.Errorf("%s: type %v align %d, want %v %d", u.name, s.Type, s.Addralign, u.typ, u.align)
		}
		if want := a.RoundSectionSize(size, u.align); s.Size != want {
			t.Errorf("%s: GNU as size %#x, RoundSectionSize(%#x, %d) = %#x", u.name, s.Size, size, u.align, want)
		}
	}
}

// checkPointerReloc asserts the pointer word got the table's relocation in
// a section of the table's kind (REL or RELA).
func checkPointerReloc(t *testing.T, a *arches.Arch, f *elf.File) {
	kind, name := elf.SHT_REL, ".rel.data..ro_after_init"
	if a.RELA {
		kind, name = elf.SHT_RELA, ".rela.data..ro_after_init"
	}
	rs := f.Section(name)
	if rs == nil || rs.Type != kind {
		t.Fatalf("no %v section %s; sections %v", kind, name, names(f.Sections))
	}
	data, err := rs.Data()
	if err != nil {
		t.Fatal(err)
	}
	if uint64(len(data)) != rs.Entsize || rs.Entsize == 0 {
		t.Fatalf("%s: %d bytes, entsize %d; want one relocation", name, len(data), rs.Entsize)
	}
	if typ := relocType(a, f, data); typ != a.PointerReloc {
		t.Errorf("pointer word %s: reloc type %d, table says %d (%s)", a.PointerDirective, typ, a.PointerReloc, a.PointerRelocName)
	}
}

// relocType decodes the type of the relocation entry at the start of b.
func relocType(a *arches.Arch, f *elf.File, b []byte) uint32 {
	switch {
	case a.MIPS64RInfo:
		return uint32(b[15]) // r_sym, r_ssym, r_type3, r_type2, r_type
	case f.Class == elf.ELFCLASS64:
		return uint32(f.ByteOrder.Uint64(b[8:]))
	default:
		return f.ByteOrder.Uint32(b[4:]) & 0xff
	}
}

// checkMappingSymbol asserts GNU as marks data with the table's mapping
// symbol, or with none.
func checkMappingSymbol(t *testing.T, a *arches.Arch, f *elf.File) {
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for _, s := range syms {
		if int(s.Section) >= len(f.Sections) {
			continue // absolute or common
		}
		if strings.HasPrefix(s.Name, "$") && f.Sections[s.Section].Name == ".data..ro_after_init" && s.Value == 0 {
			got = s.Name
		}
	}
	if got != a.DataMappingSymbol {
		t.Errorf("mapping symbol at start of data: %q, table says %q", got, a.DataMappingSymbol)
	}
}

func names(ss []*elf.Section) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}
