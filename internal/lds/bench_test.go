package lds

import (
	"os"
	"testing"
)

// BenchmarkParseKernelScript parses x86_64's Linux 6.1 tinyconfig script
// (12 KiB), as every link under it does.
func BenchmarkParseKernelScript(b *testing.B) {
	src, err := os.ReadFile("../kfixtures/testdata/x86_64/base/vmlinux.lds")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Parse("vmlinux.lds", src); err != nil {
			b.Fatal(err)
		}
	}
}
