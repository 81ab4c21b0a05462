package layout

import (
	"os"
	"testing"
)

// BenchmarkReadKernelScript reads x86_64's Linux 6.1 tinyconfig script
// for its items, as explaining an image linked with it does.
func BenchmarkReadKernelScript(b *testing.B) {
	src, err := os.ReadFile("../../internal/kfixtures/testdata/x86_64/base/vmlinux.lds")
	if err != nil {
		b.Fatal(err)
	}
	text := string(src)
	for b.Loop() {
		if s := readLDS("vmlinux.lds", text, 4096); len(s.items) == 0 {
			b.Fatal("no items")
		}
	}
}

// TestTextAlign reads the alignment of the assignments link maps print.
func TestTextAlign(t *testing.T) {
	for text, want := range map[string]uint64{
		". = ALIGN (0x1000)": 4096, ". = ALIGN(0x10)": 16, "  . = ALIGN ( 8 )": 8, ". = ALIGN(., 32)": 32, ". = ALIGN((1 << 21))": 2 << 20,
	} {
		if n, ok := textAlign(text); !ok || n != want {
			t.Errorf("textAlign(%q) = %d, %v; want %d", text, n, ok, want)
		}
	}
	for _, text := range []string{". = ALIGN (CONSTANT (MAXPAGESIZE))", ". = . + 0x10", ". = ALIGN(8) + 4", ". = ALIGN(x)",
		". = ALIGN(x, 8)", ". = ALIGN(16, 8)", ". = ALIGN(8", ". = 0x1000", "_text = ."} {
		if n, ok := textAlign(text); ok {
			t.Errorf("textAlign(%q) = %d, want none", text, n)
		}
	}
}
