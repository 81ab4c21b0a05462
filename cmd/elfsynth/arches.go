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
	// Linkers are the supported linkers installed on this machine, one
	// per version, with the version and path of each.
	Linkers []linkerRow `json:"linkers"`
	// Supported are all linkers that can link for the target.
	Supported []arches.Linker `json:"supported"`
	Code      bool            `json:"code"`
	// KernelLinkFlags are the flags of the kernel's own link that change
	// layout, which links with a script add (x86_64's 2 MiB max page size).
	KernelLinkFlags []string `json:"kernel_link_flags"`
}

// linkerRow is one installed linker of a target.
type linkerRow struct {
	// Name is how --linker names it: "bfd", "lld-16".
	Name arches.Linker `json:"name"`
	// Version is the first line of its --version output.
	Version string `json:"version"`
	Path    string `json:"path"`
	// Default is true for the lld that plain "lld" means.
	Default bool `json:"default,omitempty"`
}

func cmdArches(c *call) int {
	if len(c.args) > 0 {
		return fail(c.stderr, usagef("arches takes no arguments"))
	}
	var rows []archRow
	for _, a := range arches.All() {
		r, err := archRowOf(a)
		if err != nil {
			return fail(c.stderr, err)
		}
		rows = append(rows, r)
	}
	if c.bool("json") {
		return writeJSON(c, rows)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tCLASS\tENDIAN\tMACHINE\tRELOCS\tPAGE SIZES\tLINKERS INSTALLED (OF SUPPORTED)")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s (%s)\n", r.Name, r.Class, r.Endian, r.Machine, r.Relocs,
			pageSizes(r.PageSizes), installedNames(r.Linkers), linkerNames(r.Supported))
	}
	tw.Flush()
	return exitOK
}

func archRowOf(a *arches.Arch) (archRow, error) {
	relocs := "REL"
	if a.RELA {
		relocs = "RELA"
	}
	tools, err := ldrun.Installed(a)
	if err != nil {
		return archRow{}, err
	}
	linkers := []linkerRow{}
	for _, t := range tools {
		linkers = append(linkers, linkerRow{Name: t.Linker, Version: t.Version, Path: t.Path, Default: ldrun.IsDefaultLLD(t.Linker)})
	}
	return archRow{Name: a.Name, Class: a.Bits(), Endian: a.Endian.String(), Machine: a.Machine.String(),
		Flags: fmt.Sprintf("%#x", a.Flags), Relocs: relocs, PageSizes: a.PageSizes, Triple: a.Triple,
		Package: a.Package, Linkers: linkers, Supported: a.Linkers, Code: a.CodeArch != "",
		KernelLinkFlags: append([]string{}, a.KernelLinkFlags...)}, nil
}

// installedNames lists installed linkers with their release numbers:
// "bfd 2.40, lld-19 19.1.7 (lld)"; the lld plain "lld" means says so.
func installedNames(ls []linkerRow) string {
	var names []string
	for _, l := range ls {
		n := fmt.Sprintf("%s %s", l.Name, ldrun.ShortVersion(l.Version))
		if l.Default {
			n += " (lld)"
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
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
