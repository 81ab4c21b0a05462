package asmcode_test

import (
	"bytes"
	"debug/elf"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/internal/asmcode"
)

// TestGNUAsRoundTrip assembles GNUAs's lines with the real GNU as and checks
// that the object's .text holds AddressOf's bytes and relocations.
func TestGNUAsRoundTrip(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.codeArch, func(t *testing.T) {
			fn, err := asmcode.AddressOf(tg.codeArch, "target")
			if err != nil {
				t.Fatal(err)
			}
			body, err := asmcode.GNUAs(tg.codeArch, "target")
			if err != nil {
				t.Fatal(err)
			}
			src := "\t.text\n\t.globl f\nf:\n" + body
			f, err := elf.NewFile(bytes.NewReader(assemble(t, tg.arch, src)))
			if err != nil {
				t.Fatal(err)
			}
			text, err := f.Section(".text").Data()
			if err != nil {
				t.Fatal(err)
			}
			// GNU as may pad .text to its alignment (mips: 16 bytes).
			if len(text) < len(fn.Code) || !bytes.Equal(text[:len(fn.Code)], fn.Code) || strings.Trim(string(text[len(fn.Code):]), "\x00") != "" {
				t.Errorf(".text = % x\nwant    % x\nsource:\n%s", text, fn.Code, src)
			}
			var want []reloc
			for _, r := range fn.Relocs {
				addend := r.Addend
				if !tg.arch.RELA {
					addend = 0 // REL: the addend is in .text, compared above
				}
				want = append(want, reloc{Offset: r.Offset, Type: r.Type, Sym: "target", Addend: addend})
			}
			got := relocsOf(t, f, ".text")
			if len(got) != len(want) {
				t.Fatalf("relocations = %v, want %v", got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("relocation %d = %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

func TestUnknownArch(t *testing.T) {
	if _, err := asmcode.AddressOf("vax", "x"); err == nil {
		t.Error("AddressOf(vax) succeeded")
	}
	if _, err := asmcode.GNUAs("vax", "x"); err == nil {
		t.Error("GNUAs(vax) succeeded")
	}
	if _, err := asmcode.AddressOf("amd64", ""); err == nil {
		t.Error("AddressOf with an empty target succeeded")
	}
}

// TestConcurrent checks AddressOf gives the same result when called from
// many goroutines at once (run with -race).
func TestConcurrent(t *testing.T) {
	want := map[string][]byte{}
	for _, ca := range asmcode.Arches() {
		fn, err := asmcode.AddressOf(ca, "sym")
		if err != nil {
			t.Fatal(err)
		}
		want[ca] = fn.Code
	}
	t.Run("group", func(t *testing.T) {
		for _, ca := range asmcode.Arches() {
			t.Run(ca, func(t *testing.T) {
				t.Parallel()
				fn, err := asmcode.AddressOf(ca, "sym")
				if err != nil || !bytes.Equal(fn.Code, want[ca]) {
					t.Errorf("concurrent AddressOf(%s) = %v, %v", ca, fn, err)
				}
			})
		}
	})
}
