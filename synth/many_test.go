package synth

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
)

// manySections is one unit of n data sections, each with an 8-byte symbol
// s<i>, local in odd sections; every 1000th section, and the last three,
// also hold p<i>, a pointer to s<i-1>+8 (through the section symbol when
// s<i-1> is local, so that section symbols need .symtab_shndx too).
func manySections(n int) *Scenario {
	u := Unit{Name: "many.o", Sections: make([]Section, n)}
	for i := range u.Sections {
		syms := []Symbol{{Name: "s" + strconv.Itoa(i), Size: Bytes(8)}}
		if i%2 == 1 {
			syms[0].Bind = "local"
		}
		if i > 0 && (i%1000 == 0 || i >= n-3) {
			syms = append(syms, Symbol{Name: "p" + strconv.Itoa(i), PointsTo: &Ref{Symbol: "s" + strconv.Itoa(i-1), Offset: 8}})
		}
		u.Sections[i] = Section{Name: ".data.s" + strconv.Itoa(i), Symbols: syms}
	}
	return &Scenario{Name: "many", Units: []Unit{u}}
}

// manyCount is past SHN_LORESERVE (0xff00) in sections and so in section
// symbols: the object needs ELF extended section numbering.
const manyCount = 66000

// manyObject is the plan and object of manySections(manyCount) for
// x86_64, made once for the tests that need it.
var manyObject = sync.OnceValues(func() (*Plan, error) {
	a, err := arches.Lookup("x86_64")
	if err != nil {
		return nil, err
	}
	return Build(manySections(manyCount), a, 0)
})

// TestManySections builds a unit of 66,000 sections (Build was quadratic
// in them: 34 s) and checks the object with debug/elf. The work is counted
// by BenchmarkBuildManySections (ns/section stays flat); a return of the
// quadratic placing would show there, and as this test taking minutes.
func TestManySections(t *testing.T) {
	plan, err := manyObject()
	require.NoError(t, err)
	objs, err := plan.Objects()
	require.NoError(t, err)
	require.Len(t, objs, 1)
	u := plan.Units[0]
	// The default .text .data .bss, the unit's own, .note.GNU-stack.
	require.Len(t, u.Sections, 3+manyCount+1)

	f, err := elf.NewFile(bytes.NewReader(objs[0].Data))
	require.NoError(t, err)
	// null, the planned sections, one .rela per pointer section, .symtab,
	// .symtab_shndx, .strtab, .shstrtab
	require.Len(t, f.Sections, 1+len(u.Sections)+manyPointers+4)
	for i, ps := range u.Sections {
		if s := f.Sections[i+1]; s.Name != ps.Name || s.Size != ps.Size {
			t.Fatalf("section %d is %s of %d bytes, planned %s of %d", i+1, s.Name, s.Size, ps.Name, ps.Size)
		}
	}
	require.NotNil(t, f.Section(".symtab_shndx"))
}

// manyPointers is how many pointers manySections(manyCount) has.
const manyPointers = manyCount/1000 - 1 + 3

// TestManySectionsLink has GNU ld link the 66,000-section object and
// checks that it resolved the pointers in sections past index 0xff00. It
// takes a second or two, so -short skips it.
func TestManySectionsLink(t *testing.T) {
	if testing.Short() {
		t.Skip("links a 66,000-section object; run without -short")
	}
	ld := toolcheck.Require(t, "x86_64-linux-gnu-ld.bfd")
	plan, err := manyObject()
	require.NoError(t, err)
	objs, err := plan.Objects()
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "many.o"), objs[0].Data, 0o644))
	cmd := exec.Command(ld, "-o", "image", "-e", "0", "many.o")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Empty(t, string(out), "ld's warnings")
	img, err := elf.Open(filepath.Join(dir, "image"))
	require.NoError(t, err)
	defer img.Close()
	syms, err := img.Symbols()
	require.NoError(t, err)
	addr := make(map[string]uint64, len(syms))
	for _, s := range syms {
		addr[s.Name] = s.Value
	}
	checked := 0
	for i := 1000; i < manyCount; i++ {
		if i%1000 != 0 && i < manyCount-3 {
			continue
		}
		p, target := "p"+strconv.Itoa(i), "s"+strconv.Itoa(i-1)
		pa, ok1 := addr[p]
		ta, ok2 := addr[target]
		if !ok1 || !ok2 {
			t.Fatalf("image lacks %s or %s", p, target)
		}
		require.Equal(t, ta+8, readWord(t, img, pa), "%s = &%s + 8", p, target)
		checked++
	}
	require.Equal(t, manyPointers, checked)
}

// readWord reads the 8-byte little-endian word at a virtual address.
func readWord(t *testing.T, f *elf.File, addr uint64) uint64 {
	t.Helper()
	for _, s := range f.Sections {
		if s.Type == elf.SHT_PROGBITS && s.Addr <= addr && addr+8 <= s.Addr+s.Size {
			var b [8]byte
			_, err := s.ReadAt(b[:], int64(addr-s.Addr))
			require.NoError(t, err)
			return binary.LittleEndian.Uint64(b[:])
		}
	}
	t.Fatalf("no section holds %#x", addr)
	return 0
}

// BenchmarkBuildManySections times Build plus Objects of one unit of
// growing section counts; ns/section stays flat when both are linear.
func BenchmarkBuildManySections(b *testing.B) {
	a, err := arches.Lookup("x86_64")
	require.NoError(b, err)
	for _, n := range []int{1000, 10000, manyCount} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := manySections(n)
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
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/section")
		})
	}
}
