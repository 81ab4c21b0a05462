// Package report renders what elfsynth finds for people and programs: the
// text and JSON of layouts, of the inputs a plan lays out, of linker
// failures, of diffs and of matrices. It is the one place output formats
// live.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/elfsynth/elfsynth/ldrun/layout"
)

// JSON writes v as indented JSON with a final newline.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Layout writes l for people: a header, then the segments, sections,
// symbols, holes with their causes, the padding total, the findings and
// the linker's warnings.
func Layout(w io.Writer, l *layout.Layout) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	p("arch: %s\tpage size: %d\n", l.Arch, l.PageSize)
	if l.Linker.Name != "" {
		if l.Linker.Version != "" {
			p("linker: %s (%s)\n", l.Linker.Name, l.Linker.Version)
		} else {
			p("linker: %s\n", l.Linker.Name)
		}
		p("command: %s\n", l.Linker.Command)
	}
	p("\nsegments:\n  TYPE\tVADDR\tPADDR\tFILESZ\tMEMSZ\tFLAGS\tALIGN\n")
	for _, s := range l.Segments {
		p("  %s\t%s\t%s\t%#x\t%#x\t%s\t%#x\n", s.Type, s.Vaddr, s.Paddr, s.Filesz, s.Memsz, s.Flags, s.Align)
	}
	p("\nsections:\n  NAME\tADDR\tSIZE\tALIGN\tFLAGS\tSEGMENT\n")
	for _, s := range l.Sections {
		p("  %s\t%s\t%#x\t%d\t%s\t%s\n", s.Name, s.Addr, s.Size, s.Align, s.Flags, segName(s.Segment))
	}
	p("\nsymbols:\n  NAME\tADDR\tSIZE\tSECTION\tPERM\tRUNTIME\n")
	for _, s := range l.Symbols {
		p("  %s\t%s\t%d\t%s\t%s\t%s\n", short(s.Name), s.Addr, s.Size, s.Section, s.Perm, s.RuntimePerm)
	}
	p("\nholes:\n  ADDR\tSIZE\tBETWEEN\tCAUSE\n")
	for _, h := range l.Holes {
		p("  %s\t%d\t%s .. %s\t%s\n", h.Addr, h.Size, short(h.Before), short(h.After), h.Cause)
	}
	p("\npadding: %d bytes in %d holes\n", l.Padding, len(l.Holes))
	list := func(title string, xs []string) {
		if len(xs) > 0 {
			p("\n%s:\n", title)
			for _, x := range xs {
				p("  %s\n", x)
			}
		}
	}
	if len(l.Code) > 0 {
		p("\ncode:\n  FUNCTION\tADDRESS OF\tCOMPUTED\tEXPECTED\tRESULT\n")
		for _, c := range l.Code {
			p("  %s\t%s\t%s\t%s\t%s\n", c.Symbol, c.AddressOf, c.Computed, c.Expected, codeResult(c))
		}
	}
	list("provided by elfsynth", l.Provided)
	list("orphans", l.Orphans)
	list("findings", l.Findings)
	list("warnings", l.Warnings)
	return tw.Flush()
}

func segName(i int) string {
	if i < 0 {
		return "-"
	}
	return fmt.Sprint(i)
}

func codeResult(c layout.CodeCheck) string {
	switch {
	case c.Error != "":
		return "not decoded: " + c.Error
	case c.Verified:
		return "ok"
	}
	return "WRONG"
}

// maxName is the widest a name may make a column of the text report; the
// JSON report has every name whole.
const maxName = 60

// short elides the middle of a long name (C++ and Go symbols in a real
// image), so that one name does not widen a whole table.
func short(name string) string {
	r := []rune(name)
	if len(r) <= maxName {
		return name
	}
	half := (maxName - 1) / 2
	return string(r[:half]) + "…" + string(r[len(r)-half:])
}
