package synth

import (
	"fmt"
	"strconv"
	"strings"
)

// Limits that keep a scenario, and what is built from it, small enough.
const (
	maxFileBytes = 1 << 20 // a scenario file
	maxSymbols   = 100000  // symbols in a scenario
	maxAmount    = 1 << 30 // any one size or alignment
	// maxTotal bounds the sum over all symbols of size plus alignment, so a
	// small file cannot describe terabytes of objects.
	maxTotal = 2 << 30
	// largestPageSize is the largest kernel page size of any target (ppc's
	// 256 KiB); `page` is checked against it when page_size is absent.
	largestPageSize = 256 << 10
	// minPointerSize is the smallest pointer of any target.
	minPointerSize = 4
)

// Validate checks a scenario, also one built in Go, for everything that does
// not depend on a target: names, flags, types, binds, alignments, sizes, and
// the combinations of symbol fields. It returns the first problem as an
// *Error. References to other symbols are checked by Build.
func (s *Scenario) Validate() error { return s.validate(nil) }

// validate checks s; at maps field paths to positions in the file, when the
// scenario was parsed, so messages point at the value itself.
func (s *Scenario) validate(at map[string]Pos) error {
	c := &checker{s: s, at: at, page: s.PageSize}
	if c.page == 0 {
		c.page = largestPageSize
	}
	return c.scenario()
}

type checker struct {
	s     *Scenario
	at    map[string]Pos
	page  uint64 // the page size amounts are bounded with
	total uint64
	count int
}

// errorf makes an error at field, placed where the file has the field or its
// nearest enclosing field, else at pos.
func (c *checker) errorf(pos Pos, field, format string, args ...any) *Error {
	for f := field; c.at != nil; {
		if p, ok := c.at[f]; ok && p.Line > 0 {
			pos = p
			break
		}
		if f == "" {
			break
		}
		f = parentField(f)
	}
	return &Error{File: c.s.File, Pos: pos, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// parentField strips the last component of a field path: "a[1].b" -> "a[1]"
// -> "a" -> "".
func parentField(f string) string {
	i := strings.LastIndexAny(f, ".[")
	if i < 0 {
		return ""
	}
	return f[:i]
}

func (c *checker) scenario() error {
	s := c.s
	if s.Name != "" {
		if msg := fileNameProblem(s.Name); msg != "" {
			return c.errorf(Pos{}, "name", "%s", msg)
		}
	}
	if p := s.PageSize; p&(p-1) != 0 {
		return c.errorf(Pos{}, "page_size", "%d is not a power of two", p)
	}
	if s.PageSize > largestPageSize {
		return c.errorf(Pos{}, "page_size", "%d is over 256 KiB, the largest kernel page size of any target", s.PageSize)
	}
	if s.Script != "" {
		if msg := nameProblem(s.Script); msg != "" {
			return c.errorf(Pos{}, "script", "%s", strings.Replace(msg, "name", "script", 1))
		}
	}
	if len(s.Units) == 0 {
		return c.errorf(Pos{}, "units", "no units; a scenario needs at least one")
	}
	first := make(map[string]int, len(s.Units))
	for i := range s.Units {
		u := &s.Units[i]
		field := index("units", i)
		if j, dup := first[u.Name]; dup && u.Name != "" {
			return c.errorf(u.Pos, field+".name", "duplicate unit name %q (also units[%d]%s)", u.Name, j, c.line(fmt.Sprintf("units[%d]", j)))
		}
		first[u.Name] = i
		if err := c.unit(field, u); err != nil {
			return err
		}
	}
	return nil
}

// line returns " at line N" for a field of the file, or "".
func (c *checker) line(field string) string {
	if p, ok := c.at[field]; ok && p.Line > 0 {
		return fmt.Sprintf(" at line %d", p.Line)
	}
	return ""
}

func (c *checker) unit(field string, u *Unit) error {
	if msg := fileNameProblem(u.Name); msg != "" {
		return c.errorf(u.Pos, field+".name", "unit %s", msg)
	}
	if len(u.Sections) == 0 {
		return c.errorf(u.Pos, field+".sections", "unit %q has no sections", u.Name)
	}
	sections := make(map[string]string, len(u.Sections)) // section name -> field
	symbols := make(map[string]string, u.symbolCount())  // symbol name -> field
	for i := range u.Sections {
		sec := &u.Sections[i]
		sf := index(field+".sections", i)
		if first, dup := sections[sec.Name]; dup {
			return c.errorf(sec.Pos, sf+".name", "duplicate section %q in unit %q (also %s%s; GNU as would merge them)",
				sec.Name, u.Name, first, c.line(first))
		}
		sections[sec.Name] = sf
		if err := c.section(sf, sec, symbols); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) section(field string, sec *Section, symbols map[string]string) error {
	if msg := sectionNameProblem(sec.Name); msg != "" {
		return c.errorf(sec.Pos, field+".name", "section %s", msg)
	}
	if msg := flagsProblem(sec.Flags); msg != "" {
		return c.errorf(sec.Pos, field+".flags", "%s", msg)
	}
	if sec.Type != "" && sec.Type != "progbits" && sec.Type != "nobits" {
		return c.errorf(sec.Pos, field+".type", "unknown type %q (known: progbits, nobits)", sec.Type)
	}
	if msg := c.amountProblem(sec.Align, true); msg != "" {
		return c.errorf(sec.Pos, field+".align", "%s", msg)
	}
	for i := range sec.Symbols {
		sym := &sec.Symbols[i]
		yf := index(field+".symbols", i)
		if first, dup := symbols[sym.Name]; dup && sym.Name != "" {
			return c.errorf(sym.Pos, yf+".name", "duplicate symbol %q in the unit (also %s%s)", sym.Name, first, c.line(first))
		}
		symbols[sym.Name] = yf
		if err := c.symbol(yf, sec, sym); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) symbol(field string, sec *Section, sym *Symbol) error {
	if c.count++; c.count > maxSymbols {
		return c.errorf(sym.Pos, field, "more than %d symbols", maxSymbols)
	}
	if msg := symbolNameProblem(sym.Name); msg != "" {
		return c.errorf(sym.Pos, field+".name", "symbol %s", msg)
	}
	if msg := c.amountProblem(sym.Size, false); msg != "" {
		return c.errorf(sym.Pos, field+".size", "%s", msg)
	}
	if msg := c.amountProblem(sym.Align, true); msg != "" {
		return c.errorf(sym.Pos, field+".align", "%s", msg)
	}
	switch sym.Bind {
	case "", "global", "local", "weak":
	default:
		return c.errorf(sym.Pos, field+".bind", "unknown bind %q (known: global, local, weak)", sym.Bind)
	}
	nobits := sectionType(sec) == "nobits"
	if sym.Fill != 0 && nobits {
		return c.errorf(sym.Pos, field+".fill", "fill in nobits section %q, which has no contents", sec.Name)
	}
	if err := c.pointer(field, sec, sym, nobits); err != nil {
		return err
	}
	if err := c.code(field, sec, sym, nobits); err != nil {
		return err
	}
	c.total += sym.Size.Bytes + sym.Size.Pages*c.page + sym.Align.Bytes + sym.Align.Pages*c.page
	if c.total > maxTotal {
		return c.errorf(sym.Pos, field, "the symbols' sizes and alignments add up to over 2 GiB%s", c.pageNote(sym.Size, sym.Align))
	}
	return nil
}

func (c *checker) pointer(field string, sec *Section, sym *Symbol, nobits bool) error {
	if sym.PointsTo == nil {
		return nil
	}
	if sym.Code != nil {
		return c.errorf(sym.Pos, field+".code", "a symbol has points_to or code, not both")
	}
	if msg := symbolNameProblem(sym.PointsTo.Symbol); msg != "" {
		return c.errorf(sym.Pos, field+".points_to", "target %s", msg)
	}
	if nobits {
		return c.errorf(sym.Pos, field+".points_to", "a pointer needs contents; section %q is nobits", sec.Name)
	}
	// The exact pointer size depends on the target (Build checks it); below
	// 4 bytes no target's pointer fits.
	if s := sym.Size; s.Pages == 0 && s.Bytes > 0 && s.Bytes < minPointerSize {
		return c.errorf(sym.Pos, field+".size", "%d is smaller than any pointer (4 or 8 bytes)", s.Bytes)
	}
	return nil
}

func (c *checker) code(field string, sec *Section, sym *Symbol, nobits bool) error {
	if sym.Code == nil {
		return nil
	}
	if msg := symbolNameProblem(sym.Code.AddressOf); msg != "" {
		return c.errorf(sym.Pos, field+".code.address_of", "symbol %s", msg)
	}
	flags := sec.Flags
	if flags == "" {
		flags = DefaultFlags(sec.Name)
	}
	if !strings.Contains(flags, "x") || nobits {
		return c.errorf(sym.Pos, field+".code", "code in section %q, which is not executable progbits (flags %q)", sec.Name, flags)
	}
	return nil
}

// amountProblem checks a size or an alignment against maxAmount, resolving
// pages with the scenario's page size or else the largest one of any target.
func (c *checker) amountProblem(a Amount, align bool) string {
	if align {
		if a.Bytes != 0 && a.Pages != 0 {
			return fmt.Sprintf("%s: an alignment is bytes or pages, not both", a)
		}
		if n := a.Bytes | a.Pages; n&(n-1) != 0 {
			return fmt.Sprintf("%s is not a power of two", a)
		}
	}
	if a.Bytes > maxAmount || a.Pages > maxAmount/c.page || a.Bytes+a.Pages*c.page > maxAmount {
		return fmt.Sprintf("%s is over 1 GiB%s", a, c.pageNote(a))
	}
	return ""
}

// pageNote explains which page size a check assumed.
func (c *checker) pageNote(as ...Amount) string {
	for _, a := range as {
		if a.Pages != 0 && c.s.PageSize == 0 {
			return fmt.Sprintf(" with page = %d (no page_size: the largest of any target)", c.page)
		}
	}
	return ""
}

// flagsProblem checks section flag letters: a, w, x, each at most once.
func flagsProblem(flags string) string {
	for i, r := range flags {
		if !strings.ContainsRune("awx", r) {
			return fmt.Sprintf("unknown flag %q in %q (known: a w x)", r, flags)
		}
		if strings.ContainsRune(flags[:i], r) {
			return fmt.Sprintf("flag %q repeated in %q", r, flags)
		}
	}
	return ""
}

// nameProblem rejects empty names and names with spaces or control or
// non-ASCII characters, which object files and GNU as source cannot carry
// unquoted.
func nameProblem(name string) string {
	if name == "" {
		return "name is empty"
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f {
			return fmt.Sprintf("name %q contains whitespace or a control character", name)
		}
		if r > 0x7e {
			return fmt.Sprintf("name %q contains a non-ASCII character", name)
		}
	}
	return ""
}

// fileNameProblem checks a unit name, which becomes a file in the output
// folder: it must stay in that folder and be safe on command lines and in
// linker scripts.
func fileNameProblem(name string) string {
	if msg := nameProblem(name); msg != "" {
		return msg
	}
	switch {
	case strings.HasPrefix(name, "/"):
		return fmt.Sprintf("name %q is an absolute path; want a file name", name)
	case strings.ContainsAny(name, `/\`):
		return fmt.Sprintf("name %q contains a path separator; want a file name", name)
	case name == "." || name == "..":
		return fmt.Sprintf("name %q is not a file name", name)
	case name[0] == '-':
		return fmt.Sprintf("name %q starts with '-', which tools would take for an option", name)
	}
	for _, r := range name {
		if !isAlnum(r) && !strings.ContainsRune("_.+-", r) {
			return fmt.Sprintf("name %q contains %q; want letters, digits and _ . + -", name, r)
		}
	}
	return ""
}

// sectionNameProblem checks a section name; quotes and backslashes would
// need escaping in GNU as source.
func sectionNameProblem(name string) string {
	if msg := nameProblem(name); msg != "" {
		return msg
	}
	if i := strings.IndexAny(name, `"\`); i >= 0 {
		return fmt.Sprintf("name %q contains %q", name, name[i])
	}
	return ""
}

// symbolNameProblem checks a symbol name: letters, digits, _ . $, not
// starting with a digit, as C and GNU as write them. This also keeps
// points_to's SYMBOL+N unambiguous.
func symbolNameProblem(name string) string {
	if msg := nameProblem(name); msg != "" {
		return msg
	}
	if name[0] >= '0' && name[0] <= '9' {
		return fmt.Sprintf("name %q starts with a digit", name)
	}
	for _, r := range name {
		if !isAlnum(r) && !strings.ContainsRune("_.$", r) {
			return fmt.Sprintf("name %q contains %q; want letters, digits and _ . $", name, r)
		}
	}
	return ""
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// index names element i of a list field: index("units", 2) is "units[2]".
// It is on the path of every scenario, so it avoids fmt.
func index(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }
