package synth

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// The fields each level of a scenario file knows, in the order messages
// list them.
var (
	scenarioFields = []string{"name", "page_size", "script", "units"}
	unitFields     = []string{"name", "sections"}
	sectionFields  = []string{"name", "flags", "type", "align", "symbols"}
	symbolFields   = []string{"name", "size", "align", "bind", "fill", "points_to", "code"}
	codeFields     = []string{"address_of"}
)

// ParseFile reads the scenario file at path; see Parse.
func ParseFile(path string) (*Scenario, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	return Parse(path, src)
}

// Parse reads a scenario from YAML or JSON source; file names it in
// messages. The scenario is validated (see Scenario.Validate). Every error is
// an *Error placed at the offending line, column and field.
func Parse(file string, src []byte) (*Scenario, error) {
	d := &decoder{file: file, at: map[string]Pos{}, maxSymbols: maxSymbols}
	body, err := d.document(src)
	if err != nil {
		return nil, err
	}
	s := &Scenario{File: file}
	if err := d.scenario(s, body); err != nil {
		return nil, err
	}
	if err := s.validate(d.at); err != nil {
		return nil, err
	}
	return s, nil
}

// decoder walks the YAML syntax tree itself rather than unmarshalling, so
// that every value keeps its line and column and every oddity is an error.
type decoder struct {
	file string
	// at maps field paths to where their values are, for Validate.
	at      map[string]Pos
	symbols int
	// maxSymbols is the limit on symbols: maxSymbols, less in tests.
	maxSymbols int
}

func (d *decoder) errorf(pos Pos, field, format string, args ...any) *Error {
	return &Error{File: d.file, Pos: pos, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// document parses src and returns the body of its only document.
func (d *decoder) document(src []byte) (ast.Node, error) {
	if len(src) > maxFileBytes {
		return nil, d.errorf(offsetPos(src, maxFileBytes), "", "file is over %d bytes (1 MiB)", maxFileBytes)
	}
	// A byte order mark is allowed by YAML and JSON and means nothing here;
	// dropping it keeps it out of the first key.
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	f, err := d.parseYAML(src)
	if err != nil {
		return nil, err
	}
	for _, doc := range f.Docs {
		if dir, ok := doc.Body.(*ast.DirectiveNode); ok {
			return nil, d.errorf(nodePos(dir), "", "YAML directives (%%YAML, %%TAG) are not supported")
		}
	}
	if len(f.Docs) > 1 {
		return nil, d.errorf(docPos(f.Docs[1], src), "", "more than one YAML document; a scenario is one document")
	}
	if len(f.Docs) == 0 || f.Docs[0] == nil || f.Docs[0].Body == nil {
		pos := Pos{}
		if len(src) > 0 {
			pos = Pos{1, 1} // a file of blanks and comments
		}
		return nil, d.errorf(pos, "", "empty scenario: want a mapping with units")
	}
	return f.Docs[0].Body, nil
}

// parseYAML runs the YAML lexer and parser, turning a panic in them into an
// error: bad input must never crash the program.
func (d *decoder) parseYAML(src []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, d.errorf(offsetPos(src, 0), "", "YAML parser failed: %v", r)
		}
	}()
	tokens := lexer.Tokenize(string(src))
	if err := d.shallow(tokens); err != nil {
		return nil, err
	}
	// Duplicate keys are checked by the decoder, which can name the field.
	f, err = parser.Parse(tokens, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return nil, d.syntaxError(src, err)
	}
	return f, nil
}

// Nesting limits, far beyond what a scenario needs (flow depth 7, block
// columns under 60). The YAML parser takes time growing with the square or
// cube of the nesting depth, so a 1 MiB file of "[[[[..." would take hours.
const (
	maxFlowDepth   = 32
	maxBlockColumn = 256
)

// maxMappingKeys bounds the keys of one mapping. No level of a scenario
// knows more than 7 fields (symbolFields), so a mapping with more has an
// unknown or repeated key, which the decoder names when there are a few.
// The bound is needed because the YAML parser (goccy/go-yaml 1.19
// parser.parseMap) recurses once per key of a block mapping and copies the
// keys after it at every level: time and memory quadratic in the keys, 101
// s and 412 MB for one mapping of 988 KB.
const maxMappingKeys = 16

// shallow checks the tokens before the YAML parser sees them, in one linear
// pass, for what would make the parser slow: deep nesting, unbalanced
// brackets, and the YAML features a scenario does not use (anchors and
// aliases, whose expansion can also turn a small file into a huge one,
// tags, directives and complex keys).
func (d *decoder) shallow(tokens token.Tokens) error {
	var open []*token.Token // unclosed brackets
	var keys []int          // keys so far in each open bracket (of a '{')
	colons := 0             // ':' in the current flow entry
	var prevTk *token.Token // the previous token, comments aside
	var prev token.Type     // its type
	docs := docCounter{}
	blocks := blockMappings{}
	for _, tk := range tokens {
		pos := tokenPos(tk)
		if msg := unsupported(tk.Type); msg != "" {
			return d.errorf(pos, "", "%s", msg)
		}
		if tk.Type == token.CommentType {
			continue
		}
		if !docs.one(tk.Type) {
			return d.errorf(pos, "", "more than one YAML document; a scenario is one document")
		}
		if tk.Type == token.CollectEntryType && (prev == token.CollectEntryType ||
			prev == token.SequenceStartType || prev == token.MappingStartType) {
			return d.errorf(pos, "", "empty entry before ','")
		}
		key := prevTk
		prev, prevTk = tk.Type, tk
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			if open = append(open, tk); len(open) > maxFlowDepth {
				return d.errorf(pos, "", "nested deeper than %d brackets", maxFlowDepth)
			}
			keys = append(keys, 0)
			colons = 0
		case token.SequenceEndType, token.MappingEndType:
			if len(open) == 0 {
				return d.errorf(pos, "", "%q closes no bracket", tk.Value)
			}
			if last := open[len(open)-1]; closer(last.Type) != tk.Type {
				p := tokenPos(last)
				return d.errorf(pos, "", "%q does not match %q at %d:%d", tk.Value, last.Value, p.Line, p.Column)
			}
			open, keys, colons = open[:len(open)-1], keys[:len(keys)-1], 0
		case token.CollectEntryType:
			colons = 0
		case token.MappingValueType:
			if colons++; len(open) > 0 && colons > 1 {
				return d.errorf(pos, "", "unexpected ':'")
			}
			n := 0
			switch {
			case len(open) == 0 && key != nil:
				n = blocks.key(tokenPos(key).Column)
			case len(open) > 0 && open[len(open)-1].Type == token.MappingStartType:
				keys[len(keys)-1]++
				n = keys[len(keys)-1]
			}
			if n > maxMappingKeys {
				return d.errorf(tokenPos(key), "", "a mapping with more than %d keys; no mapping in a scenario has more than %d fields",
					maxMappingKeys, len(symbolFields))
			}
		case token.SequenceEntryType:
			if len(open) > 0 {
				return d.errorf(pos, "", "'-' inside brackets")
			}
			blocks.entry(pos.Column)
		}
		block := tk.Type == token.SequenceEntryType || tk.Type == token.MappingValueType
		if block && len(open) == 0 && pos.Column > maxBlockColumn {
			return d.errorf(pos, "", "nested too deep: block structure past column %d", maxBlockColumn)
		}
	}
	if len(open) > 0 {
		tk := open[len(open)-1]
		return d.errorf(tokenPos(tk), "", "%q is never closed", tk.Value)
	}
	return nil
}

// blockMappings follows the block mappings open at a point of the token
// stream, by the column of their keys, innermost last, and counts their
// keys. A key at a column closes the mappings deeper than it; so does a
// sequence entry '-', after which a new mapping starts.
type blockMappings struct{ column, keys []int }

// key records a key at column and returns how many keys its mapping has.
func (b *blockMappings) key(column int) int {
	b.close(column)
	if n := len(b.column); n > 0 && b.column[n-1] == column {
		b.keys[n-1]++
		return b.keys[n-1]
	}
	b.column, b.keys = append(b.column, column), append(b.keys, 1)
	return 1
}

// entry records a sequence entry at column.
func (b *blockMappings) entry(column int) { b.close(column) }

// close ends the mappings whose keys are deeper than column.
func (b *blockMappings) close(column int) {
	n := len(b.column)
	for n > 0 && b.column[n-1] > column {
		n--
	}
	b.column, b.keys = b.column[:n], b.keys[:n]
}

// docCounter follows document markers: "---" may start the one document,
// "..." may end it, and nothing may follow. Many documents make the YAML
// parser slow, so they are refused before it runs.
type docCounter struct{ content, header, ended bool }

// one reports whether a token of type t still belongs to the first document.
func (c *docCounter) one(t token.Type) bool {
	switch {
	case c.ended:
		return false
	case t == token.DocumentHeaderType:
		if c.header || c.content {
			return false
		}
		c.header = true
	case t == token.DocumentEndType:
		c.ended = true
	default:
		c.content = true
	}
	return true
}

// unsupported names a YAML feature scenarios do not use, or returns "".
func unsupported(t token.Type) string {
	switch t {
	case token.AnchorType, token.AliasType:
		return "YAML anchors and aliases are not supported"
	case token.TagType:
		return "YAML tags are not supported"
	case token.DirectiveType:
		return "YAML directives (%YAML, %TAG) are not supported"
	case token.MappingKeyType:
		return "YAML complex keys (?) are not supported"
	}
	return ""
}

// closer returns the token type that closes an opening bracket.
func closer(open token.Type) token.Type {
	if open == token.SequenceStartType {
		return token.SequenceEndType
	}
	return token.MappingEndType
}

func tokenPos(tk *token.Token) Pos {
	if tk == nil || tk.Position == nil {
		return Pos{}
	}
	return Pos{tk.Position.Line, tk.Position.Column}
}

func (d *decoder) syntaxError(src []byte, err error) *Error {
	pos := Pos{}
	msg := err.Error()
	if ye, ok := err.(yaml.Error); ok {
		msg = ye.GetMessage()
		pos = tokenPos(ye.GetToken())
	}
	if pos.Line <= 0 && len(src) > 0 {
		pos = Pos{1, 1}
	}
	return d.errorf(pos, "", "YAML syntax: %s", msg)
}

func docPos(doc *ast.DocumentNode, src []byte) Pos {
	if doc.Start != nil && doc.Start.Position != nil {
		return Pos{doc.Start.Position.Line, doc.Start.Position.Column}
	}
	if p := nodePos(doc.Body); p.Line > 0 {
		return p
	}
	return offsetPos(src, len(src))
}

// offsetPos returns the line and column of byte offset off in src.
func offsetPos(src []byte, off int) Pos {
	off = min(off, len(src))
	line := 1 + strings.Count(string(src[:off]), "\n")
	col := off - strings.LastIndexByte(string(src[:off]), '\n')
	return Pos{line, col}
}

// nodePos returns where a node starts: a block mapping at its first key.
func nodePos(n ast.Node) Pos {
	switch n := n.(type) {
	case nil:
		return Pos{}
	case *ast.MappingNode:
		if !n.IsFlowStyle && len(n.Values) > 0 && n.Values[0].Key != nil {
			return nodePos(n.Values[0].Key)
		}
	case *ast.MappingValueNode:
		if n.Key != nil {
			return nodePos(n.Key)
		}
	}
	return tokenPos(n.GetToken())
}

// plain rejects the YAML features a scenario does not use: merge keys, and
// again anchors, aliases and tags, which the token pass (shallow) already
// refuses, so that a parser change cannot let an alias bomb through.
func (d *decoder) plain(field string, n ast.Node) error {
	switch n.(type) {
	case *ast.AnchorNode, *ast.AliasNode:
		return d.errorf(nodePos(n), field, "YAML anchors and aliases are not supported")
	case *ast.TagNode:
		return d.errorf(nodePos(n), field, "YAML tags are not supported")
	case *ast.MergeKeyNode:
		return d.errorf(nodePos(n), field, "YAML merge keys (<<) are not supported")
	}
	return nil
}

// kindName names a node's kind for messages.
func kindName(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode, nil:
		return "nothing"
	case *ast.StringNode:
		return "a string"
	case *ast.LiteralNode:
		return "a block scalar (| or >)"
	case *ast.MappingKeyNode:
		return "a complex key (?)"
	case *ast.IntegerNode:
		return "an integer"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a float"
	case *ast.BoolNode:
		return "a boolean"
	}
	return "a " + strings.ToLower(n.Type().String())
}

// fieldFunc decodes the value v of the field key, whose path is field.
type fieldFunc func(key, field string, v ast.Node) error

// mapping decodes a mapping whose keys must be among known, calling set for
// each entry in source order. It returns the keys seen.
func (d *decoder) mapping(field string, n ast.Node, known []string, set fieldFunc) (map[string]bool, error) {
	if err := d.plain(field, n); err != nil {
		return nil, err
	}
	m, ok := n.(*ast.MappingNode)
	if !ok {
		return nil, d.errorf(nodePos(n), field, "want a mapping with fields %s, got %s", strings.Join(known, ", "), kindName(n))
	}
	d.at[field] = nodePos(m)
	seen := map[string]Pos{}
	for _, mv := range m.Values {
		key, err := d.key(field, mv.Key, known)
		if err != nil {
			return nil, err
		}
		sub := join(field, key)
		kpos := nodePos(mv.Key)
		if first, dup := seen[key]; dup {
			return nil, d.errorf(kpos, sub, "duplicate field (first at line %d)", first.Line)
		}
		seen[key] = kpos
		if err := d.plain(sub, mv.Value); err != nil {
			return nil, err
		}
		d.at[sub] = nodePos(mv.Value)
		if err := set(key, sub, mv.Value); err != nil {
			return nil, err
		}
	}
	keys := map[string]bool{}
	for k := range seen {
		keys[k] = true
	}
	return keys, nil
}

// key returns a mapping key's text, which must be one of known.
func (d *decoder) key(field string, k ast.MapKeyNode, known []string) (string, error) {
	if err := d.plain(field, k); err != nil {
		return "", err
	}
	s, ok := k.(*ast.StringNode)
	if !ok {
		return "", d.errorf(nodePos(k), field, "field name must be a string, got %s (known fields: %s)",
			kindName(k), strings.Join(known, ", "))
	}
	if !slices.Contains(known, s.Value) {
		return "", d.errorf(nodePos(k), join(field, s.Value), "unknown field %q (known fields: %s)",
			s.Value, strings.Join(known, ", "))
	}
	return s.Value, nil
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

// require reports the first of names missing from keys.
func (d *decoder) require(field string, n ast.Node, keys map[string]bool, names ...string) error {
	for _, name := range names {
		if !keys[name] {
			return d.errorf(nodePos(n), field, "missing field %q", name)
		}
	}
	return nil
}

// list decodes a sequence, calling each for every element in order.
func (d *decoder) list(field string, n ast.Node, each func(i int, field string, v ast.Node) error) error {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		return d.errorf(nodePos(n), field, "want a list, got %s", kindName(n))
	}
	for i, v := range seq.Values {
		sub := fmt.Sprintf("%s[%d]", field, i)
		if err := d.plain(sub, v); err != nil {
			return err
		}
		d.at[sub] = nodePos(v)
		if err := each(i, sub, v); err != nil {
			return err
		}
	}
	return nil
}

// name decodes a string. Numbers and booleans are not strings: `name: 1` is
// an error rather than a silent conversion. Validate checks names further.
func (d *decoder) name(field string, n ast.Node) (string, error) {
	s, ok := n.(*ast.StringNode)
	if !ok {
		return "", d.errorf(nodePos(n), field, "want a string, got %s (quote it if it is a name)", kindName(n))
	}
	return s.Value, nil
}

// str decodes a non-empty string: in the scenario model an empty flags,
// type or bind means the default, so writing one out is an error.
func (d *decoder) str(field string, n ast.Node) (string, error) {
	s, err := d.name(field, n)
	if err == nil && s == "" {
		err = d.errorf(nodePos(n), field, "empty value; leave the field out for the default")
	}
	return s, err
}

// numText returns the text of a number written as an integer or a string.
func (d *decoder) numText(field string, n ast.Node, want string) (string, error) {
	switch n := n.(type) {
	case *ast.IntegerNode:
		if n.Token != nil {
			return n.Token.Value, nil
		}
	case *ast.StringNode:
		return n.Value, nil
	}
	return "", d.errorf(nodePos(n), field, "want %s, got %s", want, kindName(n))
}

func (d *decoder) scenario(s *Scenario, n ast.Node) error {
	d.at[""] = nodePos(n)
	keys, err := d.mapping("", n, scenarioFields, func(key, field string, v ast.Node) error {
		var err error
		switch key {
		case "name":
			s.Name, err = d.name(field, v)
		case "page_size":
			s.PageSize, err = d.pageSize(field, v)
		case "script":
			s.Script, err = d.str(field, v)
		case "units":
			err = d.list(field, v, func(_ int, field string, v ast.Node) error {
				u, err := d.unit(field, v)
				s.Units = append(s.Units, u)
				return err
			})
		}
		return err
	})
	if err != nil {
		return err
	}
	return d.require("", n, keys, "units")
}

func (d *decoder) pageSize(field string, v ast.Node) (uint64, error) {
	text, err := d.numText(field, v, "an integer")
	if err != nil {
		return 0, err
	}
	n, msg := parseUint(text)
	if msg != "" {
		return 0, d.errorf(nodePos(v), field, "%q: %s", text, msg)
	}
	if n == 0 {
		return 0, d.errorf(nodePos(v), field, "0 is not a page size; leave the field out for the target's default")
	}
	return n, nil
}

func (d *decoder) unit(field string, n ast.Node) (Unit, error) {
	u := Unit{Pos: nodePos(n)}
	keys, err := d.mapping(field, n, unitFields, func(key, field string, v ast.Node) error {
		var err error
		switch key {
		case "name":
			u.Name, err = d.name(field, v)
		case "sections":
			err = d.list(field, v, func(_ int, field string, v ast.Node) error {
				sec, err := d.section(field, v)
				u.Sections = append(u.Sections, sec)
				return err
			})
		}
		return err
	})
	if err != nil {
		return u, err
	}
	return u, d.require(field, n, keys, "name", "sections")
}

func (d *decoder) section(field string, n ast.Node) (Section, error) {
	sec := Section{Pos: nodePos(n)}
	keys, err := d.mapping(field, n, sectionFields, func(key, field string, v ast.Node) error {
		var err error
		switch key {
		case "name":
			sec.Name, err = d.name(field, v)
		case "flags":
			sec.Flags, err = d.str(field, v)
		case "type":
			sec.Type, err = d.str(field, v)
		case "align":
			sec.Align, err = d.amount(field, v, true)
		case "symbols":
			err = d.list(field, v, func(_ int, field string, v ast.Node) error {
				sym, err := d.symbol(field, v)
				sec.Symbols = append(sec.Symbols, sym)
				return err
			})
		}
		return err
	})
	if err != nil {
		return sec, err
	}
	return sec, d.require(field, n, keys, "name")
}

func (d *decoder) symbol(field string, n ast.Node) (Symbol, error) {
	sym := Symbol{Pos: nodePos(n)}
	if d.symbols++; d.symbols > d.maxSymbols {
		return sym, d.errorf(sym.Pos, field, "more than %d symbols", d.maxSymbols)
	}
	keys, err := d.mapping(field, n, symbolFields, func(key, field string, v ast.Node) error {
		var err error
		switch key {
		case "name":
			sym.Name, err = d.name(field, v)
		case "size":
			sym.Size, err = d.amount(field, v, false)
		case "align":
			sym.Align, err = d.amount(field, v, true)
		case "bind":
			sym.Bind, err = d.str(field, v)
		case "fill":
			sym.Fill, err = d.fill(field, v)
		case "points_to":
			sym.PointsTo, err = d.ref(field, v)
		case "code":
			sym.Code, err = d.code(field, v)
		}
		return err
	})
	if err != nil {
		return sym, err
	}
	return sym, d.require(field, n, keys, "name")
}

func (d *decoder) fill(field string, v ast.Node) (byte, error) {
	text, err := d.numText(field, v, "a byte 0..255")
	if err != nil {
		return 0, err
	}
	n, msg := parseUint(text)
	if msg == "" && n > 255 {
		msg = "out of range 0..255"
	}
	if msg != "" {
		return 0, d.errorf(nodePos(v), field, "%q: %s", text, msg)
	}
	return byte(n), nil
}

func (d *decoder) code(field string, n ast.Node) (*Code, error) {
	c := &Code{}
	keys, err := d.mapping(field, n, codeFields, func(_, field string, v ast.Node) error {
		var err error
		c.AddressOf, err = d.name(field, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, d.require(field, n, keys, "address_of")
}

// amount decodes a size or alignment (see parseAmount). An explicit
// alignment of zero is an error, since Amount's zero means "left out".
func (d *decoder) amount(field string, v ast.Node, align bool) (Amount, error) {
	text, err := d.numText(field, v, "an integer, 0x hex, page, N*page or N*page+M")
	if err != nil {
		return Amount{}, err
	}
	a, msg := parseAmount(text)
	if msg == "" && align && a.IsZero() {
		msg = "0 is not a power of two; leave the field out for the default"
	}
	if msg != "" {
		return Amount{}, d.errorf(nodePos(v), field, "%q: %s", text, msg)
	}
	return a, nil
}

// parseAmount parses a size or an alignment: a byte count M, a page term
// (page or N*page), or a page term and a byte count joined by '+' in
// either order (N*page+M, page+M, M+N*page). N and M are decimal or 0x
// hex; spaces may surround each part. On failure it returns a message
// saying why.
func parseAmount(text string) (Amount, string) {
	s := strings.TrimSpace(text)
	if i := strings.IndexByte(s, '-'); i > 0 {
		return Amount{}, "'-' is not supported; want N*page+M"
	}
	terms := strings.Split(s, "+")
	if len(terms) > 2 {
		return Amount{}, "more than two terms; want N*page+M"
	}
	var a Amount
	var pages, bytes bool
	for _, t := range terms {
		n, page, msg := parseTerm(strings.TrimSpace(t))
		switch {
		case msg != "" && len(terms) > 1 && strings.TrimSpace(t) == "":
			return Amount{}, "empty term beside '+'; want N*page+M"
		case msg != "":
			return Amount{}, msg
		case page && pages:
			return Amount{}, "two page terms; want N*page+M"
		case !page && bytes:
			return Amount{}, "two byte counts; want N*page+M"
		case page:
			pages, a.Pages = true, n
		default:
			bytes, a.Bytes = true, n
		}
	}
	if pages && a.Pages == 0 {
		return Amount{}, "0*page is no pages; leave the page term out"
	}
	return a, ""
}

// parseTerm parses one term of an amount: N, page or N*page.
func parseTerm(t string) (n uint64, page bool, msg string) {
	if t == "page" {
		return 1, true, ""
	}
	if count, ok := strings.CutSuffix(t, "page"); ok {
		count, ok = strings.CutSuffix(strings.TrimSpace(count), "*")
		if !ok {
			return 0, true, "want N*page"
		}
		n, msg = parseUint(count)
		if msg != "" {
			return 0, true, "page count: " + msg
		}
		return n, true, ""
	}
	n, msg = parseUint(t)
	if msg != "" {
		return 0, false, msg + " (want an integer, 0x hex, page, N*page or N*page+M)"
	}
	return n, false, ""
}

// parseUint parses decimal or 0x hex. Leading zeros are refused: YAML 1.1
// reads 010 as octal 8, YAML 1.2 as 10, and a scenario must not be ambiguous.
func parseUint(text string) (uint64, string) {
	s := strings.TrimSpace(text)
	switch {
	case s == "":
		return 0, "empty number"
	case s[0] == '-':
		return 0, "must not be negative"
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		return checkUint(strconv.ParseUint(s[2:], 16, 64))
	case len(s) > 1 && s[0] == '0':
		return 0, "leading zero is ambiguous (octal?); write decimal without it or hex with 0x"
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, "not a number"
		}
	}
	return checkUint(strconv.ParseUint(s, 10, 64))
}

func checkUint(n uint64, err error) (uint64, string) {
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		return 0, "too large"
	}
	if err != nil {
		return 0, "not a number"
	}
	return n, ""
}

// ref decodes points_to: SYMBOL, SYMBOL+N or SYMBOL-N, N decimal or hex.
func (d *decoder) ref(field string, v ast.Node) (*Ref, error) {
	text, err := d.name(field, v)
	if err != nil {
		return nil, err
	}
	r, msg := parseRef(text)
	if msg != "" {
		return nil, d.errorf(nodePos(v), field, "%q: %s (want SYMBOL, SYMBOL+N or SYMBOL-N)", text, msg)
	}
	return r, nil
}

func parseRef(text string) (*Ref, string) {
	i := strings.IndexAny(text, "+-")
	if i < 0 {
		return &Ref{Symbol: strings.TrimSpace(text)}, ""
	}
	name := strings.TrimSpace(text[:i])
	if name == "" {
		return nil, "missing symbol name"
	}
	n, msg := parseUint(text[i+1:])
	if msg != "" {
		return nil, "offset: " + msg
	}
	if text[i] == '-' {
		if n > 1<<63 {
			return nil, "offset too large"
		}
		return &Ref{Symbol: name, Offset: -int64(n)}, ""
	}
	if n >= 1<<63 {
		return nil, "offset too large"
	}
	return &Ref{Symbol: name, Offset: int64(n)}, ""
}
