package synth_test

import (
	"fmt"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/synth"
)

// Synthesizing needs no tools: a scenario becomes one relocatable object
// per unit, laid out as the target's GNU as would (s390x rounds a
// section's size up to its alignment).
func ExampleBuild() {
	s, err := synth.Parse("zero-page.yaml", []byte(`
name: zero-page
units:
  - name: mm_init.o
    sections:
      - name: .data..ro_after_init
        symbols:
          - {name: zero_page_pfn, size: 8, align: 8}
          - {name: empty_zero_page, size: page, align: page}
          - {name: __zero_page, size: 8, align: 8}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"x86_64", "s390x"} {
		a, _ := arches.Lookup(name)
		plan, err := synth.Build(s, a, 0)
		if err != nil {
			fmt.Println(err)
			return
		}
		in, err := plan.Inputs()
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, sec := range plan.Units[0].Sections {
			if sec.Name == ".data..ro_after_init" {
				fmt.Printf("%s: %s(%s) align %d size %#x, empty_zero_page at +%#x\n", name, in.Objects[0].Name,
					sec.Name, sec.Align, sec.Size, sec.Symbols[1].Offset)
			}
		}
	}
	// Output:
	// x86_64: mm_init.o(.data..ro_after_init) align 4096 size 0x2008, empty_zero_page at +0x1000
	// s390x: mm_init.o(.data..ro_after_init) align 4096 size 0x3000, empty_zero_page at +0x1000
}
