package lds

import (
	"fmt"
	"slices"
)

// MaxBytes bounds the script Parse reads: a preprocessed kernel script is
// 10 to 20 KiB.
const MaxBytes = 4 << 20

// maxDepth bounds nesting (parentheses, blocks), so that hostile input
// cannot exhaust the stack.
const maxDepth = 200

// Parse reads a GNU ld linker script; file names it in messages. Every
// error is an *Error with the line it is on. Commands that do not bear on
// what a script needs from its inputs (OUTPUT_FORMAT, PHDRS, MEMORY, ...)
// are read over; INCLUDE and OVERLAY are errors, as their contents cannot
// be read here. With an error, the script holds the statements read
// before it (nil if none could be).
func Parse(file string, src []byte) (*Script, error) {
	if len(src) > MaxBytes {
		return nil, &Error{File: file, Line: 1, Msg: fmt.Sprintf("script is over %d bytes", MaxBytes)}
	}
	p := &parser{lx: lexer{src: string(src), at: at{line: 1}}, s: &Script{File: file}}
	err := p.script()
	if e, ok := err.(*Error); ok {
		e.File = file
	}
	return p.s, err
}

// ParseExpr reads an expression as a script would write it: "ALIGN (0x1000)".
func ParseExpr(src string) (Expr, error) {
	if len(src) > MaxBytes {
		return nil, &Error{Line: 1, Msg: fmt.Sprintf("expression is over %d bytes", MaxBytes)}
	}
	p := &parser{lx: lexer{src: src, at: at{line: 1}}, s: &Script{}}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t, err := p.next(exprMode); err != nil || t.kind != tokEOF {
		if err == nil {
			err = p.errorf(t.line, "unexpected %s after the expression", t)
		}
		return nil, err
	}
	return e, nil
}

type parser struct {
	lx    lexer
	s     *Script
	depth int
	// inSections is true inside SECTIONS.
	inSections bool
	// peeked is the last token peek read, so that the many peeks of an
	// expression's precedence levels lex it once.
	peeked struct {
		ok    bool
		pos   int
		m     mode
		tok   token
		after at
	}
}

// next reads a token in mode m.
func (p *parser) next(m mode) (token, error) {
	if c := &p.peeked; c.ok && c.pos == p.lx.pos && c.m == m {
		p.lx.at = c.after
		return c.tok, nil
	}
	return p.lx.next(m)
}

// peek reads a token in mode m without consuming it.
func (p *parser) peek(m mode) (token, error) {
	if c := &p.peeked; c.ok && c.pos == p.lx.pos && c.m == m {
		return c.tok, nil
	}
	save := p.lx.at
	t, err := p.lx.next(m)
	if err == nil {
		p.peeked.ok, p.peeked.pos, p.peeked.m, p.peeked.tok, p.peeked.after = true, save.pos, m, t, p.lx.at
	}
	p.lx.at = save
	return t, err
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return &Error{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// expect reads the operator want.
func (p *parser) expect(want string) (token, error) {
	t, err := p.next(exprMode)
	if err != nil {
		return t, err
	}
	if t.kind != tokOp || t.text != want {
		return t, p.errorf(t.line, "want %q, found %s", want, t)
	}
	return t, nil
}

// name reads a name in mode m.
func (p *parser) name(m mode, what string) (token, error) {
	t, err := p.next(m)
	if err != nil {
		return t, err
	}
	if t.kind != tokName && t.kind != tokString {
		return t, p.errorf(t.line, "want %s, found %s", what, t)
	}
	return t, nil
}

func (p *parser) enter(line int) error {
	if p.depth++; p.depth > maxDepth {
		return p.errorf(line, "nested more than %d deep", maxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// Commands read over with their parenthesized arguments.
var skippedCommands = []string{"OUTPUT_FORMAT", "OUTPUT_ARCH", "SEARCH_DIR", "INPUT", "GROUP", "OUTPUT",
	"TARGET", "STARTUP", "NOCROSSREFS", "NOCROSSREFS_TO", "REGION_ALIAS", "EXTERN", "LD_FEATURE", "AS_NEEDED"}

// Commands read over with their braced blocks.
var skippedBlocks = []string{"PHDRS", "MEMORY", "VERSION"}

// Flags read over.
var skippedWords = []string{"FORCE_COMMON_ALLOCATION", "INHIBIT_COMMON_ALLOCATION", "FORCE_GROUP_ALLOCATION"}

func (p *parser) script() error {
	for {
		t, err := p.peek(nameMode)
		if err != nil {
			return err
		}
		switch {
		case t.kind == tokEOF:
			return nil
		case t.kind == tokOp && t.text == ";":
			p.next(nameMode)
		case t.text == "SECTIONS":
			p.next(nameMode)
			if err := p.sections(); err != nil {
				return err
			}
		case slices.Contains(skippedBlocks, t.text):
			p.next(nameMode)
			if err := p.skipBlock(); err != nil {
				return err
			}
		case slices.Contains(skippedCommands, t.text):
			p.next(nameMode)
			if err := p.skipParens(); err != nil {
				return err
			}
		case slices.Contains(skippedWords, t.text):
			p.next(nameMode)
		case t.text == "INSERT":
			p.next(nameMode)
			if _, err := p.name(nameMode, "AFTER or BEFORE"); err != nil {
				return err
			}
			if _, err := p.name(nameMode, "an output section"); err != nil {
				return err
			}
		default:
			if err := p.common(t, ""); err != nil {
				return err
			}
		}
	}
}

// common reads a statement that may stand at the top level, in SECTIONS
// or in an output section: ENTRY, ASSERT, PROVIDE and assignments.
// Anything else is an error here.
func (p *parser) common(t token, output string) error {
	switch t.text {
	case "ENTRY":
		return p.entry()
	case "ASSERT":
		return p.assertStatement()
	case "PROVIDE", "PROVIDE_HIDDEN", "HIDDEN":
		return p.provide(output)
	case "INCLUDE", "OVERLAY":
		return p.errorf(t.line, "%s is not supported", t.text)
	}
	if t.kind != tokName {
		return p.errorf(t.line, "unexpected %s", t)
	}
	p.next(nameMode)
	op, err := p.peek(exprMode)
	if err != nil {
		return err
	}
	if !isAssignOp(op) {
		return p.errorf(op.line, "want an assignment to %s, found %s", t.text, op)
	}
	return p.assignment(t, output, false)
}

func isAssignOp(t token) bool {
	if t.kind != tokOp {
		return false
	}
	switch t.text {
	case "=", "+=", "-=", "*=", "/=", "<<=", ">>=", "&=", "|=", "^=":
		return true
	}
	return false
}

// assignment reads `OP EXPR` after the symbol sym, and the `;`.
func (p *parser) assignment(sym token, output string, provide bool) error {
	op, err := p.next(exprMode)
	if err != nil {
		return err
	}
	e, err := p.expr()
	if err != nil {
		return err
	}
	p.s.Statements = append(p.s.Statements, &Assignment{Symbol: sym.text, Op: op.text, Expr: e, Provide: provide,
		Output: output, Outside: !p.inSections, Line: sym.line, Text: p.source(sym)})
	return p.optionalSemicolon()
}

// source is the text from token start to the last token read.
func (p *parser) source(start token) string { return p.lx.source(int(start.pos), p.lx.pos) }

// optionalSemicolon reads a `;` if one follows: GNU ld wants one after an
// assignment, but not after the last one in a block or a PROVIDE.
func (p *parser) optionalSemicolon() error {
	t, err := p.peek(exprMode)
	if err == nil && t.kind == tokOp && t.text == ";" {
		p.next(exprMode)
	}
	return err
}

func (p *parser) entry() error {
	t, _ := p.next(nameMode)
	if _, err := p.expect("("); err != nil {
		return err
	}
	sym, err := p.name(exprMode, "the entry symbol")
	if err != nil {
		return err
	}
	if _, err := p.expect(")"); err != nil {
		return err
	}
	p.s.Entry, p.s.EntryLine = sym.text, t.line
	return nil
}

func (p *parser) assertStatement() error {
	a, err := p.assertCall()
	if err != nil {
		return err
	}
	p.s.Statements = append(p.s.Statements, a)
	return p.optionalSemicolon()
}

// assertCall reads ASSERT(EXPR, "MESSAGE").
func (p *parser) assertCall() (*Assert, error) {
	t, _ := p.next(nameMode)
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(","); err != nil {
		return nil, err
	}
	msg, err := p.next(exprMode)
	if err != nil {
		return nil, err
	}
	if msg.kind != tokString && msg.kind != tokName {
		return nil, p.errorf(msg.line, "want the ASSERT's message, found %s", msg)
	}
	if _, err := p.expect(")"); err != nil {
		return nil, err
	}
	return &Assert{Expr: e, Message: msg.text, Line: t.line, Text: p.source(t)}, nil
}

// provide reads PROVIDE(SYM = EXPR), PROVIDE_HIDDEN(...) or HIDDEN(...).
func (p *parser) provide(output string) error {
	kw, _ := p.next(nameMode)
	if _, err := p.expect("("); err != nil {
		return err
	}
	sym, err := p.name(nameMode, "a symbol")
	if err != nil {
		return err
	}
	op, err := p.peek(exprMode)
	if err != nil {
		return err
	}
	if !isAssignOp(op) {
		return p.errorf(op.line, "want an assignment in %s, found %s", kw.text, op)
	}
	p.next(exprMode)
	e, err := p.expr()
	if err != nil {
		return err
	}
	if _, err := p.expect(")"); err != nil {
		return err
	}
	p.s.Statements = append(p.s.Statements, &Assignment{Symbol: sym.text, Op: op.text, Expr: e,
		Provide: kw.text != "HIDDEN", Output: output, Outside: !p.inSections, Line: kw.line, Text: p.source(kw)})
	return p.optionalSemicolon()
}

// skipParens reads over a parenthesized argument list.
func (p *parser) skipParens() error {
	open, err := p.expect("(")
	if err != nil {
		return err
	}
	return p.skipUntil(open, ")")
}

// skipBlock reads over a braced block.
func (p *parser) skipBlock() error {
	open, err := p.expect("{")
	if err != nil {
		return err
	}
	return p.skipUntil(open, "}")
}

// skipUntil reads tokens up to the close matching open.
func (p *parser) skipUntil(open token, close string) error {
	depth := 1
	for {
		t, err := p.next(nameMode)
		if err != nil {
			return err
		}
		switch {
		case t.kind == tokEOF:
			return p.errorf(open.line, "%q is never closed", open.text)
		case t.kind != tokOp:
		case t.text == open.text:
			depth++
		case t.text == close:
			if depth--; depth == 0 {
				return nil
			}
		}
	}
}

// sections reads the body of SECTIONS { ... }.
func (p *parser) sections() error {
	open, err := p.expect("{")
	if err != nil {
		return err
	}
	p.inSections = true
	defer func() { p.inSections = false }()
	for {
		t, err := p.peek(nameMode)
		if err != nil {
			return err
		}
		switch {
		case t.kind == tokEOF:
			return p.errorf(open.line, "SECTIONS is never closed")
		case t.kind == tokOp && t.text == "}":
			p.next(nameMode)
			return nil
		case t.kind == tokOp && t.text == ";":
			p.next(nameMode)
			continue
		case t.kind != tokName:
			return p.errorf(t.line, "unexpected %s in SECTIONS", t)
		}
		switch t.text {
		case "ENTRY", "ASSERT", "PROVIDE", "PROVIDE_HIDDEN", "HIDDEN", "INCLUDE", "OVERLAY":
			if err := p.common(t, ""); err != nil {
				return err
			}
			continue
		}
		p.next(nameMode)
		op, err := p.peek(exprMode)
		if err != nil {
			return err
		}
		if isAssignOp(op) {
			err = p.assignment(t, "", false)
		} else {
			err = p.outputSection(t)
		}
		if err != nil {
			return err
		}
	}
}

// Output section types, as in `.got.plt (INFO) : { ... }`.
var sectionTypes = []string{"NOLOAD", "DSECT", "COPY", "INFO", "OVERLAY", "READONLY"}

// outputSection reads an output section description after its name.
func (p *parser) outputSection(name token) error {
	os := &OutputSection{Name: name.text, Line: name.line}
	if err := p.sectionHeader(os); err != nil {
		return err
	}
	if err := p.sectionAttributes(os); err != nil {
		return err
	}
	p.s.Statements = append(p.s.Statements, os)
	if err := p.sectionBody(os); err != nil {
		return err
	}
	return p.sectionTrailer(os)
}

// sectionHeader reads the optional address and type before the colon, and
// the colon.
func (p *parser) sectionHeader(os *OutputSection) error {
	for {
		t, err := p.peek(exprMode)
		if err != nil {
			return err
		}
		switch {
		case t.kind == tokOp && t.text == ":":
			p.next(exprMode)
			return nil
		case t.kind == tokEOF:
			return p.errorf(os.Line, "output section %s has no body", os.Name)
		case t.kind == tokOp && t.text == "(":
			if typ, ok := p.sectionType(); ok {
				os.Type = typ
				continue
			}
		}
		e, err := p.expr()
		if err != nil {
			return err
		}
		os.Exprs = append(os.Exprs, e)
	}
}

// sectionType reads `(TYPE)` if that is what follows.
func (p *parser) sectionType() (string, bool) {
	save := p.lx.at
	p.next(exprMode)
	t, err1 := p.next(nameMode)
	c, err2 := p.next(exprMode)
	if err1 == nil && err2 == nil && slices.Contains(sectionTypes, t.text) && c.text == ")" {
		return t.text, true
	}
	p.lx.at = save
	return "", false
}

// parenExpr reads ( EXPR ), as ALIGN(...) or LONG(...) take it.
func (p *parser) parenExpr() (Expr, error) {
	if _, err := p.expect("("); err != nil {
		return nil, err
	}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	_, err = p.expect(")")
	return e, err
}

// sectionAttributes reads AT(...), ALIGN(...), SUBALIGN(...) and the
// constraint keywords before the body.
func (p *parser) sectionAttributes(os *OutputSection) error {
	for {
		t, err := p.peek(nameMode)
		if err != nil {
			return err
		}
		switch t.text {
		case "AT", "ALIGN", "SUBALIGN":
			p.next(nameMode)
			e, err := p.parenExpr()
			if err != nil {
				return err
			}
			os.Exprs = append(os.Exprs, e)
			if t.text == "ALIGN" {
				os.Align, os.AlignText = e, p.source(t)
			}
		case "ALIGN_WITH_INPUT", "ONLY_IF_RO", "ONLY_IF_RW", "NOCROSSREFS":
			p.next(nameMode)
		case "{":
			return nil
		default:
			return p.errorf(t.line, "want { to open output section %s, found %s", os.Name, t)
		}
	}
}

// sectionBody reads { ... } of an output section.
func (p *parser) sectionBody(os *OutputSection) error {
	open, err := p.expect("{")
	if err != nil {
		return err
	}
	for {
		t, err := p.peek(nameMode)
		if err != nil {
			return err
		}
		switch {
		case t.kind == tokEOF:
			return p.errorf(open.line, "output section %s is never closed", os.Name)
		case t.kind == tokOp && t.text == "}":
			p.next(nameMode)
			os.EndLine = t.line
			return nil
		case t.kind == tokOp && t.text == ";":
			p.next(nameMode)
			continue
		case t.kind != tokName:
			return p.errorf(t.line, "unexpected %s in output section %s", t, os.Name)
		}
		if err := p.bodyStatement(os, t); err != nil {
			return err
		}
	}
}

// Data commands inside an output section.
var dataCommands = []string{"BYTE", "SHORT", "LONG", "QUAD", "SQUAD", "FILL"}

func (p *parser) bodyStatement(os *OutputSection, t token) error {
	n := len(p.s.Statements)
	defer func() {
		// Statements read inside the body belong to it, not to the
		// script's top level.
		os.Body = append(os.Body, p.s.Statements[n:]...)
		p.s.Statements = p.s.Statements[:n]
	}()
	switch {
	case t.text == "ASSERT" || t.text == "PROVIDE" || t.text == "PROVIDE_HIDDEN" || t.text == "HIDDEN" || t.text == "INCLUDE":
		return p.common(t, os.Name)
	case slices.Contains(dataCommands, t.text):
		p.next(nameMode)
		e, err := p.parenExpr()
		if err != nil {
			return err
		}
		p.s.Statements = append(p.s.Statements, &Data{Kind: t.text, Expr: e, Line: t.line, Text: p.source(t)})
		return nil
	case t.text == "CONSTRUCTORS" || t.text == "CREATE_OBJECT_SYMBOLS":
		p.next(nameMode)
		return nil
	case t.text == "KEEP":
		p.next(nameMode)
		if _, err := p.expect("("); err != nil {
			return err
		}
		file, err := p.name(nameMode, "a file pattern")
		if err != nil {
			return err
		}
		in, err := p.inputSection(file, true)
		if err != nil {
			return err
		}
		_, err = p.expect(")")
		in.Line, in.Text = t.line, p.source(t)
		return err
	}
	p.next(nameMode)
	op, err := p.peek(exprMode)
	if err != nil {
		return err
	}
	if isAssignOp(op) {
		return p.assignment(t, os.Name, false)
	}
	in, err := p.inputSection(t, false)
	in.Text = p.source(t)
	return err
}

// Sorting keywords around input section patterns.
var sortKeywords = []string{"SORT", "SORT_BY_NAME", "SORT_BY_ALIGNMENT", "SORT_BY_INIT_PRIORITY", "SORT_NONE", "REVERSE"}

// inputSection reads the section list after a file pattern.
func (p *parser) inputSection(file token, keep bool) (*InputSection, error) {
	in := &InputSection{File: file.text, Keep: keep, Line: file.line}
	p.s.Statements = append(p.s.Statements, in)
	if slices.Contains(sortKeywords, file.text) {
		// SORT(CONSTRUCTORS) or a sorted file list: read it over.
		in.File = "*"
		return in, p.skipParens()
	}
	t, err := p.peek(nameMode)
	if err != nil || t.kind != tokOp || t.text != "(" {
		return in, err // a file without a section list
	}
	p.next(nameMode)
	return in, p.patterns(in, t)
}

// patterns reads section patterns up to the closing parenthesis.
func (p *parser) patterns(in *InputSection, open token) error {
	if err := p.enter(open.line); err != nil {
		return err
	}
	defer p.leave()
	for {
		t, err := p.next(nameMode)
		if err != nil {
			return err
		}
		switch {
		case t.kind == tokEOF:
			return p.errorf(open.line, "( is never closed")
		case t.kind == tokOp && t.text == ")":
			return nil
		case t.kind == tokOp && t.text == ",":
		case t.kind != tokName:
			return p.errorf(t.line, "unexpected %s in a section list", t)
		case slices.Contains(sortKeywords, t.text):
			open, err := p.expect("(")
			if err != nil {
				return err
			}
			if err := p.patterns(in, open); err != nil {
				return err
			}
		case t.text == "EXCLUDE_FILE" || t.text == "INPUT_SECTION_FLAGS":
			if err := p.skipParens(); err != nil {
				return err
			}
		default:
			in.Patterns = append(in.Patterns, t.text)
		}
	}
}

// sectionTrailer reads what may follow an output section's body: a memory
// region, program headers and a fill.
func (p *parser) sectionTrailer(os *OutputSection) error {
	for {
		t, err := p.peek(nameMode)
		if err != nil {
			return err
		}
		switch {
		case t.kind == tokOp && t.text == ">":
			p.next(nameMode)
			if _, err := p.name(nameMode, "a memory region"); err != nil {
				return err
			}
		case t.kind == tokName && t.text == "AT" && p.followedBy(">"):
			p.next(nameMode)
			p.next(nameMode)
			if _, err := p.name(nameMode, "a memory region"); err != nil {
				return err
			}
		case t.kind == tokOp && t.text == ":":
			p.next(nameMode)
			ph, err := p.name(nameMode, "a program header")
			if err != nil {
				return err
			}
			os.Phdrs = append(os.Phdrs, ph.text)
		case t.kind == tokOp && t.text == "=":
			p.next(nameMode)
			e, err := p.expr()
			if err != nil {
				return err
			}
			os.Exprs = append(os.Exprs, e)
		case t.kind == tokOp && t.text == ",":
			p.next(nameMode)
		default:
			return nil
		}
	}
}

// followedBy reports whether the token after the next one is the
// operator op.
func (p *parser) followedBy(op string) bool {
	save := p.lx.at
	defer func() { p.lx.at = save }()
	p.next(nameMode)
	t, err := p.next(exprMode)
	return err == nil && t.kind == tokOp && t.text == op
}
