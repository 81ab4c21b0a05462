package layout

import (
	"fmt"
	"strings"

	"github.com/elfsynth/elfsynth/internal/lds"
)

// scriptItems is a linker script, as internal/lds reads it, flattened for
// what explains a layout: its SECTIONS statements in order, each with
// the line it starts on: output section descriptions, assignments, input
// section descriptions and data statements.
type scriptItems struct {
	name  string
	items []ldsItem
}

// ldsKind says what a script item is.
type ldsKind uint8

const (
	// ldsAlign is `. = ALIGN(N)`, or the ALIGN(N) of an output section's
	// header.
	ldsAlign ldsKind = iota
	// ldsDot is any other assignment to `.`, or a data statement (LONG,
	// QUAD, ...): it moves `.` by an amount the reader does not know.
	ldsDot
	// ldsSymbol is `sym = ...`, PROVIDE(sym = ...) and the like.
	ldsSymbol
	// ldsInput is an input section description: `*(.data .data.*)`.
	ldsInput
	// ldsStart and ldsEnd open and close an output section description.
	ldsStart
	ldsEnd
)

// ldsItem is one statement of a script.
type ldsItem struct {
	kind ldsKind
	line int
	// text is the statement as written, spaces collapsed: ". = ALIGN(32)".
	text string
	// align is ldsAlign's N; 0 when it is not a constant.
	align uint64
	// name is the symbol ldsSymbol assigns, or the output section of
	// ldsStart and ldsEnd.
	name string
	// expr is the value an assignment gives (`. + 0x1000` for
	// `. += 0x1000`); nil for a data statement.
	expr lds.Expr
	// patterns are ldsInput's section name patterns.
	patterns []string
	// section is the output section the item is in; "" at the top level.
	section string
	// header marks the ALIGN(N) of an output section's header.
	header bool
}

// cite is how a cause names a statement: "link.lds:41: . = ALIGN(32)".
func (s *scriptItems) cite(it ldsItem) string {
	return fmt.Sprintf("%s:%d: %s", s.name, it.line, it.text)
}

// readLDS reads script text; pageSize stands for CONSTANT(MAXPAGESIZE)
// and CONSTANT(COMMONPAGESIZE). It never fails: a script lds.Parse cannot
// read gives the items of the statements before the error.
func readLDS(name, text string, pageSize uint64) *scriptItems {
	out := &scriptItems{name: name}
	s, _ := lds.Parse(name, []byte(text))
	if s == nil {
		return out
	}
	n := len(s.Statements)
	for _, st := range s.Statements {
		if os, ok := st.(*lds.OutputSection); ok {
			n += len(os.Body) + 2
		}
	}
	out.items = make([]ldsItem, 0, n)
	consts := constEnv{}
	for _, st := range s.Statements {
		switch st := st.(type) {
		case *lds.Assignment:
			if st.Outside {
				// Only its constant matters (arm64's
				// PECOFF_FILE_ALIGNMENT = 0x200;), not its place.
				consts.note(st, pageSize)
				continue
			}
			out.assignment(st, consts, pageSize)
		case *lds.OutputSection:
			if st.Align != nil {
				// ALIGN(N) after the colon aligns the section's start:
				// it acts before the section begins.
				n, _ := lds.Eval(st.Align, pageSize, consts)
				out.items = append(out.items, ldsItem{kind: ldsAlign, line: st.Line, align: n, header: true,
					text: st.Name + " : " + st.AlignText})
			}
			out.items = append(out.items, ldsItem{kind: ldsStart, line: st.Line, name: st.Name})
			for _, b := range st.Body {
				switch b := b.(type) {
				case *lds.Assignment:
					out.assignment(b, consts, pageSize)
				case *lds.InputSection:
					out.items = append(out.items, ldsItem{kind: ldsInput, line: b.Line, text: b.Text, patterns: b.Patterns, section: st.Name})
				case *lds.Data:
					out.items = append(out.items, ldsItem{kind: ldsDot, line: b.Line, text: b.Text, section: st.Name})
				}
			}
			out.items = append(out.items, ldsItem{kind: ldsEnd, line: st.EndLine, name: st.Name})
		}
	}
	return out
}

// constEnv gives expressions the symbols the script sets to constants so
// far, for ALIGN(NAME).
type constEnv map[string]uint64

func (c constEnv) Symbol(name string) (uint64, bool) {
	v, ok := c[name]
	return v, ok
}

func (constEnv) Func(string, string) (uint64, bool) { return 0, false }

// note records the value a plain assignment gives a symbol, if constant.
func (c constEnv) note(a *lds.Assignment, pageSize uint64) {
	if a.Symbol == "." || a.Op != "=" {
		return
	}
	if v, ok := lds.Eval(a.Expr, pageSize, c); ok {
		c[a.Symbol] = v
	}
}

// assignment records one assignment statement.
func (s *scriptItems) assignment(a *lds.Assignment, consts constEnv, pageSize uint64) {
	it := ldsItem{kind: ldsDot, line: a.Line, text: a.Text, section: a.Output, expr: a.Expr}
	if a.Op != "=" {
		it.expr = &lds.Binary{Op: strings.TrimSuffix(a.Op, "="), X: &lds.Ident{Name: a.Symbol}, Y: a.Expr}
	}
	switch {
	case a.Symbol != ".":
		it.kind, it.name = ldsSymbol, a.Symbol
		consts.note(a, pageSize)
	case a.Op == "=":
		if arg := alignArg(a.Expr); arg != nil {
			it.kind = ldsAlign
			it.align, _ = lds.Eval(arg, pageSize, consts)
		}
	}
	s.items = append(s.items, it)
}

// alignArg returns N of ALIGN(N) or ALIGN(., N) when e is just that, or
// nil.
func alignArg(e lds.Expr) lds.Expr {
	c, ok := e.(*lds.Call)
	if !ok || c.Func != "ALIGN" {
		return nil
	}
	switch len(c.Args) {
	case 1:
		return c.Args[0]
	case 2:
		if id, ok := c.Args[0].(*lds.Ident); ok && id.Name == "." {
			return c.Args[1]
		}
	}
	return nil
}

// textAlign is N of an assignment a link map prints, `. = ALIGN(N)`, when
// N is a constant.
func textAlign(text string) (uint64, bool) {
	_, rhs, _ := strings.Cut(text, "=")
	if !strings.HasPrefix(strings.TrimSpace(rhs), "ALIGN") {
		return 0, false
	}
	e, err := lds.ParseExpr(rhs)
	if err != nil {
		return 0, false
	}
	arg := alignArg(e)
	if arg == nil {
		return 0, false
	}
	return lds.Eval(arg, 0, nil)
}

// collapse collapses the blanks of a map line's text to one space.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// roundUp rounds a up to a multiple of n, a power of two: what ALIGN(n)
// does to a.
func roundUp(a, n uint64) uint64 {
	if n <= 1 {
		return a
	}
	return (a + n - 1) &^ (n - 1)
}
