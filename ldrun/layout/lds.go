package layout

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// lds is a linker script read for what explains a layout: its SECTIONS
// statements in order, each with the line it starts on. It is not a full
// parser: it knows output section descriptions, assignments, input section
// descriptions and data statements, and skips anything else.
type lds struct {
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
	// expr is the value an assignment gives, as an expression in `.`
	// ("(.) + (0x1000)" for `. += 0x1000`).
	expr string
	// patterns are ldsInput's section name patterns.
	patterns []string
	// section is the output section the item is in; "" at the top level.
	section string
	// header marks the ALIGN(N) of an output section's header.
	header bool
}

// cite is how a cause names a statement: "link.lds:41: . = ALIGN(32)".
func (s *lds) cite(it ldsItem) string {
	return fmt.Sprintf("%s:%d: %s", s.name, it.line, it.text)
}

// readLDS reads script text; pageSize stands for CONSTANT(MAXPAGESIZE)
// and CONSTANT(COMMONPAGESIZE). It never fails: what it cannot read it
// skips, and a script it cannot read at all has no items.
func readLDS(name, text string, pageSize uint64) *lds {
	p := &ldsParser{src: stripComments(text), page: pageSize, out: &lds{name: name}}
	for i := 0; i < len(p.src); i++ {
		if p.src[i] == '\n' {
			p.newlines = append(p.newlines, i)
		}
	}
	for p.pos < len(p.src) {
		p.skipSpace()
		if p.pos >= len(p.src) {
			break
		}
		if p.keyword("SECTIONS") {
			p.skipSpace()
			if p.peek() == '{' {
				p.pos++
				p.sections()
			}
			continue
		}
		if p.command() {
			continue
		}
		p.skipStatement()
	}
	return p.out
}

// stripComments blanks /* */ comments, keeping newlines so that lines
// still count. Preprocessed kernel scripts have no other kind.
func stripComments(s string) string {
	if !strings.Contains(s, "/*") {
		return s
	}
	b := []byte(s)
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '/' || b[i+1] != '*' {
			continue
		}
		end := len(b)
		if k := strings.Index(s[i+2:], "*/"); k >= 0 {
			end = i + 2 + k + 2
		}
		for j := i; j < end; j++ {
			if b[j] != '\n' {
				b[j] = ' '
			}
		}
		i = end - 1
	}
	return string(b)
}

type ldsParser struct {
	src  string
	pos  int
	page uint64
	out  *lds
	// section is the output section being read, or "".
	section string
	// newlines are the offsets of the script's newlines, for line numbers.
	newlines []int
}

func (p *ldsParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *ldsParser) skipSpace() {
	for p.pos < len(p.src) && isSpace(p.src[p.pos]) {
		p.pos++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// line is the 1-based line of byte offset i.
func (p *ldsParser) line(i int) int {
	n, _ := slices.BinarySearch(p.newlines, i)
	return n + 1
}

// keyword consumes word when the input continues with it as a whole word.
func (p *ldsParser) keyword(word string) bool {
	if !strings.HasPrefix(p.src[p.pos:], word) {
		return false
	}
	end := p.pos + len(word)
	if end < len(p.src) && isNameByte(p.src[end]) {
		return false
	}
	p.pos = end
	return true
}

func isNameByte(c byte) bool {
	return c == '_' || c == '.' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// until returns the text up to the first of stops at bracket depth 0, and
// moves past it (not past a closing brace, which ends a block).
func (p *ldsParser) until(stops string) (string, byte) {
	start, depth := p.pos, 0
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '(':
			depth++
		case c == ')':
			depth--
		case depth <= 0 && strings.IndexByte(stops, c) >= 0:
			text := p.src[start:p.pos]
			if c != '}' {
				p.pos++
			}
			return text, c
		}
		p.pos++
	}
	return p.src[start:], 0
}

// command skips a command outside SECTIONS written as a call, which
// needs no `;`: ENTRY(sym), OUTPUT_FORMAT(...), OUTPUT_ARCH(...).
func (p *ldsParser) command() bool {
	i := p.pos
	for i < len(p.src) && isNameByte(p.src[i]) {
		i++
	}
	j := i
	for j < len(p.src) && isSpace(p.src[j]) {
		j++
	}
	if i == p.pos || j >= len(p.src) || p.src[j] != '(' || p.src[p.pos] == '.' {
		return false
	}
	end := closing(p.src, j)
	if end < 0 {
		p.pos = len(p.src)
		return true
	}
	p.pos = end + 1
	p.skipSpace()
	if p.peek() == ';' {
		p.pos++
	}
	return true
}

// skipStatement skips a statement outside SECTIONS: up to `;`, or a whole
// `{...}` block (PHDRS, MEMORY).
func (p *ldsParser) skipStatement() {
	_, c := p.until(";{}")
	switch c {
	case '{':
		p.skipBlock()
	case '}':
		p.pos++
	}
}

// skipBlock skips to the brace closing one already consumed.
func (p *ldsParser) skipBlock() {
	for depth := 1; p.pos < len(p.src) && depth > 0; p.pos++ {
		switch p.src[p.pos] {
		case '{':
			depth++
		case '}':
			depth--
		}
	}
}

// sections reads the body of SECTIONS up to its closing brace.
func (p *ldsParser) sections() {
	for {
		p.skipSpace()
		switch p.peek() {
		case 0:
			return
		case '}':
			p.pos++
			return
		case ';':
			p.pos++
			continue
		}
		start := p.pos
		if p.simpleStatement(start) {
			continue
		}
		head, c := p.until(";{}")
		switch c {
		case '{':
			p.outputSection(start, head)
		case '}':
			// A stray statement without `;` before the end of SECTIONS.
		}
	}
}

// simpleStatement reads an assignment or a command that is not an output
// section description; it reports whether it read one.
func (p *ldsParser) simpleStatement(start int) bool {
	rest := p.src[p.pos:]
	for _, kw := range []string{"ASSERT", "INCLUDE", "ENTRY", "INSERT"} {
		if strings.HasPrefix(rest, kw) && !isNameByte(byteAt(rest, len(kw))) {
			p.until(";}")
			return true
		}
	}
	if wrapped := assignmentWrapper(rest); wrapped != "" {
		text, _ := p.until(";}")
		p.assignment(start, strings.TrimSpace(text))
		return true
	}
	// `NAME = ...;` or `. = ...;`: an assignment when `=` (or `+=` and the
	// like) follows the first word.
	i := 0
	for i < len(rest) && isNameByte(rest[i]) {
		i++
	}
	j := i
	for j < len(rest) && isSpace(rest[j]) {
		j++
	}
	if i == 0 || j >= len(rest) || !isAssignOp(rest[j:]) {
		return false
	}
	text, _ := p.until(";}")
	p.assignment(start, strings.TrimSpace(text))
	return true
}

func byteAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// assignmentWrapper is the PROVIDE-like keyword rest starts with, or "".
func assignmentWrapper(rest string) string {
	for _, kw := range []string{"PROVIDE_HIDDEN", "PROVIDE", "HIDDEN"} {
		if strings.HasPrefix(rest, kw) {
			k := len(kw)
			for k < len(rest) && isSpace(rest[k]) {
				k++
			}
			if byteAt(rest, k) == '(' {
				return kw
			}
		}
	}
	return ""
}

func isAssignOp(s string) bool {
	if strings.HasPrefix(s, "==") {
		return false
	}
	for _, op := range []string{"=", "+=", "-=", "*=", "/=", "<<=", ">>=", "&=", "|="} {
		if strings.HasPrefix(s, op) {
			return true
		}
	}
	return false
}

// assignment records one assignment statement (without its `;`).
func (p *ldsParser) assignment(start int, text string) {
	it := ldsItem{line: p.line(start), text: collapse(text), section: p.section}
	inner := text
	if kw := assignmentWrapper(text); kw != "" {
		inner = strings.TrimSpace(text[len(kw):])
		inner = strings.TrimSuffix(strings.TrimPrefix(inner, "("), ")")
	}
	eq := strings.IndexByte(inner, '=')
	if eq < 0 {
		return
	}
	lhs, rhs := strings.TrimSpace(inner[:eq]), strings.TrimSpace(inner[eq+1:])
	trimmed := strings.TrimRight(lhs, "+-*/<>&|")
	compound := trimmed != lhs
	it.expr = rhs
	if compound {
		it.expr = "(" + strings.TrimSpace(trimmed) + ") " + lhs[len(trimmed):] + " (" + rhs + ")"
	}
	lhs = strings.TrimSpace(trimmed)
	switch {
	case lhs != ".":
		it.kind, it.name = ldsSymbol, lhs
	case !compound:
		it.kind = ldsDot
		if arg, ok := alignArg(rhs); ok {
			it.kind = ldsAlign
			it.align, _ = evalExpr(arg, p.page)
		}
	default:
		it.kind = ldsDot
	}
	p.out.items = append(p.out.items, it)
}

// alignArg returns N of "ALIGN(N)" or "ALIGN(., N)" when s is just that.
func alignArg(s string) (string, bool) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, "ALIGN")
	if !ok {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	if !strings.HasPrefix(rest, "(") || closing(rest, 0) != len(rest)-1 {
		return "", false
	}
	arg := strings.TrimSpace(rest[1 : len(rest)-1])
	if a, b, ok := cutTopComma(arg); ok {
		if strings.TrimSpace(a) != "." {
			return "", false
		}
		arg = strings.TrimSpace(b)
	}
	return arg, true
}

// closing is the index of the parenthesis that closes the one at open.
func closing(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// cutTopComma splits s at its first comma outside parentheses.
func cutTopComma(s string) (string, string, bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				return s[:i], s[i+1:], true
			}
		}
	}
	return s, "", false
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// outputSection reads an output section description whose header (the
// text before `{`) is head, then its body and its trailers.
func (p *ldsParser) outputSection(start int, head string) {
	name := strings.Fields(head + " ")[0]
	name = strings.TrimSuffix(name, ":")
	// ALIGN(N) after the colon aligns the section's start: it acts before
	// the section begins.
	if _, after, ok := strings.Cut(head, ":"); ok {
		if i := strings.Index(after, "ALIGN"); i >= 0 {
			if j := strings.IndexByte(after[i:], '('); j >= 0 {
				if k := closing(after[i:], j); k > 0 {
					arg := after[i+j+1 : i+k]
					n, _ := evalExpr(arg, p.page)
					p.out.items = append(p.out.items, ldsItem{kind: ldsAlign, line: p.line(start), align: n, header: true,
						text: collapse(name + " : " + after[i:i+k+1])})
				}
			}
		}
	}
	p.out.items = append(p.out.items, ldsItem{kind: ldsStart, line: p.line(start), name: name, text: collapse(head)})
	p.section = name
	p.body()
	p.out.items = append(p.out.items, ldsItem{kind: ldsEnd, line: p.line(p.pos), name: name})
	p.section = ""
	p.trailers()
}

// body reads an output section's statements up to its closing brace.
func (p *ldsParser) body() {
	for {
		p.skipSpace()
		switch p.peek() {
		case 0:
			return
		case '}':
			p.pos++
			return
		case ';':
			p.pos++
			continue
		}
		start := p.pos
		if p.simpleStatement(start) {
			continue
		}
		rest := p.src[p.pos:]
		if kw := dataKeyword(rest); kw != "" {
			text := p.call()
			p.out.items = append(p.out.items, ldsItem{kind: ldsDot, line: p.line(start), text: collapse(text), section: p.section})
			continue
		}
		if strings.HasPrefix(rest, "CONSTRUCTORS") || strings.HasPrefix(rest, "CREATE_OBJECT_SYMBOLS") {
			p.until(" \t\n;}")
			continue
		}
		text := p.call()
		if text == "" {
			p.pos++ // a byte no rule reads: skip it
			continue
		}
		p.out.items = append(p.out.items, ldsItem{kind: ldsInput, line: p.line(start), text: collapse(text),
			patterns: sectionPatterns(text), section: p.section})
	}
}

// dataKeyword is the data statement rest starts with, or "".
func dataKeyword(rest string) string {
	for _, kw := range []string{"BYTE", "SHORT", "LONG", "QUAD", "SQUAD", "FILL"} {
		if strings.HasPrefix(rest, kw) && strings.HasPrefix(strings.TrimLeft(rest[len(kw):], " \t"), "(") {
			return kw
		}
	}
	return ""
}

// call reads a word and the parenthesised group after it: an input
// section description like `KEEP(*(.init))` or `*(.data)`.
func (p *ldsParser) call() string {
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] != '(' && p.src[p.pos] != '}' && p.src[p.pos] != ';' {
		if isSpace(p.src[p.pos]) {
			// A file name alone, without sections: `foo.o`.
			return p.src[start:p.pos]
		}
		p.pos++
	}
	if p.peek() != '(' {
		return p.src[start:p.pos]
	}
	end := closing(p.src, p.pos)
	if end < 0 {
		p.pos = len(p.src)
		return p.src[start:]
	}
	p.pos = end + 1
	return p.src[start:p.pos]
}

// sectionPatterns lists the section name patterns of an input section
// description: `KEEP(*(SORT(.init_array.*) .ctors))` gives .init_array.*
// and .ctors.
func sectionPatterns(desc string) []string {
	s := strings.TrimSpace(desc)
	if rest, ok := strings.CutPrefix(s, "KEEP"); ok {
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")") {
			s = strings.TrimSpace(rest[1 : len(rest)-1])
		}
	}
	open := strings.IndexByte(s, '(')
	if open < 0 {
		return nil
	}
	end := closing(s, open)
	if end < 0 {
		return nil
	}
	inner := s[open+1 : end]
	// Drop EXCLUDE_FILE(...) lists and sorting wrappers.
	for {
		i := strings.Index(inner, "EXCLUDE_FILE")
		if i < 0 {
			break
		}
		j := strings.IndexByte(inner[i:], '(')
		k := -1
		if j >= 0 {
			k = closing(inner[i:], j)
		}
		if k < 0 {
			break
		}
		inner = inner[:i] + inner[i+k+1:]
	}
	var pats []string
	for _, f := range strings.FieldsFunc(inner, func(r rune) bool { return r == '(' || r == ')' || isSpace(byte(r)) }) {
		if strings.HasPrefix(f, "SORT") || f == "REVERSE" {
			continue
		}
		pats = append(pats, f)
	}
	return pats
}

// trailers skips what may follow an output section's closing brace:
// `>region`, `AT>region`, `:phdr` and `=fill`.
func (p *ldsParser) trailers() {
	for {
		p.skipSpace()
		rest := p.src[p.pos:]
		switch {
		case strings.HasPrefix(rest, "AT>"):
			p.pos += 3
		case strings.HasPrefix(rest, ">"), strings.HasPrefix(rest, ":"):
			p.pos++
		case strings.HasPrefix(rest, "=") && !strings.HasPrefix(rest, "=="):
			p.pos++
			p.skipSpace()
			p.word()
			continue
		default:
			return
		}
		p.skipSpace()
		p.word()
	}
}

// word skips a name or number.
func (p *ldsParser) word() {
	for p.pos < len(p.src) && (isNameByte(p.src[p.pos]) || p.src[p.pos] == '-') {
		p.pos++
	}
}

// evalExpr evaluates a constant expression of a script: numbers (0x, K,
// M suffixes), + - * / % << >> & | ~ and parentheses, MAX, MIN and
// CONSTANT(MAXPAGESIZE) or CONSTANT(COMMONPAGESIZE) as pageSize. Symbols
// and `.` make it fail.
func evalExpr(s string, pageSize uint64) (uint64, bool) { return evalWith(s, pageSize, nil) }

// exprEnv gives an expression the values of names (symbols, and "." for
// the location counter) and of SIZEOF, ADDR, LOADADDR and DEFINED.
type exprEnv interface {
	value(name string) (uint64, bool)
	section(fn, name string) (uint64, bool)
}

// evalWith evaluates an expression with env for names; nil env makes
// every name fail.
func evalWith(s string, pageSize uint64, env exprEnv) (uint64, bool) {
	e := &exprParser{s: s, page: pageSize, env: env}
	v := e.binary(0)
	e.space()
	if e.bad || e.i != len(e.s) {
		return 0, false
	}
	return v, true
}

type exprParser struct {
	s    string
	i    int
	page uint64
	env  exprEnv
	bad  bool
}

func (e *exprParser) space() {
	for e.i < len(e.s) && isSpace(e.s[e.i]) {
		e.i++
	}
}

// binaryOps by precedence, loosest first.
var binaryOps = [][]string{{"|"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "%"}}

func (e *exprParser) binary(level int) uint64 {
	if level == len(binaryOps) {
		return e.unary()
	}
	v := e.binary(level + 1)
	for !e.bad {
		e.space()
		op := ""
		for _, o := range binaryOps[level] {
			if strings.HasPrefix(e.s[e.i:], o) && !(o == "|" && strings.HasPrefix(e.s[e.i:], "||")) &&
				!(o == "&" && strings.HasPrefix(e.s[e.i:], "&&")) {
				op = o
				break
			}
		}
		if op == "" {
			return v
		}
		e.i += len(op)
		w := e.binary(level + 1)
		switch op {
		case "|":
			v |= w
		case "&":
			v &= w
		case "<<":
			v <<= w
		case ">>":
			v >>= w
		case "+":
			v += w
		case "-":
			v -= w
		case "*":
			v *= w
		case "/", "%":
			if w == 0 {
				e.bad = true
				return 0
			}
			if op == "/" {
				v /= w
			} else {
				v %= w
			}
		}
	}
	return 0
}

func (e *exprParser) unary() uint64 {
	e.space()
	if e.i >= len(e.s) {
		e.bad = true
		return 0
	}
	switch c := e.s[e.i]; {
	case c == '(':
		e.i++
		v := e.binary(0)
		e.space()
		if e.i >= len(e.s) || e.s[e.i] != ')' {
			e.bad = true
			return 0
		}
		e.i++
		return v
	case c == '-':
		e.i++
		return -e.unary()
	case c == '~':
		e.i++
		return ^e.unary()
	case c >= '0' && c <= '9':
		return e.number()
	case c == '.' && !isNameByte(byteAt(e.s, e.i+1)):
		e.i++
		return e.name(".")
	}
	return e.function()
}

// name is the value env gives a name.
func (e *exprParser) name(n string) uint64 {
	if e.env != nil {
		if v, ok := e.env.value(n); ok {
			return v
		}
	}
	e.bad = true
	return 0
}

func (e *exprParser) number() uint64 {
	start := e.i
	for e.i < len(e.s) && (isNameByte(e.s[e.i])) && e.s[e.i] != '.' {
		e.i++
	}
	lit := e.s[start:e.i]
	mult := uint64(1)
	switch {
	case strings.HasSuffix(lit, "K") && !strings.HasPrefix(lit, "0x"):
		lit, mult = lit[:len(lit)-1], 1<<10
	case strings.HasSuffix(lit, "M") && !strings.HasPrefix(lit, "0x"):
		lit, mult = lit[:len(lit)-1], 1<<20
	}
	v, err := strconv.ParseUint(lit, 0, 64)
	if err != nil {
		e.bad = true
		return 0
	}
	return v * mult
}

// function evaluates MAX(a, b), MIN(a, b) and CONSTANT(...).
func (e *exprParser) function() uint64 {
	start := e.i
	for e.i < len(e.s) && isNameByte(e.s[e.i]) {
		e.i++
	}
	name := e.s[start:e.i]
	e.space()
	if e.i >= len(e.s) || e.s[e.i] != '(' {
		if name == "" {
			e.bad = true
			return 0
		}
		return e.name(name)
	}
	end := closing(e.s, e.i)
	if end < 0 {
		e.bad = true
		return 0
	}
	args := e.s[e.i+1 : end]
	e.i = end + 1
	switch name {
	case "CONSTANT":
		switch strings.TrimSpace(args) {
		case "MAXPAGESIZE", "COMMONPAGESIZE":
			if e.page != 0 {
				return e.page
			}
		}
	case "MAX", "MIN", "ALIGN":
		a, b, ok := cutTopComma(args)
		if !ok {
			if name != "ALIGN" {
				break
			}
			a, b = ".", a
		}
		x, ok1 := evalWith(a, e.page, e.env)
		y, ok2 := evalWith(b, e.page, e.env)
		switch {
		case !ok1 || !ok2:
		case name == "MAX":
			return max(x, y)
		case name == "MIN":
			return min(x, y)
		case y != 0 && y&(y-1) == 0:
			return roundUp(x, y)
		}
	case "ABSOLUTE":
		if v, ok := evalWith(args, e.page, e.env); ok {
			return v
		}
	case "SIZEOF", "ADDR", "LOADADDR", "DEFINED":
		if e.env != nil {
			if v, ok := e.env.section(name, strings.TrimSpace(args)); ok {
				return v
			}
		}
	}
	e.bad = true
	return 0
}

// roundUp rounds a up to a multiple of n, a power of two: what ALIGN(n)
// does to a.
func roundUp(a, n uint64) uint64 {
	if n <= 1 {
		return a
	}
	return (a + n - 1) &^ (n - 1)
}
