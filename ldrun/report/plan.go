package report

import (
	"debug/elf"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

// Plan lists every unit's sections and symbols at the offsets the target's
// assembler gives them: the input side of a golden file.
func Plan(w io.Writer, plan *synth.Plan) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
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
	return tw.Flush()
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

// LinkFailure writes a linker's refusal: how it ended, the command, and
// what it printed, its lines sorted and repeats counted, since a
// multi-threaded linker prints them in any order.
func LinkFailure(w io.Writer, err *ldrun.LinkError) error {
	fmt.Fprintf(w, "the linker refuses this input (%s)\ncommand: %s\n\n", err.Reason, err.Command)
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
		if _, err := fmt.Fprintf(w, "%dx %s\n", counts[line], line); err != nil {
			return err
		}
	}
	return nil
}
