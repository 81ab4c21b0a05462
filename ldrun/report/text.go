// Package report renders what elfsynth finds for people and programs: the
// text and JSON of layouts, of the inputs a plan lays out, of linker
// failures, of diffs and of matrices. It is the one place output formats
// live.
package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/elfsynth/elfsynth/ldrun/layout"
)

// JSON writes v as indented JSON with a final newline.
func JSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Layout writes l for people: a header; the segments and sections with
// their bytes by class and their pages by runtime permission; the
// symbols; the holes with their causes and the content no symbol names;
// the totals; the kernel's landmark symbols; then the code checks,
// orphans, findings and the linker's warnings.
func Layout(w io.Writer, l *layout.Layout) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("arch: %s  page size: %d\n", l.Arch, l.PageSize)
	if l.Linker.Name != "" {
		if l.Linker.Version != "" {
			p("linker: %s (%s)\n", l.Linker.Name, l.Linker.Version)
		} else {
			p("linker: %s\n", l.Linker.Name)
		}
		p("command: %s\n", l.Linker.Command)
	}
	p("\nsegments:\n")
	table(bw, []string{"TYPE", "VADDR", "PADDR", "FILESZ", "MEMSZ", "FLAGS", "ALIGN", "PAGES"}, len(l.Segments), func(i int, c []string) {
		s := l.Segments[i]
		c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7] = s.Type.String(), hex(uint64(s.Vaddr)), hex(uint64(s.Paddr)), hex(s.Filesz),
			hex(s.Memsz), permText(s.Flags), hex(s.Align), pagesText(s.Pages)
	})
	p("\nsections:\n")
	table(bw, []string{"NAME", "ADDR", "SIZE", "ALIGN", "FLAGS", "SEGMENT", "SYMBOLS", "PADDING", "CONTENT", "PAGES"}, len(l.Sections),
		func(i int, c []string) {
			s := l.Sections[i]
			c[0], c[1], c[2], c[3], c[4], c[5] = s.Name, hex(uint64(s.Addr)), hex(s.Size), dec(s.Align), s.Flags.String(), segName(s.Segment)
			c[6], c[7], c[8], c[9] = "-", "-", "-", "-"
			if s.Alloc() {
				c[6], c[7], c[8], c[9] = dec(s.Bytes.Symbols), dec(s.Bytes.Padding), dec(s.Bytes.Content), pagesText(s.Pages)
			}
		})
	p("\nsymbols:\n")
	measured(bw, []string{"NAME", "ADDR", "SIZE", "SECTION", "PERM", "RUNTIME"}, len(l.Symbols), func(i int, c []string) {
		s := &l.Symbols[i]
		c[0], c[1], c[2], c[3], c[4], c[5] = short(s.Name), hex(uint64(s.Addr)), dec(s.Size), s.Section, permText(s.Perm), permText(s.RuntimePerm)
	}, func(i int, w []int) {
		s := &l.Symbols[i]
		w[0], w[1], w[2], w[3], w[4], w[5] = nameWidth(s.Name), hexWidth(uint64(s.Addr)), decWidth(s.Size), width(s.Section), len(permText(s.Perm)), 0
	})
	p("\nholes:\n")
	measured(bw, []string{"ADDR", "SIZE", "SECTION", "BETWEEN", "CAUSE"}, len(l.Holes), func(i int, c []string) {
		h := &l.Holes[i]
		c[0], c[1], c[2], c[3], c[4] = hex(uint64(h.Addr)), dec(h.Size), orDash(h.Section), short(h.Before)+" .. "+short(h.After), h.Cause
	}, func(i int, w []int) {
		h := &l.Holes[i]
		w[0], w[1], w[2], w[3], w[4] = hexWidth(uint64(h.Addr)), decWidth(h.Size), width(orDash(h.Section)), nameWidth(h.Before)+4+nameWidth(h.After), 0
	})
	if len(l.Content) > 0 {
		if l.Reserved > 0 {
			p("\ncontent no symbol names, and bytes the script reserves between sections:\n")
		} else {
			p("\ncontent no symbol names:\n")
		}
		measured(bw, []string{"ADDR", "SIZE", "SECTION", "BETWEEN", "FROM"}, len(l.Content), func(i int, c []string) {
			x := &l.Content[i]
			c[0], c[1], c[2], c[3], c[4] = hex(uint64(x.Addr)), dec(x.Size), orDash(x.Section), short(x.Before)+" .. "+short(x.After), contentFrom(x)
		}, func(i int, w []int) {
			x := &l.Content[i]
			w[0], w[1], w[2], w[3], w[4] = hexWidth(uint64(x.Addr)), decWidth(x.Size), width(orDash(x.Section)), nameWidth(x.Before)+4+nameWidth(x.After), 0
		})
	}
	inside, between := 0, 0
	for _, h := range l.Holes {
		if h.Section == "" {
			between++
		} else {
			inside++
		}
	}
	p("\npadding: %d bytes in %d holes inside sections\n", l.Padding, inside)
	p("gaps: %d bytes in %d gaps between sections\n", l.Gaps, between)
	if l.Reserved > 0 {
		p("reserved: %d bytes between sections that the script reserves\n", l.Reserved)
	}
	p("bytes: %d in symbols + %d padding + %d content = %d in allocated sections\n", l.Bytes.Symbols, l.Bytes.Padding,
		l.Bytes.Content, l.Bytes.Total())
	if len(l.Pages) > 0 {
		p("pages of %d bytes by runtime permission: %s\n", l.PageSize, pagesText(l.Pages))
	}
	landmarks(bw, l)
	if len(l.Code) > 0 {
		p("\ncode:\n")
		table(bw, []string{"FUNCTION", "ADDRESS OF", "COMPUTED", "EXPECTED", "RESULT"}, len(l.Code), func(i int, c []string) {
			x := l.Code[i]
			c[0], c[1], c[2], c[3], c[4] = x.Symbol, x.AddressOf, x.Computed.String(), x.Expected.String(), codeResult(x)
		})
	}
	list := func(title string, xs []string) {
		if len(xs) > 0 {
			p("\n%s:\n", title)
			for _, x := range xs {
				p("  %s\n", x)
			}
		}
	}
	list("provided by elfsynth", l.Provided)
	list("orphans", l.Orphans)
	if len(l.Findings) > 0 {
		p("\nfindings:\n")
		table(bw, []string{"KIND", "PAGE", "WHAT"}, len(l.Findings), func(i int, c []string) {
			f := l.Findings[i]
			c[0], c[1], c[2] = string(f.Kind), f.Page.String(), f.Message
		})
	}
	list("warnings", l.Warnings)
	return bw.Flush()
}

// landmarks lists the landmark symbols the image has, with their offset
// from the first.
func landmarks(w *bufio.Writer, l *layout.Layout) {
	type mark struct {
		name string
		addr uint64
	}
	var ms []mark
	for _, n := range layout.Landmarks() {
		if y, ok := l.Symbol(n); ok {
			ms = append(ms, mark{n, uint64(y.Addr)})
		}
	}
	if len(ms) == 0 {
		return
	}
	fmt.Fprintf(w, "\nlandmarks:\n")
	base := ms[0].addr
	table(w, []string{"NAME", "ADDR", "FROM " + ms[0].name}, len(ms), func(i int, c []string) {
		c[0], c[1], c[2] = ms[i].name, hex(ms[i].addr), "-"
		if ms[i].addr >= base {
			c[2] = "+" + hex(ms[i].addr-base)
		}
	})
}

// table writes an indented table whose columns are as wide as their
// widest cell, two spaces apart; the last column is not padded. It calls
// row twice per row (once to measure, once to write) instead of keeping
// every cell: a distro kernel has 117,000 symbols.
func table(w *bufio.Writer, header []string, n int, row func(i int, cells []string)) {
	measured(w, header, n, row, nil)
}

// measured is table with a function that gives a row's widths without
// formatting it, for the tables as long as the image has symbols.
func measured(w *bufio.Writer, header []string, n int, row func(i int, cells []string), widthsOf func(i int, ws []int)) {
	widths := make([]int, len(header))
	cells := make([]string, len(header))
	ws := make([]int, len(header))
	for j, c := range header {
		widths[j] = width(c)
	}
	for i := 0; i < n; i++ {
		if widthsOf != nil {
			widthsOf(i, ws)
		} else {
			row(i, cells)
			for j, c := range cells {
				ws[j] = width(c)
			}
		}
		for j := range ws {
			widths[j] = max(widths[j], ws[j])
		}
	}
	write := func(cs []string) {
		w.WriteString("  ")
		for j, c := range cs {
			w.WriteString(c)
			if j == len(cs)-1 {
				break
			}
			pad(w, widths[j]+2-width(c))
		}
		w.WriteByte('\n')
	}
	write(header)
	for i := 0; i < n; i++ {
		row(i, cells)
		write(cells)
	}
}

const spaces = "                                                                "

func pad(w *bufio.Writer, n int) {
	for n > 0 {
		k := min(n, len(spaces))
		w.WriteString(spaces[:k])
		n -= k
	}
}

func width(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return utf8.RuneCountInString(s)
		}
	}
	return len(s)
}

// hexWidth and decWidth are the widths hex and dec give v.
func hexWidth(v uint64) int { return 2 + max(1, (bits.Len64(v)+3)/4) }

func decWidth(v uint64) int {
	n := 1
	for ; v >= 10; v /= 10 {
		n++
	}
	return n
}

// nameWidth is the width short gives name.
func nameWidth(name string) int {
	if n := width(name); n <= maxName {
		return n
	}
	return maxName - 1
}

// hex makes one string, not a number's and then the joined one: reports
// print a hole's address and size each.
func hex(v uint64) string {
	var b [18]byte
	return string(strconv.AppendUint(append(b[:0], "0x"...), v, 16))
}
func dec(v uint64) string { return strconv.FormatUint(v, 10) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// permTexts caches Perm.String for the few permissions there are.
var permTexts [16]string

func permText(p layout.Perm) string {
	if int(p) < len(permTexts) {
		return permTexts[p]
	}
	return p.String()
}

func init() {
	for p := range permTexts {
		permTexts[p] = layout.Perm(p).String()
	}
}

// pagesText writes page counts as "R-X 3, R-- after init 1": the
// kernel's permissions in the order of its image, then any other.
func pagesText(pg layout.Pages) string {
	if len(pg) == 0 {
		return "-"
	}
	order := []layout.Perm{layout.PermText, layout.PermRO, layout.PermROAfterInit, layout.PermRW}
	var rest []layout.Perm
	for p := range pg {
		if !slices.Contains(order, p) {
			rest = append(rest, p)
		}
	}
	slices.Sort(rest)
	var parts []string
	for _, p := range append(order, rest...) {
		if n, ok := pg[p]; ok && n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", permText(p), n))
		}
	}
	return strings.Join(parts, ", ")
}

// contentFrom says where content came from: its input section, and what
// else is known.
func contentFrom(x *layout.Content) string {
	switch {
	case x.Input != "" && x.Note != "":
		return x.Input + ", " + x.Note
	case x.Input != "":
		return x.Input
	}
	return x.Note
}

func segName(i int) string {
	if i < 0 {
		return "-"
	}
	return strconv.Itoa(i)
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
	if len(name) <= maxName {
		return name
	}
	r := []rune(name)
	if len(r) <= maxName {
		return name
	}
	half := (maxName - 1) / 2
	return string(r[:half]) + "…" + string(r[len(r)-half:])
}

// LayoutJSON writes l as JSON exactly as JSON does, but streams the
// symbols, holes and content one at a time: a distro kernel's layout
// would otherwise be built whole in memory (240 MB for 117,000 symbols).
func LayoutJSON(w io.Writer, l *layout.Layout) error {
	head := *l
	head.Symbols, head.Holes, head.Content = nil, nil, nil
	b, err := json.MarshalIndent(&head, "", "  ")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	rest := string(b)
	arrays := []struct {
		key string
		n   int
		at  func(i int) any
	}{
		{`"symbols": null`, len(l.Symbols), func(i int) any { return &l.Symbols[i] }},
		{`"holes": null`, len(l.Holes), func(i int) any { return &l.Holes[i] }},
		{`"content": null`, len(l.Content), func(i int) any { return &l.Content[i] }},
	}
	for _, a := range arrays {
		before, after, ok := strings.Cut(rest, a.key)
		if !ok {
			return fmt.Errorf("report: no %s in the layout's JSON", a.key)
		}
		bw.WriteString(before)
		bw.WriteString(strings.TrimSuffix(a.key, "null"))
		if a.n == 0 {
			bw.WriteString("[]")
		} else {
			bw.WriteString("[\n")
			for i := 0; i < a.n; i++ {
				e, err := json.MarshalIndent(a.at(i), "    ", "  ")
				if err != nil {
					return err
				}
				if i > 0 {
					bw.WriteString(",\n")
				}
				bw.WriteString("    ")
				bw.Write(e)
			}
			bw.WriteString("\n  ]")
		}
		rest = after
	}
	bw.WriteString(rest)
	bw.WriteByte('\n')
	return bw.Flush()
}
