package synth

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/arches"
)

// zeroPage is the founding case's three units, built in Go.
func zeroPage() *Scenario {
	sym := func(name string, size, align Amount) Symbol { return Symbol{Name: name, Size: size, Align: align} }
	return &Scenario{Name: "zero-page", Units: []Unit{
		{Name: "a.o", Sections: []Section{
			{Name: ".rodata", Symbols: []Symbol{sym("a_rodata", Bytes(100), Amount{})}},
			{Name: ".data..ro_after_init", Symbols: []Symbol{sym("a_ro1", Bytes(8), Bytes(8)), sym("a_ro2", Bytes(24), Bytes(8))}},
		}},
		{Name: "mm_init.o", Sections: []Section{
			{Name: ".data..ro_after_init", Symbols: []Symbol{
				sym("zero_page_pfn", Bytes(8), Bytes(8)),
				sym("empty_zero_page", Pages(1), Pages(1)),
				{Name: "__zero_page", PointsTo: &Ref{Symbol: "empty_zero_page", Offset: 16}},
				{Name: "local_ptr", Bind: "local", PointsTo: &Ref{Symbol: "a_ro1"}},
				{Name: "filled", Size: Bytes(3), Fill: 0xa5, Bind: "weak"},
			}},
			{Name: ".bss..page_aligned", Symbols: []Symbol{sym("bss_page", Pages(2), Pages(1))}},
		}},
		{Name: "c.o", Sections: []Section{
			{Name: ".data..ro_after_init", Symbols: []Symbol{{Name: "c_ptr", PointsTo: &Ref{Symbol: "filled", Offset: 1}}}},
		}},
	}}
}

// TestObjectsReadBack checks, on every target, that debug/elf reads each
// object back to the planned sections, symbols and relocations.
func TestObjectsReadBack(t *testing.T) {
	for _, a := range arches.All() {
		t.Run(a.Name, func(t *testing.T) {
			plan, err := Build(zeroPage(), a, 0)
			require.NoError(t, err)
			objs, err := plan.Objects()
			require.NoError(t, err)
			require.Len(t, objs, 3)
			for i, o := range objs {
				checkReadBack(t, a, plan.Units[i], o.Data)
			}
		})
	}
}

func checkReadBack(t *testing.T, a *arches.Arch, u *PlannedUnit, data []byte) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data))
	require.NoError(t, err, u.Name)
	require.Equal(t, a.Class, f.Class)
	require.Equal(t, a.Machine, f.Machine)
	require.Equal(t, a.Endian.ByteOrder(), f.ByteOrder)
	require.Equal(t, elf.ET_REL, f.Type)
	for _, ps := range u.Sections {
		s := f.Section(ps.Name)
		require.NotNil(t, s, "%s: section %s", u.Name, ps.Name)
		require.Equal(t, ps.Type, s.Type, ps.Name)
		require.Equal(t, ps.Flags, s.Flags, ps.Name)
		require.Equal(t, ps.Align, s.Addralign, ps.Name)
		require.Equal(t, ps.Size, s.Size, ps.Name)
	}
	syms, err := f.Symbols()
	require.NoError(t, err)
	byName := map[string]elf.Symbol{}
	for _, s := range syms {
		byName[s.Name] = s
	}
	for _, ps := range u.Sections {
		for _, want := range ps.Symbols {
			got, ok := byName[want.Name]
			require.True(t, ok, "%s: symbol %s", u.Name, want.Name)
			require.Equal(t, want.Offset, got.Value, want.Name)
			require.Equal(t, want.Size, got.Size, want.Name)
			require.Equal(t, want.Bind, elf.ST_BIND(got.Info), want.Name)
			require.Equal(t, ps.Name, f.Sections[got.Section].Name, want.Name)
		}
	}
	checkRelocs(t, a, f, u)
}

// checkRelocs counts the pointer relocations in each section and checks
// their type and where they point.
func checkRelocs(t *testing.T, a *arches.Arch, f *elf.File, u *PlannedUnit) {
	t.Helper()
	for _, ps := range u.Sections {
		var want []uint64
		for _, sym := range ps.Symbols {
			if sym.PointsTo != nil {
				want = append(want, sym.Offset)
			}
		}
		prefix := ".rel"
		if a.RELA {
			prefix = ".rela"
		}
		rs := f.Section(prefix + ps.Name)
		if len(want) == 0 {
			require.Nil(t, rs, "%s: %s%s", u.Name, prefix, ps.Name)
			continue
		}
		require.NotNil(t, rs, "%s: %s%s", u.Name, prefix, ps.Name)
		got := relocOffsets(t, a, f, rs)
		require.Equal(t, want, got, "%s: relocation offsets in %s", u.Name, ps.Name)
	}
}

// relocOffsets decodes a relocation section by hand and checks each type.
func relocOffsets(t *testing.T, a *arches.Arch, f *elf.File, rs *elf.Section) []uint64 {
	t.Helper()
	data, err := rs.Data()
	require.NoError(t, err)
	require.NotZero(t, rs.Entsize)
	var offs []uint64
	o := f.ByteOrder
	for len(data) >= int(rs.Entsize) {
		var off, typ uint64
		switch {
		case f.Class == elf.ELFCLASS64 && a.MIPS64RInfo:
			off, typ = o.Uint64(data), uint64(data[15])
		case f.Class == elf.ELFCLASS64:
			off, typ = o.Uint64(data), o.Uint64(data[8:])&0xffffffff
		default:
			off, typ = uint64(o.Uint32(data)), uint64(o.Uint32(data[4:])&0xff)
		}
		require.Equal(t, uint64(a.PointerReloc), typ, "relocation type at %#x", off)
		offs = append(offs, off)
		data = data[rs.Entsize:]
	}
	return offs
}

// TestObjectsAreDeterministic: the same input gives the same bytes.
func TestObjectsAreDeterministic(t *testing.T) {
	for _, a := range arches.All() {
		var first [][]byte
		for run := 0; run < 3; run++ {
			plan, err := Build(zeroPage(), a, 0)
			require.NoError(t, err)
			objs, err := plan.Objects()
			require.NoError(t, err)
			for i, o := range objs {
				if run == 0 {
					first = append(first, o.Data)
				} else {
					require.Equal(t, first[i], o.Data, "%s %s run %d", a.Name, o.Name, run)
				}
			}
		}
	}
}

func TestReferenceToUnknownSymbolNamesField(t *testing.T) {
	s := zeroPage()
	s.File = "zp.yaml"
	s.Units[2].Sections[0].Symbols[0].PointsTo.Symbol = "nowhere"
	s.Units[2].Sections[0].Symbols[0].Pos = Pos{Line: 7, Column: 9}
	a, err := arches.Lookup("x86_64")
	require.NoError(t, err)
	_, err = Build(s, a, 0)
	require.EqualError(t, err, "zp.yaml:7:9: units[2].sections[0].symbols[0].points_to: nowhere is not defined by any unit, or is local to another")
}

func TestPageAmountsFollowPageSize(t *testing.T) {
	a, err := arches.Lookup("arm64")
	require.NoError(t, err)
	for _, ps := range a.PageSizes {
		plan, err := Build(zeroPage(), a, ps)
		require.NoError(t, err)
		sec := plan.Units[1].section(".data..ro_after_init")
		require.Equal(t, ps, sec.Align, fmt.Sprint(ps))
		require.Equal(t, ps, sec.Symbols[1].Offset)
	}
}

// TestPagesPlusBytes: N*page+M lays out as N pages and M bytes at every
// page size.
func TestPagesPlusBytes(t *testing.T) {
	s, err := Parse("pm.yaml", []byte("units:\n- name: a.o\n  sections:\n  - name: .data\n    symbols:\n"+
		"    - {name: a, size: 3*page+100}\n    - {name: b, size: 100+page, align: page}\n"))
	require.NoError(t, err)
	a, err := arches.Lookup("arm64")
	require.NoError(t, err)
	for _, ps := range a.PageSizes {
		plan, err := Build(s, a, ps)
		require.NoError(t, err)
		syms := plan.Units[0].section(".data").Symbols
		require.Equal(t, 3*ps+100, syms[0].Size, ps)
		require.Equal(t, 4*ps, syms[1].Offset, ps)
		require.Equal(t, ps+100, syms[1].Size, ps)
	}
}

// BenchmarkSynthesizeZeroPage synthesizes the founding case's three units.
func BenchmarkSynthesizeZeroPage(b *testing.B) {
	a, err := arches.Lookup("x86_64")
	require.NoError(b, err)
	s := zeroPage()
	b.ReportAllocs()
	for b.Loop() {
		plan, err := Build(s, a, 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := plan.Objects(); err != nil {
			b.Fatal(err)
		}
	}
}

func (u *PlannedUnit) section(name string) *PlannedSection {
	for _, s := range u.Sections {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// updatePins (-update-pins) rewrites testdata/objects.sha256; only for a
// change meant to alter the objects' bytes.
var updatePins = flag.Bool("update-pins", false, "rewrite testdata/objects.sha256 from the current writer")

// TestObjectsPinned keeps every target's objects for the founding case
// byte for byte what they were when the hashes were taken (with elfw's
// byte-offset writer, before it used debug/elf's header types).
func TestObjectsPinned(t *testing.T) {
	var got strings.Builder
	for _, a := range arches.All() {
		plan, err := Build(zeroPage(), a, 0)
		require.NoError(t, err)
		objs, err := plan.Objects()
		require.NoError(t, err)
		for _, o := range objs {
			fmt.Fprintf(&got, "%s %s %x\n", a.Name, o.Name, sha256.Sum256(o.Data))
		}
	}
	path := filepath.Join("testdata", "objects.sha256")
	if *updatePins {
		require.NoError(t, os.WriteFile(path, []byte(got.String()), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), got.String())
}
