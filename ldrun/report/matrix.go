package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
)

// Matrix writes a scenario's matrix for pasting: a row per combination
// (target, linker, page size) with its padding and memory, how many
// differences it has from its target's reference linker, or why it
// failed; a summary; then each linker's differences from the reference,
// the skipped combinations, a footer counting the hidden changes, and the
// failures in full.
func Matrix(w io.Writer, rows []ldrun.MatrixRow, cmps []ldrun.LinkerComparison, skipped []string) error {
	p := &printer{w: w}
	writeMatrixTable(p, rows, cmps)
	p.printf("\n%s\n", matrixSummary(rows))
	writeComparisons(p, cmps)
	for _, s := range skipped {
		p.printf("skipped: %s\n", s)
	}
	hidden := map[layout.ChangeKind]int{}
	for _, c := range cmps {
		for k, n := range c.Hidden {
			hidden[k] += n
		}
	}
	if h := hiddenLine(hidden); h != "" {
		p.printf("\n%s\n", h)
	}
	for _, r := range rows {
		if r.Error != "" {
			p.printf("\nfailed: %s %s %s:\n%s\n", r.Arch, r.Linker, pageK(r.PageSize), indent(strings.TrimSpace(r.Error)))
		}
	}
	return p.err
}

func pageK(n uint64) string { return fmt.Sprintf("%dK", n>>10) }

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

// writeMatrixTable is the table: the rows in their order, numbers
// right-aligned.
func writeMatrixTable(p *printer, rows []ldrun.MatrixRow, cmps []ldrun.LinkerComparison) {
	type key struct{ arch, linker string }
	shown := map[key]int{}
	for _, c := range cmps {
		shown[key{c.Arch, c.NewName}] = len(c.Changes)
	}
	refs := map[string]bool{}
	t := grid{header: []string{"ARCH", "LINKER", "PAGE", "PADDING", "LOAD SIZE", "DIFFERENCES", "STATUS"}}
	for _, r := range rows {
		cells := []string{r.Arch, r.Linker, pageK(r.PageSize), "-", "-", "-", ""}
		switch group := fmt.Sprint(r.Arch, r.PageSize); {
		case r.Layout == nil:
			cells[6] = "failed: " + firstLine(r.Error)
		case !refs[group]:
			refs[group] = true
			cells[3], cells[4], cells[6] = fmt.Sprint(r.Padding), fmt.Sprint(layout.LoadSize(r.Layout)), "reference"
		default:
			cells[3], cells[4], cells[5] = fmt.Sprint(r.Padding), fmt.Sprint(layout.LoadSize(r.Layout)), fmt.Sprint(shown[key{r.Arch, r.Linker}])
			cells[6] = "ok"
		}
		t.add(cells, nil)
	}
	t.print(p)
}

// firstLine is the gist of an error for a table cell: its first line,
// up to the command line or details after the first ": ".
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	gist, _, _ := strings.Cut(line, ": ")
	return gist
}

// matrixSummary is one line: links, failures, and the padding's range.
func matrixSummary(rows []ldrun.MatrixRow) string {
	n, failed := 0, 0
	lo, hi := ^uint64(0), uint64(0)
	for _, r := range rows {
		if r.Layout == nil {
			failed++
			continue
		}
		n++
		lo, hi = min(lo, r.Padding), max(hi, r.Padding)
	}
	if n == 0 {
		return fmt.Sprintf("%d combinations, all failed", failed)
	}
	return fmt.Sprintf("%d combinations: %d linked, %d failed; padding %d to %d bytes", len(rows), n, failed, lo, hi)
}

// writeComparisons writes each linker's differences from its reference,
// once for the linkers that differ alike (lld versions often do); the
// linkers with none are named together, per target and page size.
func writeComparisons(p *printer, cmps []ldrun.LinkerComparison) {
	same := map[string][]string{}
	var groups []string
	alike := map[string][]string{}
	var first []ldrun.LinkerComparison
	for _, c := range cmps {
		group := fmt.Sprintf("%s %s %s", c.Arch, pageK(c.PageSize), c.OldName)
		if len(c.Changes) == 0 {
			if same[group] == nil {
				groups = append(groups, group)
			}
			same[group] = append(same[group], c.NewName)
			continue
		}
		k := alikeKey(group, c.Comparison)
		if alike[k] == nil {
			first = append(first, c)
		}
		alike[k] = append(alike[k], c.NewName)
	}
	for _, c := range first {
		group := fmt.Sprintf("%s %s %s", c.Arch, pageK(c.PageSize), c.OldName)
		p.printf("\n")
		names := alike[alikeKey(group, c.Comparison)]
		writeDiff(p, c.Comparison, group, fmt.Sprintf("%s %s %s", c.Arch, pageK(c.PageSize), strings.Join(names, ", ")))
	}
	if len(groups) > 0 {
		p.printf("\n")
	}
	for _, g := range groups {
		p.printf("no differences from %s: %s\n", g, strings.Join(same[g], ", "))
	}
}

// alikeKey is the same for comparisons that print the same.
func alikeKey(group string, c *layout.Comparison) string {
	b, _ := json.Marshal(struct {
		Changes []layout.Change
		Old     layout.Totals
		New     layout.Totals
	}{c.Changes, c.Old, c.New})
	return group + "\x00" + string(b)
}

// ReproDifferences writes, after ReproTable, how each linker's layout
// differs from its reference's (the first linker that linked the same
// target, page size and variant): one line for the linkers of a target
// that differ alike, with the kinds of their differences counted and the
// page sizes and variants where they do, then a footer counting the
// hidden ones. --json has the records themselves.
func ReproDifferences(w io.Writer, rows []ldrun.ReproRow) error {
	p := &printer{w: w}
	// First, the linkers of each target, page size and variant that
	// differ alike; then those groups, across page sizes and variants.
	type alikeKey struct{ arch, ref, page, variant, kinds string }
	var alikeOrder []alikeKey
	alike := map[alikeKey][]string{}
	hidden := map[layout.ChangeKind]int{}
	for _, r := range rows {
		for k, n := range r.Hidden {
			hidden[k] += n
		}
		if len(r.Differences) == 0 {
			continue
		}
		k := alikeKey{r.Arch, r.ComparedWith, pageK(r.PageSize), r.Variant, kindCounts(r.Differences)}
		if alike[k] == nil {
			alikeOrder = append(alikeOrder, k)
		}
		alike[k] = append(alike[k], r.Linker)
	}
	type lineKey struct{ arch, ref, linkers, kinds string }
	var order []lineKey
	where := map[lineKey][]string{}
	for _, k := range alikeOrder {
		l := lineKey{k.arch, k.ref, strings.Join(alike[k], ", "), k.kinds}
		if where[l] == nil {
			order = append(order, l)
		}
		where[l] = append(where[l], k.page+" "+k.variant)
	}
	if len(order) > 0 {
		p.printf("\ndifferences between linkers (link --linker all shows them in full; --json lists them):\n")
	}
	for _, l := range order {
		verb := "differ"
		if !strings.Contains(l.linkers, ",") {
			verb = "differs"
		}
		p.printf("  %s: %s %s from %s by %s\n      in %s\n", l.arch, l.linkers, verb, l.ref, l.kinds, strings.Join(where[l], ", "))
	}
	if h := hiddenLine(hidden); h != "" {
		p.printf("\n%s\n", h)
	}
	return p.err
}

// kindCounts writes how many changes of each kind there are, in the
// order of layout.ChangeKinds.
func kindCounts(changes []layout.Change) string {
	n := map[layout.ChangeKind]int{}
	for _, c := range changes {
		n[c.Kind]++
	}
	var parts []string
	for _, k := range layout.ChangeKinds() {
		if n[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[k], k))
		}
	}
	return strings.Join(parts, ", ")
}
