package layout

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRealScriptsTellStrictRWX reads the preprocessed vmlinux.lds of Linux
// 6.1 tinyconfig builds (testdata; `make tinyconfig prepare
// arch/ARCH/kernel/vmlinux.lds`): riscv64 is built without
// STRICT_KERNEL_RWX and aligns its boundaries to SECTION_ALIGN =
// L1_CACHE_BYTES, 64 bytes; x86_64 always has it and aligns them to pages
// or 2 MiB.
func TestRealScriptsTellStrictRWX(t *testing.T) {
	for _, tc := range []struct {
		file   string
		strict bool
		aligns map[string]uint64
	}{
		{"riscv64-tinyconfig.lds", false, map[string]uint64{initBegin: 64, startRodata: 64, endRodata: 64, startData: 0}},
		{"x86_64-tinyconfig.lds", true, map[string]uint64{startRodata: 2 << 20, endRodata: 4096}},
	} {
		b, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		got := boundaryAligns(string(b), 4096)
		for name, want := range tc.aligns {
			if a, ok := got[name]; !ok || a != want {
				t.Errorf("%s: %s aligned to %d (set: %v), want %d", tc.file, name, a, ok, want)
			}
		}
		strict, ok := scriptAlignsBoundaries(string(b), 4096)
		if !ok || strict != tc.strict {
			t.Errorf("%s: strict RWX %v (readable %v), want %v", tc.file, strict, ok, tc.strict)
		}
	}
}

// TestBoundaryAligns: only an alignment that nothing can have undone
// since counts; output section headers keep it and may add theirs.
func TestBoundaryAligns(t *testing.T) {
	script := `
	PAGE = 0x1000;
	SECTIONS {
		. = ALIGN(PAGE); a = .;
		. = ALIGN(8); . = ALIGN(CONSTANT(MAXPAGESIZE)); b = .; c = .;
		.text : { *(.text) }
		d = .;
		. = ALIGN(64);
		.rodata : AT(ADDR(.rodata) - (0x10 + 1)) ALIGN((1 << 12) << 1) { e = .; *(.rodata) }
		. = ALIGN(((1 << 6))) ; f = .;
		/* . = ALIGN(4096); */ g = .;
		. = ALIGN(UNKNOWN_SYMBOL); h = .;
		. = ALIGN(2M); i = .;
	}`
	got := boundaryAligns(script, 16384)
	want := map[string]uint64{"a": 0x1000, "b": 16384, "c": 16384, "d": 0, "e": 8192, "f": 64, "g": 64, "h": 0, "i": 2 << 20}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s aligned to %d, want %d", name, got[name], w)
		}
	}
}
