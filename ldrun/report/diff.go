package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/elfsynth/elfsynth/ldrun/layout"
)

// Diff writes a comparison for a reviewer to paste: the two sides, a
// bloat-o-meter-style line for the padding holes and the padding totals,
// then the holes that changed with their causes on both sides, the
// sections, segments and pages per runtime permission before and after,
// the symbols and the findings, each sorted by delta with the absolute
// values beside it, and a footer counting what was hidden. A comparison
// without changes says "no differences".
func Diff(w io.Writer, c *layout.Comparison) error {
	p := &printer{w: w}
	writeDiff(p, c, c.OldName, c.NewName)
	if h := hiddenLine(c.Hidden); h != "" {
		p.printf("%s\n", h)
	}
	return p.err
}

// writeDiff writes a comparison under its two names, without the footer.
func writeDiff(p *printer, c *layout.Comparison, oldName, newName string) {
	p.printf("--- %s\n+++ %s\n", oldName, newName)
	if len(c.Changes) == 0 {
		p.printf("no differences\n")
		return
	}
	writeChanges(p, c)
}

func writeChanges(p *printer, c *layout.Comparison) {
	p.printf("%s\n", bloatLine(c.Changes))
	p.printf("padding: %d -> %d bytes (%+d)\n", c.Old.Padding, c.New.Padding, int64(c.New.Padding-c.Old.Padding))
	groups := []struct {
		title string
		kinds string // the kinds' prefix
		row   func(layout.Change) []string
	}{
		{"holes", "hole-", holeRow},
		{"sections", "section-", sectionRow},
		{"segments", "segment-", segmentRow},
		{"image", "", imageRow},
	}
	for _, g := range groups {
		var t grid
		for _, ch := range c.Changes {
			if g.kinds == "" && isImageKind(ch.Kind) || g.kinds != "" && strings.HasPrefix(string(ch.Kind), g.kinds) {
				t.add(g.row(ch), causes(ch))
			}
		}
		t.write(p, g.title)
	}
	writePages(p, c)
	var t grid
	for _, ch := range c.Changes {
		if strings.HasPrefix(string(ch.Kind), "symbol-") {
			t.add(symbolRow(ch), nil)
		}
	}
	t.write(p, "symbols")
	writeFindings(p, c.Changes)
}

func isImageKind(k layout.ChangeKind) bool {
	return k == layout.ChangeLoadSize || k == layout.ChangeBaseAddress || k == layout.ChangeLandmark
}

// bloatLine counts the padding holes as scripts/bloat-o-meter counts
// symbols: added/removed, grown/shrunk, bytes up/down, and the net.
func bloatLine(changes []layout.Change) string {
	var add, remove, grow, shrink int
	var up, down int64
	for _, c := range changes {
		switch c.Kind {
		case layout.ChangeHoleAdded:
			add++
		case layout.ChangeHoleRemoved:
			remove++
		case layout.ChangeHoleGrown:
			grow++
		case layout.ChangeHoleShrunk:
			shrink++
		default:
			continue
		}
		if c.Delta > 0 {
			up += c.Delta
		} else {
			down += c.Delta
		}
	}
	return fmt.Sprintf("holes: add/remove: %d/%d grow/shrink: %d/%d up/down: %d/%d (%d)", add, remove, grow, shrink, up, down, up+down)
}

func holeRow(c layout.Change) []string {
	section := c.Section
	if c.Place == "before "+c.Section {
		section = "" // a gap between sections: the place names the next one
	}
	return []string{section, c.Place, c.Old.String(), c.New.String(), deltaText(c), holeNote(c.Kind)}
}

func holeNote(k layout.ChangeKind) string {
	switch k {
	case layout.ChangeHoleAdded:
		return "new hole"
	case layout.ChangeHoleRemoved:
		return "hole gone"
	case layout.ChangeHoleCause:
		return "another cause"
	}
	return ""
}

// causes are the lines under a hole: its cause on each side, once when
// both say the same.
func causes(c layout.Change) []string {
	if !strings.HasPrefix(string(c.Kind), "hole-") {
		return nil
	}
	switch {
	case c.OldCause == c.Cause:
		return []string{"cause: " + c.Cause}
	case c.OldCause == "":
		return []string{"now: " + c.Cause}
	case c.Cause == "":
		return []string{"was: " + c.OldCause}
	}
	return []string{"was: " + c.OldCause, "now: " + c.Cause}
}

func sectionRow(c layout.Change) []string {
	note := map[layout.ChangeKind]string{
		layout.ChangeSectionAdded: "added", layout.ChangeSectionRemoved: "removed",
		layout.ChangeSectionEmpty: "empty, on one side only", layout.ChangeSectionFlags: "flags",
		layout.ChangeSectionAlign: "alignment", layout.ChangeSectionOrder: "order",
	}[c.Kind]
	if c.Cause != "" {
		note = strings.TrimPrefix(note+", "+c.Cause, ", ")
	}
	return []string{c.Section, c.Old.String(), c.New.String(), deltaText(c), note}
}

func segmentRow(c layout.Change) []string {
	note := map[layout.ChangeKind]string{layout.ChangeSegmentAdded: "added", layout.ChangeSegmentRemoved: "removed",
		layout.ChangeSegmentEmpty: "empty, on one side only", layout.ChangeSegmentHeaders: "headers only, on one side only",
		layout.ChangeSegmentFlags: "permissions"}[c.Kind]
	perm := c.Perm.String()
	if c.Kind == layout.ChangeSegmentFlags {
		perm = "" // the old and new columns say
	}
	return []string{c.Segment, perm, c.Old.String(), c.New.String(), deltaText(c), note}
}

func imageRow(c layout.Change) []string {
	what := map[layout.ChangeKind]string{layout.ChangeLoadSize: "loadable segments' memory", layout.ChangeBaseAddress: "base address"}[c.Kind]
	if c.Kind == layout.ChangeLandmark {
		what = c.Symbol
	}
	return []string{what, c.Old.String(), c.New.String(), deltaText(c)}
}

func symbolRow(c layout.Change) []string {
	what := c.Symbol
	if c.Count > 1 {
		what = fmt.Sprintf("%s .. %s (%d symbols)", c.Symbol, c.Last, c.Count)
	}
	kind := strings.TrimPrefix(string(c.Kind), "symbol-")
	return []string{kind, c.Section, what, c.Old.String(), c.New.String(), deltaText(c)}
}

// deltaText writes a change's delta with its sign, in hex for addresses
// and offsets; nothing for a change of names.
func deltaText(c layout.Change) string {
	switch {
	case c.Delta == 0:
		return ""
	case c.Old.Hex || c.New.Hex || c.Kind == layout.ChangeSymbolShift:
		if c.Delta < 0 {
			return fmt.Sprintf("-%#x", uint64(-c.Delta))
		}
		return fmt.Sprintf("+%#x", uint64(c.Delta))
	}
	return fmt.Sprintf("%+d", c.Delta)
}

// writePages writes the pages of each runtime permission on both sides,
// changed or not: the image-level cost a reviewer asks about.
func writePages(p *printer, c *layout.Comparison) {
	count := func(ps []layout.PermPages, perm layout.Perm) uint64 {
		for _, x := range ps {
			if x.Perm == perm {
				return x.Pages
			}
		}
		return 0
	}
	var perms []layout.Perm
	for _, x := range append(append([]layout.PermPages{}, c.Old.Pages...), c.New.Pages...) {
		if !containsPerm(perms, x.Perm) {
			perms = append(perms, x.Perm)
		}
	}
	var t grid
	for _, perm := range perms {
		o, n := count(c.Old.Pages, perm), count(c.New.Pages, perm)
		d := ""
		if o != n {
			d = fmt.Sprintf("%+d", int64(n-o))
		}
		t.add([]string{perm.String(), fmt.Sprint(o), fmt.Sprint(n), d}, nil)
	}
	t.write(p, "pages per runtime permission")
}

func containsPerm(ps []layout.Perm, p layout.Perm) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

func writeFindings(p *printer, changes []layout.Change) {
	var lines []string
	for _, c := range changes {
		switch c.Kind {
		case layout.ChangeFindingAdded:
			lines = append(lines, "+ "+c.New.String())
		case layout.ChangeFindingRemoved:
			lines = append(lines, "- "+c.Old.String())
		}
	}
	if len(lines) > 0 {
		p.printf("\nfindings (addresses left out):\n")
		for _, l := range lines {
			p.printf("  %s\n", l)
		}
	}
}

// hiddenLine is the footer counting the changes of ignored kinds.
func hiddenLine(hidden map[layout.ChangeKind]int) string {
	if len(hidden) == 0 {
		return ""
	}
	var parts []string
	total := 0
	for k, n := range hidden {
		parts = append(parts, fmt.Sprintf("%d %s", n, k))
		total += n
	}
	sort.Strings(parts)
	return fmt.Sprintf("hidden: %d (%s; show them with --ignore none)", total, strings.Join(parts, ", "))
}

// grid is rows of cells, each row with lines under it. Columns whose
// cells are all numbers are right-aligned; the last column, when it is
// not numbers, is a note and is not padded.
type grid struct {
	header []string
	rows   [][]string
	under  [][]string
}

func (t *grid) add(cells, under []string) {
	t.rows = append(t.rows, cells)
	t.under = append(t.under, under)
}

// write prints the table under a title, nothing when it has no rows.
func (t *grid) write(p *printer, title string) {
	if len(t.rows) == 0 {
		return
	}
	p.printf("\n%s:\n", title)
	t.print(p)
}

func (t *grid) print(p *printer) {
	all := t.rows
	if t.header != nil {
		all = append([][]string{t.header}, t.rows...)
	}
	n := len(all[0])
	width := make([]int, n)
	for _, r := range all {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(short(c)))
		}
	}
	numeric := numericColumns(t.rows, n)
	line := func(r []string) {
		var b strings.Builder
		for j, c := range r {
			c = short(c)
			pad := strings.Repeat(" ", width[j]-utf8.RuneCountInString(c))
			switch {
			case j == n-1 && !numeric[j]:
				b.WriteString("  " + c)
			case numeric[j]:
				b.WriteString("  " + pad + c)
			default:
				b.WriteString("  " + c + pad)
			}
		}
		p.printf("%s\n", strings.TrimRight(b.String(), " "))
	}
	if t.header != nil {
		line(t.header)
	}
	for i, r := range t.rows {
		line(r)
		for _, u := range t.under[i] {
			p.printf("      %s\n", u)
		}
	}
}

// numericColumns marks the columns whose cells are all numbers, hex
// numbers, signed deltas, "-" or empty.
func numericColumns(rows [][]string, n int) []bool {
	out := make([]bool, n)
	for j := range out {
		out[j] = true
		for _, r := range rows {
			if !isNumber(r[j]) {
				out[j] = false
				break
			}
		}
	}
	return out
}

func isNumber(s string) bool {
	s = strings.TrimLeft(s, "+-")
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		return h != "" && strings.Trim(h, "0123456789abcdef") == ""
	}
	return strings.Trim(s, "0123456789") == ""
}

// printer remembers the first write error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
