package arches_test

import (
	"debug/elf"
	"math/bits"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
)

// wantOrder is the order the table must list targets in.
var wantOrder = "x86_64 i386 arm64 arm64be arm riscv64 riscv32 ppc64le ppc64 ppc s390x " +
	"mips64el mips m68k sparc64 sh4 alpha hppa arc loongarch64"

func TestTableOrderAndNames(t *testing.T) {
	if got := strings.Join(arches.Names(), " "); got != wantOrder {
		t.Errorf("targets:\n got %s\nwant %s", got, wantOrder)
	}
	seen := map[string]bool{}
	for _, a := range arches.All() {
		if seen[a.Name] {
			t.Errorf("duplicate target %q", a.Name)
		}
		seen[a.Name] = true
		if got, err := arches.Lookup(a.Name); err != nil || got.Name != a.Name {
			t.Errorf("Lookup(%q) = %v, %v", a.Name, got, err)
		}
	}
}

func TestLookupUnknownListsKnown(t *testing.T) {
	_, err := arches.Lookup("vax")
	if err == nil {
		t.Fatal("Lookup(vax) succeeded")
	}
	for _, n := range arches.Names() {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("error %q does not list %s", err, n)
		}
	}
}

func TestRowsAreConsistent(t *testing.T) {
	codeArches := map[string]bool{"": true, "amd64": true, "386": true, "arm": true, "arm64": true,
		"mips": true, "mips64le": true, "ppc64": true, "ppc64le": true, "riscv64": true, "s390x": true}
	for _, a := range arches.All() {
		t.Run(a.Name, func(t *testing.T) {
			checkPageSizes(t, a)
			if a.Class == elf.ELFCLASS32 && a.KernelBase > 0xffffffff {
				t.Errorf("KernelBase %#x does not fit a 32-bit target", a.KernelBase)
			}
			if a.KernelBase%4096 != 0 && a.KernelBase%a.DefaultPageSize() != 0 {
				t.Errorf("KernelBase %#x is not page aligned", a.KernelBase)
			}
			if !codeArches[a.CodeArch] {
				t.Errorf("CodeArch %q is not a golang-asm architecture", a.CodeArch)
			}
			if (a.Package == "") != (a.Triple == "") || (a.Package != "") != a.Supports(arches.LinkerBFD) {
				t.Errorf("Package %q, Triple %q and BFD support disagree", a.Package, a.Triple)
			}
			if a.Supports(arches.LinkerBFD) && a.BfdEmulation == "" || a.Supports(arches.LinkerLLD) && a.LldEmulation == "" {
				t.Errorf("a claimed linker has no emulation")
			}
			if a.SectionTypePrefix != "@" && a.SectionTypePrefix != "%" {
				t.Errorf("SectionTypePrefix %q", a.SectionTypePrefix)
			}
			if a.PointerDirective == "" || a.PointerRelocName == "" || len(a.Linkers) == 0 {
				t.Errorf("missing pointer directive, reloc name or linkers")
			}
			checkTrailingLast(t, a)
		})
	}
}

func checkPageSizes(t *testing.T, a *arches.Arch) {
	if len(a.PageSizes) == 0 {
		t.Fatal("no page sizes")
	}
	for _, p := range a.PageSizes {
		if bits.OnesCount64(p) != 1 || p < 4096 {
			t.Errorf("page size %d is not a power of two >= 4096", p)
		}
	}
}

// checkTrailingLast asserts trailing default sections come after the rest,
// as GNU as writes them.
func checkTrailingLast(t *testing.T, a *arches.Arch) {
	trailing := false
	for _, s := range a.DefaultSections {
		if trailing && !s.Trailing {
			t.Errorf("default section %s follows a trailing one", s.Name)
		}
		trailing = trailing || s.Trailing
	}
}

func TestRoundSectionSize(t *testing.T) {
	cases := []struct {
		arch                 string
		size, align, rounded uint64
	}{
		// Measured with GNU as 2.40 (see TestGNUAsFacts for the live check).
		{"x86_64", 8, 4096, 8},
		{"x86_64", 3, 1, 3},
		{"s390x", 8, 4096, 4096},
		{"s390x", 3, 1, 3},
		{"s390x", 5, 4, 8},
		{"arc", 20, 64, 64},
		{"mips", 8, 4096, 16},
		{"mips", 3, 1, 3},
		{"mips", 3, 2, 4},
		{"mips", 5, 4, 8},
		{"mips64el", 20, 64, 32},
		{"mips64el", 0, 4096, 0},
	}
	for _, c := range cases {
		a, err := arches.Lookup(c.arch)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.RoundSectionSize(c.size, c.align); got != c.rounded {
			t.Errorf("%s RoundSectionSize(%d, %d) = %d, want %d", c.arch, c.size, c.align, got, c.rounded)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"bfd", "gold", "lld", "mold"}
	for name, want := range map[string]string{"glod": "gold", "mlod": "mold", "bdf": "bfd", "xyzzy": "", "": ""} {
		if got := arches.Suggest(name, known); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", name, got, want)
		}
	}
	for name, want := range map[string]string{"aarch64": "arm64", "x86-64": "x86_64", "powerpc64le": "ppc64le", "riscv": "riscv64", "vax": ""} {
		if got := arches.Suggest(name, arches.Names()); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestTableIsNotShared: what All and Lookup return are copies.
func TestTableIsNotShared(t *testing.T) {
	a := arches.All()[0]
	a.PageSizes[0] = 1
	a.Linkers[0] = "changed"
	a.Name = "changed"
	b := arches.All()[0]
	if b.PageSizes[0] == 1 || b.Linkers[0] == "changed" || b.Name == "changed" {
		t.Errorf("changing a row from All changed the table: %+v", b)
	}
	c, _ := arches.Lookup("x86_64")
	c.DefaultSections[0].Name = "changed"
	if d, _ := arches.Lookup("x86_64"); d.DefaultSections[0].Name == "changed" {
		t.Error("changing a row from Lookup changed the table")
	}
}

func TestParseLinker(t *testing.T) {
	for name, want := range map[string]string{"bfd": "bfd", "lld": "lld", "lld-16": "lld-16", "mold": "mold",
		"lld-9": "", "lld-016": "", "bfd-2": "", "gold-1": "", "lld-": "", "ld": "", "": ""} {
		l, err := arches.ParseLinker(name)
		if (err == nil) != (want != "") || string(l) != want {
			t.Errorf("ParseLinker(%q) = %q, %v; want %q", name, l, err, want)
		}
	}
	if l := arches.LLDVersion(22); l.Kind() != arches.LinkerLLD || l.Version() != 22 || l.String() != "lld-22" {
		t.Errorf("LLDVersion(22) = %q kind %q version %d", l, l.Kind(), l.Version())
	}
	s390, _ := arches.Lookup("s390x")
	if s390.Supports(arches.LLDVersion(16)) || !s390.Supports(arches.LLDVersion(19)) || !s390.Supports(arches.LinkerLLD) {
		t.Error("s390x's lld versions: want 18 and later")
	}
}
