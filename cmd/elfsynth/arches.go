package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
)

func init() {
	register(&command{name: "arches",
		summary: "list the targets, their ELF encoding, kernel page sizes and the linkers installed for each",
		flags:   func(fs *flagSet) { fs.Bool("json", false, "print a JSON array") },
		run:     cmdArches})
}

// archRow is one target as `arches --json` prints it.
type archRow struct {
	Name      string   `json:"name"`
	Class     int      `json:"class"`
	Endian    string   `json:"endian"`
	Machine   string   `json:"machine"`
	Flags     string   `json:"flags"`
	Relocs    string   `json:"relocs"`
	PageSizes []uint64 `json:"page_sizes"`
	Triple    string   `json:"triple"`
	Package   string   `json:"package"`
	// Linkers are the supported linkers installed on this machine.
	Linkers []arches.Linker `json:"linkers"`
	// Supported are all linkers that can link for the target.
	Supported []arches.Linker `json:"supported"`
	Code      bool            `json:"code"`
}

func cmdArches(c *call) int {
	if len(c.args) > 0 {
		return fail(c.stderr, usagef("arches takes no arguments"))
	}
	var rows []archRow
	for _, a := range arches.All() {
		rows = append(rows, archRowOf(a))
	}
	if c.bool("json") {
		return writeJSON(c, rows)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCLASS\tENDIAN\tMACHINE\tRELOCS\tPAGE SIZES\tLINKERS INSTALLED (OF SUPPORTED)")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s (%s)\n", r.Name, r.Class, r.Endian, r.Machine, r.Relocs,
			pageSizes(r.PageSizes), linkerNames(r.Linkers), linkerNames(r.Supported))
	}
	tw.Flush()
	return exitOK
}

func archRowOf(a *arches.Arch) archRow {
	relocs := "REL"
	if a.RELA {
		relocs = "RELA"
	}
	return archRow{Name: a.Name, Class: a.Bits(), Endian: a.Endian.String(), Machine: a.Machine.String(),
		Flags: fmt.Sprintf("%#x", a.Flags), Relocs: relocs, PageSizes: a.PageSizes, Triple: a.Triple,
		Package: a.Package, Linkers: nonNil(ldrun.Available(a)), Supported: a.Linkers, Code: a.CodeArch != ""}
}

func nonNil(l []arches.Linker) []arches.Linker {
	if l == nil {
		return []arches.Linker{}
	}
	return l
}

func linkerNames(ls []arches.Linker) string {
	var names []string
	for _, l := range ls {
		names = append(names, l.String())
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

func pageSizes(ps []uint64) string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%dK", p>>10))
	}
	return strings.Join(out, " ")
}
