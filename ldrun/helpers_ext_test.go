package ldrun_test

import (
	"os"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/linkertest"
	"github.com/elfsynth/elfsynth/ldrun/layout"
)

// needLinkerOf skips (or, with toolchains required, fails) t when l is
// not installed for a, and fails it when l is broken.
func needLinkerOf(t *testing.T, a *arches.Arch, l arches.Linker) { linkertest.Need(t, a, l) }

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// holeSizes are the sizes of the holes between the symbols before and
// after, in address order.
func holeSizes(holes []layout.Hole, before, after string) []uint64 {
	var out []uint64
	for _, h := range holes {
		if h.Before == before && h.After == after {
			out = append(out, h.Size)
		}
	}
	return out
}
