package lds

import (
	"fmt"
	"strings"
)

// tokKind classifies a token.
type tokKind uint8

const (
	tokEOF    tokKind = iota
	tokName           // a name, keyword, pattern or the location counter
	tokNumber         // a number in an expression
	tokString         // "..."
	tokOp             // punctuation and operators
)

// token is one lexeme with the line and offset it starts at. pos fits in
// an int32 (scripts are at most MaxBytes) next to kind, which keeps a
// token at 32 bytes: the parser copies tokens a great deal, and a larger
// one makes it a third slower.
type token struct {
	kind tokKind
	pos  int32
	text string
	line int
}

func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "end of file"
	case tokString:
		return fmt.Sprintf("%q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

// mode says how the lexer reads names. GNU ld's own lexer has the same
// split: in an expression "a-b" is a subtraction, while in a section or
// file pattern "*(.text.*)" or "___ksymtab+*" is one name.
type mode uint8

const (
	exprMode mode = iota
	nameMode
)

// lexer reads tokens from a script on demand, in the mode the parser
// asks for.
type lexer struct {
	src string
	at
}

// at is where a lexer is: what the parser saves to look ahead and back.
type at struct {
	pos, line int
}

// exprChars are the characters of a symbol or section name inside an
// expression; nameChars those of a name or wildcard pattern outside
// expressions (output section names, input section and file patterns,
// program header names).
var exprChars, nameChars = func() (e, n [256]bool) {
	for c := 0; c < 256; c++ {
		e[c] = c == '_' || c == '.' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		n[c] = e[c] || strings.IndexByte("/\\~*?[]!+-^", byte(c)) >= 0
	}
	return e, n
}()

func isExprChar(c byte) bool { return exprChars[c] }

func isNameChar(c byte) bool { return nameChars[c] }

// operators GNU ld knows, longest first so that the lexer takes the
// longest match.
var operators = []string{
	"<<=", ">>=",
	"+=", "-=", "*=", "/=", "&=", "|=", "^=", "<<", ">>", "==", "!=", "<=", ">=", "&&", "||",
	"=", "+", "-", "*", "/", "%", "<", ">", "&", "|", "^", "!", "~", "?", ":", "(", ")", "{", "}", ";", ",",
}

// opsByFirst are the operators by their first byte, longest first.
var opsByFirst = func() (m [256][]string) {
	for _, op := range operators {
		m[op[0]] = append(m[op[0]], op)
	}
	return m
}()

// skipSpace skips blanks and comments; an unterminated comment is an error.
func (l *lexer) skipSpace() error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '\n':
			l.line++
			l.pos++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			l.pos++
		case strings.HasPrefix(l.src[l.pos:], "/*"):
			end := strings.Index(l.src[l.pos+2:], "*/")
			if end < 0 {
				return &Error{Line: l.line, Msg: "unterminated comment"}
			}
			l.line += strings.Count(l.src[l.pos:l.pos+2+end], "\n")
			l.pos += end + 4
		default:
			return nil
		}
	}
	return nil
}

// next reads one token in mode m.
func (l *lexer) next(m mode) (token, error) {
	if err := l.skipSpace(); err != nil {
		return token{}, err
	}
	if l.pos >= len(l.src) {
		return token{kind: tokEOF, line: l.line, pos: int32(l.pos)}, nil
	}
	start, line := l.pos, l.line
	c := l.src[l.pos]
	switch {
	case c == '"':
		end := strings.IndexByte(l.src[l.pos+1:], '"')
		if end < 0 {
			return token{}, &Error{Line: line, Msg: "unterminated string"}
		}
		text := l.src[l.pos+1 : l.pos+1+end]
		l.line += strings.Count(text, "\n")
		l.pos += end + 2
		return token{kind: tokString, text: text, line: line, pos: int32(start)}, nil
	case m == exprMode && c >= '0' && c <= '9':
		for l.pos < len(l.src) && isExprChar(l.src[l.pos]) && l.src[l.pos] != '.' {
			l.pos++
		}
		return token{kind: tokNumber, text: l.src[start:l.pos], line: line, pos: int32(start)}, nil
	case m == exprMode && isExprChar(c):
		for l.pos < len(l.src) && isExprChar(l.src[l.pos]) {
			l.pos++
		}
		return token{kind: tokName, text: l.src[start:l.pos], line: line, pos: int32(start)}, nil
	case m == nameMode && isNameChar(c) && !l.startsAssignOp():
		for l.pos < len(l.src) && isNameChar(l.src[l.pos]) && !l.startsAssignOp() {
			l.pos++
		}
		return token{kind: tokName, text: l.src[start:l.pos], line: line, pos: int32(start)}, nil
	}
	for _, op := range opsByFirst[c] {
		if strings.HasPrefix(l.src[l.pos:], op) {
			l.pos += len(op)
			return token{kind: tokOp, text: op, line: line, pos: int32(start)}, nil
		}
	}
	return token{}, &Error{Line: line, Msg: fmt.Sprintf("unexpected character %q", c)}
}

// startsAssignOp reports whether an assignment operator such as "+=" or
// "-=" starts here: in name mode '+' and '-' are name characters, but
// ". += 64" must still read as an assignment.
func (l *lexer) startsAssignOp() bool {
	if l.pos+1 >= len(l.src) || l.src[l.pos+1] != '=' {
		return false
	}
	switch l.src[l.pos] {
	case '+', '-', '*', '/':
		return true
	}
	return false
}

// source is src[start:end] as a statement's Text: comments dropped and
// blanks collapsed to one space, quoted strings kept as they are.
func (l *lexer) source(start, end int) string {
	s := l.src[start:end]
	plain := true
	for i := 1; plain && i < len(s); i++ {
		switch s[i] {
		case '\n', '\t', '\r', '\f', '\v':
			plain = false
		case ' ':
			plain = s[i-1] != ' '
		case '*':
			plain = s[i-1] != '/'
		}
	}
	if plain {
		return s
	}
	var b strings.Builder
	blank := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			blank = true
			continue
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				end = len(s) - i - 4
			}
			i += end + 3
			blank = true
			continue
		}
		if blank && b.Len() > 0 {
			b.WriteByte(' ')
		}
		blank = false
		n := 1
		if c == '"' {
			if end := strings.IndexByte(s[i+1:], '"'); end >= 0 {
				n = end + 2
			}
		}
		b.WriteString(s[i : i+n])
		i += n - 1
	}
	return b.String()
}
