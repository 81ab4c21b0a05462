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
