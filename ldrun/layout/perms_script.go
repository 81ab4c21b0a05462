package layout

import (
	"regexp"
	"strconv"
	"strings"
)

// The boundary symbols whose alignment in a script tells whether the
// kernel has STRICT_KERNEL_RWX.
var rwxBoundaries = []string{initBegin, startData, endRodata, startRodata}

// scriptAlignsBoundaries reports whether script aligns one of the boundary
// symbols (__init_begin, _sdata, __end_rodata, __start_rodata) to at least
// page. ok is false when the script assigns none of them right after an
// alignment it can read.
func scriptAlignsBoundaries(script string, page uint64) (aligns, ok bool) {
	for name, align := range boundaryAligns(script, page) {
		if !isBoundary(name) || align == 0 {
			continue
		}
		ok = true
		if page != 0 && align >= page {
			return true, true
		}
	}
	return false, ok
}

func isBoundary(name string) bool {
	for _, b := range rwxBoundaries {
		if b == name {
			return true
		}
	}
	return false
}

var (
	commentRE  = regexp.MustCompile(`(?s)/\*.*?\*/`)
	dotAlignRE = regexp.MustCompile(`^\.\s*=\s*ALIGN\s*\(`)
	assignRE   = regexp.MustCompile(`^([A-Za-z_$][\w$.]*)\s*=\s*`)
	dotEndRE   = regexp.MustCompile(`^\.\s*;`)
	headerRE   = regexp.MustCompile(`^([./\w$]+)\s*:[^:]`)
	wordRE     = regexp.MustCompile(`^[\w$.]+`)
)

// boundaryAligns maps each symbol the script sets to the location counter
// (`NAME = .;`) to the alignment the counter is known to have there: the
// largest `. = ALIGN(N)`, or output section ALIGN(N), since the last
// statement that may have moved it. Zero means none is known.
func boundaryAligns(script string, page uint64) map[string]uint64 {
	s := commentRE.ReplaceAllString(script, " ")
	out := map[string]uint64{}
	consts := map[string]uint64{}
	ev := exprEval{page: page, consts: consts}
	var pending uint64
	for i := skipSpace(s, 0); i < len(s); i = skipSpace(s, i) {
		rest := s[i:]
		if m := dotAlignRE.FindStringIndex(rest); m != nil {
			end := closeParen(s, i+m[1]-1)
			v, ok := ev.eval(s[i+m[1] : end-1])
			if ok {
				pending = max(pending, v)
			} else {
				pending = 0
			}
			i = skipStatementEnd(s, end)
			continue
		}
		if m := assignRE.FindStringSubmatchIndex(rest); m != nil {
			name := rest[m[2]:m[3]]
			j := i + m[1]
			if dotEndRE.MatchString(s[j:]) {
				out[name] = pending
				i = j + len(dotEndRE.FindString(s[j:]))
				continue
			}
			end := strings.IndexByte(s[j:], ';')
			if end < 0 {
				end = len(s) - j
			}
			if v, ok := ev.eval(s[j : j+end]); ok {
				consts[name] = v
			}
			i = skipStatementEnd(s, j+end)
			continue
		}
		if m := headerRE.FindStringIndex(rest); m != nil {
			j, align := outputSectionHeader(s, i+m[1]-1, ev)
			pending = max(pending, align)
			i = j
			continue
		}
		i = skipOther(s, i)
		if s[i-1] != ';' {
			// Input sections, `}`, data statements: anything else may
			// move the location counter.
			pending = 0
		}
	}
	return out
}

// outputSectionHeader reads an output section's header from the character
// after its colon up to and including `{`, returning where the contents
// start and the ALIGN(N) the header asks for (0 for none).
func outputSectionHeader(s string, i int, ev exprEval) (int, uint64) {
	var align uint64
	for i < len(s) && s[i] != '{' {
		w := wordRE.FindString(s[i:])
		j := skipSpace(s, i+len(w))
		switch {
		case j < len(s) && s[j] == '(':
			end := closeParen(s, j)
			if v, ok := ev.eval(s[j+1 : max(end-1, j+1)]); ok && w == "ALIGN" {
				align = max(align, v)
			}
			i = end
		case w != "":
			i += len(w)
		default:
			i++
		}
	}
	return min(i+1, len(s)), align
}

// skipOther steps over one token that is none of the statements
// boundaryAligns reads: a word with its parenthesised arguments, or one
// character.
func skipOther(s string, i int) int {
	if w := wordRE.FindString(s[i:]); w != "" {
		i += len(w)
		if j := skipSpace(s, i); j < len(s) && s[j] == '(' {
			return closeParen(s, j)
		}
		return i
	}
	if s[i] == '(' {
		return closeParen(s, i)
	}
	return i + 1
}

// closeParen returns the index just past the parenthesis that closes the
// one at open, or len(s).
func closeParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// skipStatementEnd steps over spaces and one `;` after a statement.
func skipStatementEnd(s string, i int) int {
	i = skipSpace(s, i)
	if i < len(s) && s[i] == ';' {
		i++
	}
	return i
}

// exprEval evaluates the constant expressions of linker scripts: numbers
// (0x hex, K and M suffixes), + - * / % << >> & | ~, parentheses,
// CONSTANT(MAXPAGESIZE) and CONSTANT(COMMONPAGESIZE) (the page size,
// which elfsynth passes as -z max-page-size) and names set to constants
// earlier in the script.
type exprEval struct {
	page   uint64
	consts map[string]uint64
}

var exprTokenRE = regexp.MustCompile(`\s*(0[xX][0-9a-fA-F]+|[0-9]+[KMkm]?|<<|>>|[A-Za-z_$][\w$.]*|[-+*/%&|~()])`)

func (e exprEval) eval(src string) (uint64, bool) {
	var toks []string
	rest := strings.TrimSpace(src)
	for rest != "" {
		m := exprTokenRE.FindStringSubmatchIndex(rest)
		if m == nil || m[0] != 0 {
			return 0, false
		}
		toks = append(toks, rest[m[2]:m[3]])
		rest = strings.TrimSpace(rest[m[1]:])
	}
	p := &exprParser{toks: toks, e: e}
	v, ok := p.binary(0)
	return v, ok && p.pos == len(toks)
}

type exprParser struct {
	toks []string
	pos  int
	e    exprEval
}

// Binary operators by precedence, loosest first.
var exprLevels = [][]string{{"|"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "%"}}

func (p *exprParser) binary(level int) (uint64, bool) {
	if level == len(exprLevels) {
		return p.unary()
	}
	v, ok := p.binary(level + 1)
	for ok && p.pos < len(p.toks) && contains(exprLevels[level], p.toks[p.pos]) {
		op := p.toks[p.pos]
		p.pos++
		var w uint64
		if w, ok = p.binary(level + 1); ok {
			v, ok = apply(op, v, w)
		}
	}
	return v, ok
}

func contains(ops []string, t string) bool {
	for _, o := range ops {
		if o == t {
			return true
		}
	}
	return false
}

func apply(op string, v, w uint64) (uint64, bool) {
	switch op {
	case "|":
		return v | w, true
	case "&":
		return v & w, true
	case "<<":
		return v << w, w < 64
	case ">>":
		return v >> w, w < 64
	case "+":
		return v + w, true
	case "-":
		return v - w, true
	case "*":
		return v * w, true
	case "/":
		return v / max(w, 1), w != 0
	case "%":
		return v % max(w, 1), w != 0
	}
	return 0, false
}

func (p *exprParser) unary() (uint64, bool) {
	if p.pos >= len(p.toks) {
		return 0, false
	}
	t := p.toks[p.pos]
	p.pos++
	switch {
	case t == "-" || t == "~" || t == "+":
		v, ok := p.unary()
		switch t {
		case "-":
			return -v, ok
		case "~":
			return ^v, ok
		}
		return v, ok
	case t == "(":
		v, ok := p.binary(0)
		if !ok || p.pos >= len(p.toks) || p.toks[p.pos] != ")" {
			return 0, false
		}
		p.pos++
		return v, true
	case t == "CONSTANT":
		return p.constant()
	case t[0] >= '0' && t[0] <= '9':
		return number(t)
	}
	v, ok := p.e.consts[t]
	return v, ok
}

// constant reads (MAXPAGESIZE) or (COMMONPAGESIZE) after CONSTANT.
func (p *exprParser) constant() (uint64, bool) {
	if p.pos+2 >= len(p.toks) || p.toks[p.pos] != "(" || p.toks[p.pos+2] != ")" || p.e.page == 0 {
		return 0, false
	}
	name := p.toks[p.pos+1]
	p.pos += 3
	return p.e.page, name == "MAXPAGESIZE" || name == "COMMONPAGESIZE"
}

func number(t string) (uint64, bool) {
	mult := uint64(1)
	switch t[len(t)-1] {
	case 'K', 'k':
		mult, t = 1<<10, t[:len(t)-1]
	case 'M', 'm':
		mult, t = 1<<20, t[:len(t)-1]
	}
	v, err := strconv.ParseUint(t, 0, 64)
	return v * mult, err == nil
}
