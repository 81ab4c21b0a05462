package ldrun_test

import (
	"context"
	"debug/elf"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
)

// TestKernelLinkFlagsSetTheMaxPageSize links the founding case with each
// linker: with a script, x86_64's segments are aligned to the kernel's
// 2 MiB and elfsynth's own 4096 is gone from the command; without one,
// or on riscv64, whose kernel sets nothing, the kernel page size stays;
// the user's flag, last, wins over both.
func TestKernelLinkFlagsSetTheMaxPageSize(t *testing.T) {
	cases := []struct {
		arch, script string
		flags        []string
		align        uint64
		inCommand    []string
		notInCommand string
	}{
		{"x86_64", ldrun.ScriptKernel, nil, 0x200000, []string{"-z max-page-size=0x200000 "}, "max-page-size=4096"},
		{"x86_64", ldrun.ScriptNone, nil, 0x1000, []string{"-z max-page-size=4096 "}, "0x200000"},
		{"x86_64", ldrun.ScriptKernel, []string{"-z", "max-page-size=0x1000"}, 0x1000,
			[]string{"-z max-page-size=0x200000 -z max-page-size=0x1000 "}, "max-page-size=4096"},
		{"riscv64", ldrun.ScriptKernel, nil, 0x1000, []string{"-z max-page-size=4096 "}, "0x"},
		{"arm64", ldrun.ScriptKernel, nil, 0x10000, []string{"-z max-page-size=0x10000 "}, "max-page-size=4096"},
	}
	for _, c := range cases {
		a, _ := arches.Lookup(c.arch)
		in := scenarioInputs(t, "zero-page-before.yaml", a, 0)
		for _, l := range []arches.Linker{arches.LinkerBFD, arches.LLDVersion(ldrun.DefaultLLD)} {
			t.Run(strings.Join(append([]string{c.arch, c.script, l.String()}, c.flags...), " "), func(t *testing.T) {
				needLinkerOf(t, a, l)
				r, err := ldrun.Link(context.Background(), ldrun.Options{Arch: a, Linker: l, Script: c.script, Flags: c.flags}, in)
				if err != nil {
					t.Fatal(err)
				}
				cmd := r.Layout.Linker.Command
				for _, want := range c.inCommand {
					if !strings.Contains(cmd, want) {
						t.Errorf("command %q lacks %q", cmd, want)
					}
				}
				if strings.Contains(cmd, c.notInCommand) {
					t.Errorf("command %q has %q", cmd, c.notInCommand)
				}
				for _, s := range r.Layout.Segments {
					if s.Type == layout.SegmentType(elf.PT_LOAD) && s.Align != c.align {
						t.Errorf("PT_LOAD at %v aligned to %#x, want %#x", s.Vaddr, s.Align, c.align)
					}
				}
			})
		}
	}
}
