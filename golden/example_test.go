package golden_test

import (
	"fmt"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/golden"
)

// A module's own test pins its linker layouts down with golden files: put
// scenario files in testdata/scenarios, run `go test -update` once to write
// testdata/golden, and check both in. From then on `go test` links every
// scenario with every installed linker for the targets named and prints a
// unified diff for any layout that moved.
func ExampleRun() {
	testLayouts := func(t *testing.T) {
		golden.Run(t, golden.Options{
			Scenarios: []string{"testdata/scenarios/*.yaml"},
			Dir:       "testdata/golden",
			Arches:    []string{"x86_64", "arm64"},
			Linkers:   []arches.Linker{arches.LinkerBFD, arches.LinkerLLD}, // lld: the pinned lld-19
		})
	}
	_ = testLayouts // in a _test.go file: func TestLayouts(t *testing.T) { ... }
}

// Cases shows what a golden run covers before anything is linked.
func ExampleCases() {
	cases, err := golden.Cases(golden.Options{
		Scenarios: []string{"testdata/scenarios/zero-page-16k.yaml"},
		Linkers:   []arches.Linker{arches.LinkerBFD},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range cases {
		fmt.Println(c.Arch.Name, c.Linker, c.PageSize, c.Script, c.File())
	}
	// Output:
	// arm64 bfd 16384 kernel zero-page-16k/arm64.bfd.16k.txt
	// arm64be bfd 16384 kernel zero-page-16k/arm64be.bfd.16k.txt
	// ppc bfd 16384 kernel zero-page-16k/ppc.bfd.16k.txt
	// mips64el bfd 16384 kernel zero-page-16k/mips64el.bfd.16k.txt
	// mips bfd 16384 kernel zero-page-16k/mips.bfd.16k.txt
	// sh4 bfd 16384 kernel zero-page-16k/sh4.bfd.16k.txt
	// hppa bfd 16384 kernel zero-page-16k/hppa.bfd.16k.txt
	// arc bfd 16384 kernel zero-page-16k/arc.bfd.16k.txt
}
