// Package layouts is another module's test of its own linker layouts,
// written against elfsynth's library as a user would: one call from a
// scenario to a layout, and golden files for the rest.
package layouts

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/golden"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

const scenario = `
name: table
units:
  - name: table.o
    sections:
      - name: .rodata
        symbols:
          - {name: table, size: 64, align: 64}
      - name: .data
        symbols:
          - {name: table_ptr, points_to: table+8}
`

// TestPointerToTable links the scenario for three targets with GNU ld and
// checks where table lands and what table_ptr holds.
func TestPointerToTable(t *testing.T) {
	s, err := synth.Parse("table.yaml", []byte(scenario))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"x86_64", "arm64", "riscv64"} {
		a, err := arches.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ldrun.LinkScenario(context.Background(), s, ldrun.Options{Arch: a, Linker: arches.LinkerBFD})
		if errors.Is(err, ldrun.ErrNotInstalled) && os.Getenv("ELFSYNTH_REQUIRE_TOOLCHAINS") != "1" {
			t.Skip(err) // a machine without cross binutils; CI requires them
		}
		if err != nil {
			t.Fatal(err)
		}
		table, ok := res.Layout.Symbol("table")
		if !ok || table.Addr%64 != 0 || table.Section != ".rodata" {
			t.Errorf("%s: table = %+v", name, table)
		}
		ptr, err := res.Layout.Word("table_ptr")
		if err != nil {
			t.Fatal(err)
		}
		if ptr != uint64(table.Addr)+8 {
			t.Errorf("%s: table_ptr holds %#x, want table+8 = %#x", name, ptr, uint64(table.Addr)+8)
		}
	}
}

// TestLayouts pins the same scenario's layouts in golden files;
// `go test -run '^TestLayouts$' -update` rewrites them.
func TestLayouts(t *testing.T) {
	golden.Run(t, golden.Options{
		Arches:  []string{"x86_64", "arm64", "riscv64"},
		Linkers: []arches.Linker{arches.LinkerBFD},
	})
}
