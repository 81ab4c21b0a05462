package report

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/elfsynth/elfsynth/ldrun"
)

// ReproTable prints rows as a table a kernel developer can paste into
// a reply: one line per target, linker and page size, a column per
// variant with its padding in bytes.
func ReproTable(w io.Writer, rows []ldrun.ReproRow) error {
	type key struct {
		arch, linker string
		page         uint64
	}
	var keys []key
	cells := map[key]map[string]string{}
	for _, r := range rows {
		k := key{r.Arch, r.Linker, r.PageSize}
		if cells[k] == nil {
			cells[k] = map[string]string{}
			keys = append(keys, k)
		}
		cell := fmt.Sprint(r.Padding)
		if r.Error != "" {
			cell = "link failed"
		}
		cells[k][r.Variant] = cell
	}
	variants := variantsOf(rows)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := []string{"arch", "linker", "page"}
	for _, v := range variants {
		header = append(header, v.Name)
	}
	fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
	for _, k := range keys {
		line := []string{k.arch, k.linker, fmt.Sprintf("%dK", k.page>>10)}
		for _, v := range variants {
			line = append(line, cells[k][v.Name])
		}
		fmt.Fprintln(tw, strings.Join(line, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, v := range variants {
		fmt.Fprintln(w, summarize(v.Name, rows))
	}
	fmt.Fprintln(w, "\npadding = bytes of holes caused by an alignment of at least a page (input sections and symbols; script statements aside)")
	for _, v := range variants {
		fmt.Fprintf(w, "  %-18s %s%s\n", v.Name+":", v.Description, scriptsOf(v, rows))
	}
	return writeFailures(w, rows)
}

// variantsOf are the variants rows hold, in ZeroPageVariants' order; all
// of them when there are no rows.
func variantsOf(rows []ldrun.ReproRow) []ldrun.Variant {
	all := ldrun.ZeroPageVariants()
	if len(rows) == 0 {
		return all
	}
	var out []ldrun.Variant
	for _, v := range all {
		for _, r := range rows {
			if r.Variant == v.Name {
				out = append(out, v)
				break
			}
		}
	}
	return out
}

// scriptsOf names the scripts a variant linked under when they are not
// its built-in one: the user's own.
func scriptsOf(v ldrun.Variant, rows []ldrun.ReproRow) string {
	var names []string
	for _, r := range rows {
		if r.Variant == v.Name && r.Script != "" && r.Script != v.Script && !slices.Contains(names, r.Script) {
			names = append(names, r.Script)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " (script: " + strings.Join(names, ", ") + ")"
}

// summarize is one line on a variant: over how many links, the least and
// most padding, and on how many links it was at least a page.
func summarize(variant string, rows []ldrun.ReproRow) string {
	n, pages := 0, 0
	lo, hi := ^uint64(0), uint64(0)
	for _, r := range rows {
		if r.Variant != variant || r.Error != "" {
			continue
		}
		n++
		lo, hi = min(lo, r.Padding), max(hi, r.Padding)
		if r.Padding >= r.PageSize {
			pages++
		}
	}
	if n == 0 {
		return fmt.Sprintf("%-18s no links", variant+":")
	}
	return fmt.Sprintf("%-18s %d links, padding %d to %d bytes, at least a page on %d of them", variant+":", n, lo, hi, pages)
}

func writeFailures(w io.Writer, rows []ldrun.ReproRow) error {
	var failed []string
	for _, r := range rows {
		if r.Error != "" {
			failed = append(failed, fmt.Sprintf("%s %s %dK %s: %s", r.Arch, r.Linker, r.PageSize>>10, r.Variant, r.Error))
		}
	}
	sort.Strings(failed)
	for _, f := range failed {
		if _, err := fmt.Fprintln(w, "\nfailed: "+f); err != nil {
			return err
		}
	}
	return nil
}
