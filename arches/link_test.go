package arches_test

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/elfw"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
)

// Linker programs as installed on Debian 12.
const (
	lldProgram  = "ld.lld-19"
	moldProgram = "mold"
)

// linkCommand returns the program and arguments that link obj into out
// with l for a, without a linker script.
func linkCommand(a *arches.Arch, l arches.Linker, obj, out string) (string, []string) {
	switch l {
	case arches.LinkerBFD:
		return a.Tool("ld.bfd"), []string{"-m", a.BfdEmulation, "-o", out, obj}
	case arches.LinkerGold:
		return a.Tool("ld.gold"), []string{"-m", a.BfdEmulation, "-o", out, obj}
	case arches.LinkerLLD:
		m := a.LldEmulation
		if m == "" {
			m = a.BfdEmulation // for unclaimed targets: ask with GNU ld's name
		}
		return lldProgram, []string{"-m", m, "-o", out, obj}
	default:
		m := a.BfdEmulation // mold takes GNU ld's emulation names
		if m == "" {
			m = a.LldEmulation
		}
		return moldProgram, []string{"-m", m, "-o", out, obj}
	}
}

// tinyObject makes a one-section object with an entry symbol and a pointer
// word: with GNU as where the target has it, else with elfw.
func tinyObject(t *testing.T, a *arches.Arch) string {
	t.Helper()
	if a.Package == "" {
		return elfwObject(t, a)
	}
	// Both entry names: MIPS and ARC GNU ld look for __start.
	src := fmt.Sprintf(`.globl _start, __start
.section .data..ro_after_init,"aw",%[1]sprogbits
_start:
__start:
%[2]s _start
.section .note.GNU-stack,"",%[1]sprogbits
`, a.SectionTypePrefix, a.PointerDirective)
	return assemble(t, a, "tiny", src)
}

// elfwObject writes the tiny object from the table's encoding facts alone.
func elfwObject(t *testing.T, a *arches.Arch) string {
	t.Helper()
	f := &elfw.File{Class: a.Class, Order: a.Endian.ByteOrder(), Machine: a.Machine, Flags: a.Flags,
		RELA: a.RELA, MIPS64: a.MIPS64RInfo,
		Sections: []*elfw.Section{
			{Name: ".data..ro_after_init", Type: elf.SHT_PROGBITS, Flags: elf.SHF_ALLOC | elf.SHF_WRITE,
				Align: 8, Data: make([]byte, a.PointerSize()), Size: a.PointerSize(),
				Relocs: []elfw.Reloc{{Symbol: 0, Type: a.PointerReloc}}},
			{Name: ".note.GNU-stack", Type: elf.SHT_PROGBITS, Align: 1},
		},
		Symbols: []elfw.Symbol{{Name: "_start", Section: 0, Bind: elf.STB_GLOBAL, Type: elf.STT_NOTYPE}},
	}
	b, err := f.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tiny.o")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// link runs l for a on obj and returns the output path and what the linker
// printed.
func link(t *testing.T, a *arches.Arch, l arches.Linker, obj string) (string, string, error) {
	prog, args := linkCommand(a, l, obj, filepath.Join(t.TempDir(), "out"))
	msg, err := exec.Command(prog, args...).CombinedOutput()
	return args[len(args)-2], strings.TrimSpace(string(msg)), err
}

func TestLinkersLinkTinyObject(t *testing.T) {
	for _, a := range arches.All() {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			obj := tinyObject(t, a)
			for _, l := range a.Linkers {
				t.Run(l.String(), func(t *testing.T) {
					t.Parallel()
					prog, _ := linkCommand(a, l, obj, "")
					toolcheck.Require(t, prog)
					out, msg, err := link(t, a, l, obj)
					if err != nil || msg != "" {
						t.Fatalf("%s: err %v, output %q", prog, err, msg)
					}
					checkImage(t, a, out)
				})
			}
		})
	}
}

// checkImage asserts the linker made an executable for a's machine.
func checkImage(t *testing.T, a *arches.Arch, path string) {
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC || f.Machine != a.Machine || f.Class != a.Class || f.ByteOrder != a.Endian.ByteOrder() {
		t.Errorf("image: %v %v %v %v", f.Type, f.Machine, f.Class, f.ByteOrder)
	}
}

// TestUnclaimedLinkersFail keeps the Linkers lists complete: an installed
// linker a row does not claim must refuse the target. Why each refuses, as
// measured: lld-19 has no m68k, sh4, alpha, hppa or arc emulation; mold
// 1.10.1 knows no aarch64linuxb, MIPS, hppalinux, arclinux or
// elf64loongarch; gold is not built for riscv, m68k, sh4, alpha, hppa, arc.
func TestUnclaimedLinkersFail(t *testing.T) {
	for _, a := range arches.All() {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			var unclaimed []arches.Linker
			for _, l := range arches.LinkerKinds() {
				prog, _ := linkCommand(a, l, "", "")
				if _, err := exec.LookPath(prog); err == nil && !a.Supports(l) {
					unclaimed = append(unclaimed, l)
				}
			}
			if len(unclaimed) == 0 {
				return
			}
			obj := tinyObject(t, a)
			for _, l := range unclaimed {
				if _, msg, err := link(t, a, l, obj); err == nil {
					t.Errorf("%s links %s (%q) but the table does not claim it", l, a.Name, msg)
				}
			}
		})
	}
}
