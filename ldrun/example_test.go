package ldrun_test

import (
	"context"
	"fmt"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

// A Go test that needs a real linked image for a target makes one in a
// call: the scenario is synthesized for the target, linked with the
// linker and script asked for (here the scenario's own), and read back.
// A missing linker is an error matching ldrun.ErrNotInstalled, which a
// test can skip on. golden/testdata/extmod runs this against real linkers.
func ExampleLinkScenario() {
	s, err := synth.Parse("table.yaml", []byte(`
name: table
script: kernel
units:
  - name: table.o
    sections:
      - name: .rodata
        symbols:
          - {name: table, size: 64, align: 64}
      - name: .data
        symbols:
          - {name: table_ptr, points_to: table+8}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	a, _ := arches.Lookup("arm64")
	res, err := ldrun.LinkScenario(context.Background(), s, ldrun.Options{Arch: a, Linker: arches.LinkerLLD})
	if err != nil {
		fmt.Println(err)
		return
	}
	table, _ := res.Layout.Symbol("table")
	ptr, _ := res.Layout.Word("table_ptr")
	fmt.Printf("table at %s, table_ptr holds %#x, %d bytes of padding\n", table.Addr, ptr, res.Layout.Padding)
}
