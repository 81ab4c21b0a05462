package golden

import (
	"bytes"
	"debug/elf"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

// Render is a case's golden text: a header naming the case, the linker and
// its version; the input as the objects have it; then the layout the linker
// made. A reader sees input and outcome without the code.
func Render(c Case, plan *synth.Plan, lay *ldrun.Layout) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# elfsynth golden file: scenario %s (%s)\n", c.Name, c.Path)
	fmt.Fprintf(&b, "# arch %s, linker %s (%s), page size %d, script %s\n", c.Arch.Name, c.Linker, lay.Linker.Version, c.PageSize, c.Script)
	fmt.Fprintf(&b, "# regenerate with: make golden\n\n")
	writeInput(&b, plan)
	b.WriteString("\n")
	lay.WriteText(&b)
	return b.Bytes()
}

// RenderFailure is a case's golden text when the linker refuses the input:
// the header, the command and what the linker said, its lines sorted and
// repeats counted, since a multi-threaded linker prints them in any order.
func RenderFailure(c Case, err *ldrun.LinkError) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# elfsynth golden file: scenario %s (%s)\n", c.Name, c.Path)
	fmt.Fprintf(&b, "# arch %s, linker %s, page size %d, script %s\n", c.Arch.Name, c.Linker, c.PageSize, c.Script)
	fmt.Fprintf(&b, "# regenerate with: make golden\n\nthe linker refuses this input (%s)\ncommand: %s\n\n",
		err.Reason, err.Command)
	counts := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(err.Stderr), "\n") {
		counts[line]++
	}
	lines := make([]string, 0, len(counts))
	for line := range counts {
		lines = append(lines, line)
	}
	sort.Strings(lines)
	for _, line := range lines {
		fmt.Fprintf(&b, "%dx %s\n", counts[line], line)
	}
	return b.Bytes()
}

// writeInput lists every unit's sections and symbols at the offsets the
// target's assembler gives them.
func writeInput(b *bytes.Buffer, plan *synth.Plan) {
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "input, in link order:\n")
	for _, u := range plan.Units {
		fmt.Fprintf(tw, "  %s\n", u.Name)
		for _, s := range u.Sections {
			if !s.User || s.Name == ".note.GNU-stack" {
				continue
			}
			fmt.Fprintf(tw, "    %s\t%s\talign %d\tsize %#x\t\n", s.Name, sectionKind(s), s.Align, s.Size)
			for _, sym := range s.Symbols {
				fmt.Fprintf(tw, "      +%#x\t%s\tsize %d\talign %d\t%s\n", sym.Offset, sym.Name, sym.Size, sym.Align, symbolNote(sym))
			}
		}
	}
	tw.Flush()
}

func sectionKind(s *synth.PlannedSection) string {
	var f []string
	if s.Flags&elf.SHF_ALLOC != 0 {
		f = append(f, "a")
	}
	if s.Flags&elf.SHF_WRITE != 0 {
		f = append(f, "w")
	}
	if s.Flags&elf.SHF_EXECINSTR != 0 {
		f = append(f, "x")
	}
	kind := "progbits"
	if s.Type == elf.SHT_NOBITS {
		kind = "nobits"
	}
	return kind + " " + strings.Join(f, "")
}

func symbolNote(s *synth.PlannedSymbol) string {
	var notes []string
	if s.Bind != elf.STB_GLOBAL {
		notes = append(notes, strings.ToLower(strings.TrimPrefix(s.Bind.String(), "STB_")))
	}
	if s.PointsTo != nil {
		notes = append(notes, "-> "+s.PointsTo.String())
	}
	if s.Func != nil {
		notes = append(notes, "code: address of "+s.Func.AddressOf)
	}
	return strings.Join(notes, ", ")
}
