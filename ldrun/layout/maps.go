package layout

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// LinkMap is a linker's -Map output, read for what explains a layout: the
// output sections, the input sections with their addresses and sizes
// (and, from lld, alignments), and the script's assignments to `.` with
// where they left it, in the map's order. GNU ld's and lld's formats are
// understood.
type LinkMap struct {
	// Format is "gnu" or "lld".
	Format string
	// items are kept in chunks: a kernel's map has 100,000 input
	// sections, which moving as a slice grows costs more than reading.
	items chunks[MapItem]
}

// Items lists the map's items in its order.
func (m *LinkMap) Items() []MapItem { return m.items.all() }

// each calls f with every item in the map's order.
func (m *LinkMap) each(f func(it *MapItem)) {
	for _, part := range m.items.parts {
		for i := range part {
			f(&part[i])
		}
	}
}

// MapKind says what a map line is.
type MapKind uint8

// The kinds of map item.
const (
	// MapOutput is an output section.
	MapOutput MapKind = iota + 1
	// MapInput is an input section placed in the current output section.
	MapInput
	// MapAlign is `. = ALIGN(N)`.
	MapAlign
	// MapDot is any other assignment to `.`, or a data statement.
	MapDot
)

// MapItem is one line of a link map that layout uses.
type MapItem struct {
	Kind MapKind
	// Addr is the item's address: a section's start; for an assignment
	// to `.`, where it left `.`.
	Addr uint64
	Size uint64
	// From is where an assignment found `.` (lld), when HasFrom.
	From    uint64
	HasFrom bool
	// Align is an input section's alignment (lld), or 0 when the map
	// does not say (GNU ld); for MapAlign, N.
	Align uint64
	// Name is the section's name; Object the input section's file
	// ("mm/mm_init.o", "vmlinux.a(mm_init.o)").
	Name   string
	Object string
	// Text is an assignment as the map prints it: ". = ALIGN (0x8)".
	Text string
}

// Where names an input section as causes do: "mm/mm_init.o(.data)".
func (it MapItem) Where() string { return it.Object + "(" + it.Name + ")" }

// ReadMap reads a GNU ld or lld link map. It returns an error naming the
// line for text that is neither.
func ReadMap(r io.Reader) (*LinkMap, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	m := &LinkMap{}
	lines := &lineReader{sc: sc, names: map[string]string{}}
	for {
		line, ok := lines.next()
		if !ok {
			break
		}
		switch {
		case strings.Contains(line, "VMA") && strings.Contains(line, "Out") && strings.Contains(line, "Symbol"):
			m.Format = "lld"
			return m, m.readLLD(lines, line)
		case strings.HasPrefix(line, "Linker script and memory map"):
			m.Format = "gnu"
			return m, m.readGNU(lines)
		}
	}
	if err := lines.err(); err != nil {
		return nil, err
	}
	return nil, errors.New("not a link map: no \"Linker script and memory map\" (GNU ld) or VMA/LMA header (lld)")
}

// lineReader reads lines and counts them. A kernel's map has a line per
// symbol, which layout does not need: nextBytes lets the readers skip
// those without making strings of them.
type lineReader struct {
	sc    *bufio.Scanner
	n     int
	back  *string
	names map[string]string
	// lastFile is the last input section's file name.
	lastFile string
}

func (l *lineReader) nextBytes() ([]byte, bool) {
	if l.back != nil {
		s := *l.back
		l.back = nil
		l.n++
		return []byte(s), true
	}
	if !l.sc.Scan() {
		return nil, false
	}
	l.n++
	return bytes.TrimRight(l.sc.Bytes(), "\r"), true
}

func (l *lineReader) next() (string, bool) {
	b, ok := l.nextBytes()
	return string(b), ok
}

// unread pushes line back to be read again.
func (l *lineReader) unread(line string) { l.back = &line; l.n-- }

func (l *lineReader) err() error { return l.sc.Err() }

// intern returns one copy of each section name, so that the map's items
// share them and hold no line's memory.
func (l *lineReader) intern(s string) string {
	if v, ok := l.names[s]; ok {
		return v
	}
	s = strings.Clone(s)
	l.names[s] = s
	return s
}

// file returns a copy of an input's file name, the last one's when it is
// the same (an object's input sections often follow one another).
func (l *lineReader) file(s string) string {
	if s != l.lastFile {
		l.lastFile = strings.Clone(s)
	}
	return l.lastFile
}

// readLLD reads lld's table: VMA, LMA (lld 7 and later), size and
// alignment, each printed as one field, then after one space the output
// section, input section or symbol, each indented 8 more than the one
// before. A size wider than its column pushes the rest right, so fields,
// not columns, are counted.
func (m *LinkMap) readLLD(lines *lineReader, header string) error {
	nums := 3
	if strings.Contains(header, "LMA") {
		nums = 4
	}
	for {
		line, ok := lines.next()
		if !ok {
			return lines.err()
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		f, rest, ok := leadingFields(line, nums)
		if !ok {
			return fmt.Errorf("line %d: not an lld map line: %q", lines.n, line)
		}
		vma, err1 := strconv.ParseUint(f[0], 16, 64)
		size, err2 := strconv.ParseUint(f[nums-2], 16, 64)
		align, err3 := strconv.ParseUint(f[nums-1], 10, 64)
		if err := errors.Join(err1, err2, err3); err != nil {
			return fmt.Errorf("line %d: %v", lines.n, err)
		}
		depth := len(rest) - len(strings.TrimLeft(rest, " "))
		text := strings.TrimSpace(rest)
		switch {
		case depth >= 16:
			// A symbol: the image has it.
		case strings.HasPrefix(text, ". ="):
			m.items.add(dotItem(text, vma+size, vma, true))
		case strings.Contains(text, " = ") || strings.HasPrefix(text, "PROVIDE"):
			// A symbol assignment.
		case depth == 0:
			m.items.add(MapItem{Kind: MapOutput, Addr: vma, Size: size, Align: align, Name: lines.intern(text)})
		case dataStatement(text):
			m.items.add(MapItem{Kind: MapDot, Addr: vma + size, From: vma, HasFrom: true, Text: text})
		default:
			obj, sec := splitLLDInput(text)
			m.items.add(MapItem{Kind: MapInput, Addr: vma, Size: size, Align: align, Name: lines.intern(sec), Object: lines.file(obj)})
		}
	}
}

// leadingFields splits the first n space-separated fields off line and
// returns what follows the single space after the last one.
func leadingFields(line string, n int) ([]string, string, bool) {
	var f []string
	i := 0
	for len(f) < n {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' {
			j++
		}
		if j == i {
			return nil, "", false
		}
		f = append(f, line[i:j])
		i = j
	}
	if i >= len(line) {
		return nil, "", false
	}
	return f, line[i+1:], true
}

// splitLLDInput splits "file.o:(.data)" or "lib.a(x.o):(.data)".
func splitLLDInput(s string) (obj, sec string) {
	i := strings.LastIndex(s, ":(")
	if i < 0 || !strings.HasSuffix(s, ")") {
		return s, ""
	}
	return s[:i], s[i+2 : len(s)-1]
}

func dataStatement(s string) bool {
	for _, kw := range []string{"BYTE", "SHORT", "LONG", "QUAD", "SQUAD"} {
		if rest, ok := strings.CutPrefix(s, kw); ok && (rest == "" || rest[0] == ' ' || rest[0] == '(') {
			return true
		}
	}
	return false
}

// dotItem makes the item for an assignment to `.` that left it at to.
func dotItem(text string, to, from uint64, hasFrom bool) MapItem {
	it := MapItem{Kind: MapDot, Addr: to, From: from, HasFrom: hasFrom, Text: text}
	if n, ok := textAlign(text); ok && n != 0 && n&(n-1) == 0 {
		it.Kind, it.Align = MapAlign, n
	}
	return it
}

// readGNU reads GNU ld's memory map: output sections at column 0, input
// sections indented one space, assignments and symbols indented 16 after
// their address; a name too long for its column puts the numbers on the
// next line.
func (m *LinkMap) readGNU(lines *lineReader) error {
	var fields []string
	for {
		b, ok := lines.nextBytes()
		if !ok {
			return lines.err()
		}
		if gnuSkip(b) || m.gnuInputBytes(lines, b) {
			continue
		}
		line := string(b)
		if strings.HasPrefix(line, "Cross Reference Table") {
			return nil
		}
		fields = appendFields(fields[:0], line)
		f := fields
		switch {
		case line[0] != ' ':
			m.gnuOutput(lines, f)
		case strings.HasPrefix(line, " *fill*"), strings.HasPrefix(line, " *("), strings.HasPrefix(line, " *"):
			// Fill is what the addresses show; patterns are the script's.
		case strings.HasPrefix(line, "                ") && len(f) >= 2 && isHex(f[0]) && !isHex(f[1]):
			m.gnuAssignment(f[0], strings.TrimSpace(line[strings.Index(line, f[0])+len(f[0]):]))
		case line[1] != ' ':
			m.gnuInput(lines, f)
		}
	}
}

// appendFields appends strings.Fields(s) to dst: into one slice for every
// line of a map, where strings.Fields makes one each.
func appendFields(dst []string, s string) []string {
	n, start := len(dst), -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			// Unicode spaces split fields too.
			return append(dst[:n], strings.Fields(s)...)
		}
		space := c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
		switch {
		case space && start >= 0:
			dst = append(dst, s[start:i])
			start = -1
		case !space && start < 0:
			start = i
		}
	}
	if start >= 0 {
		dst = append(dst, s[start:])
	}
	return dst
}

// gnuSkip reports whether a GNU ld map line is one layout does not use:
// blank, a symbol's definition (address and name, no `=`), a pattern or
// fill.
func gnuSkip(b []byte) bool {
	if len(bytes.TrimSpace(b)) == 0 || bytes.HasPrefix(b, []byte(" *")) {
		return true
	}
	return bytes.HasPrefix(b, []byte("                0x")) && bytes.IndexByte(b, '=') < 0 && bytes.Count(b, []byte("0x")) == 1
}

// gnuOutput reads an output section header, or skips LOAD, OUTPUT and
// other column-0 lines.
func (m *LinkMap) gnuOutput(lines *lineReader, f []string) {
	name := f[0]
	switch name {
	case "LOAD", "OUTPUT", "START", "END", "INSERT", "TARGET":
		return
	}
	if strings.HasPrefix(name, "OUTPUT(") {
		return
	}
	nums := f[1:]
	if len(nums) == 0 {
		next, ok := lines.next()
		if !ok {
			return
		}
		g := strings.Fields(next)
		if len(g) < 2 || !isHex(g[0]) || !isHex(g[1]) || next[0] != ' ' {
			// An output section with no contents, which GNU ld prints
			// without an address.
			lines.unread(next)
			return
		}
		nums = g
	}
	if len(nums) < 2 || !isHex(nums[0]) || !isHex(nums[1]) {
		return
	}
	addr, _ := parseHex(nums[0])
	size, _ := parseHex(nums[1])
	m.items.add(MapItem{Kind: MapOutput, Addr: addr, Size: size, Name: lines.intern(name)})
}

// gnuInput reads an input section line: " .name 0xaddr 0xsize file".
func (m *LinkMap) gnuInput(lines *lineReader, f []string) {
	name := f[0]
	rest := f[1:]
	if len(rest) == 0 {
		next, ok := lines.next()
		if !ok {
			return
		}
		g := strings.Fields(next)
		if len(g) < 2 || !isHex(g[0]) || !isHex(g[1]) {
			lines.unread(next)
			return
		}
		rest = g
	}
	if len(rest) < 2 || !isHex(rest[0]) || !isHex(rest[1]) {
		return
	}
	addr, _ := parseHex(rest[0])
	size, _ := parseHex(rest[1])
	if dataStatement(name) {
		m.items.add(MapItem{Kind: MapDot, Addr: addr + size, From: addr, HasFrom: true, Text: name})
		return
	}
	obj := ""
	if len(rest) >= 3 {
		obj = strings.Join(rest[2:], " ")
	}
	m.items.add(MapItem{Kind: MapInput, Addr: addr, Size: size, Name: lines.intern(name), Object: lines.file(obj)})
}

// gnuInputBytes reads the common input section line, " .name 0xaddr
// 0xsize file" in ASCII, from the line's bytes: a kernel's map has
// 100,000, which as strings cost 6 MB. It reports false for any other
// line, which the general path reads.
func (m *LinkMap) gnuInputBytes(lines *lineReader, b []byte) bool {
	if len(b) < 2 || b[0] != ' ' || b[1] != '.' {
		return false
	}
	var f [4][]byte
	n, start := 0, -1
	for i := 0; i <= len(b); i++ {
		space := i == len(b)
		if !space {
			c := b[i]
			if c >= 0x80 {
				return false
			}
			space = c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
		}
		switch {
		case space && start >= 0:
			if n == len(f) {
				return false
			}
			f[n], n, start = b[start:i], n+1, -1
		case !space && start < 0:
			start = i
		}
	}
	if n < 3 {
		return false
	}
	addr, ok1 := parseHexBytes(f[1])
	size, ok2 := parseHexBytes(f[2])
	if !ok1 || !ok2 {
		return false
	}
	name, ok := lines.names[string(f[0])]
	if !ok {
		name = string(f[0])
		lines.names[name] = name
	}
	if string(f[3]) != lines.lastFile {
		lines.lastFile = string(f[3])
	}
	m.items.add(MapItem{Kind: MapInput, Addr: addr, Size: size, Name: name, Object: lines.lastFile})
	return true
}

// parseHexBytes is parseHex of b.
func parseHexBytes(b []byte) (uint64, bool) {
	if len(b) < 3 || b[0] != '0' || b[1] != 'x' {
		return 0, false
	}
	var v uint64
	for _, c := range b[2:] {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		if v>>60 != 0 {
			return 0, false
		}
		v = v<<4 | uint64(d)
	}
	return v, true
}

// gnuAssignment reads "0xaddr  . = ALIGN (0x8)" or "0xaddr  sym = .";
// plain symbols (no `=`) are the image's business.
func (m *LinkMap) gnuAssignment(addr, text string) {
	text = strings.TrimPrefix(text, "[!provide] ")
	if !strings.Contains(text, "=") {
		return
	}
	v, err := parseHex(addr)
	if err != nil {
		return
	}
	if strings.HasPrefix(text, ". =") || strings.HasPrefix(text, ".=") {
		m.items.add(dotItem(text, v, 0, false))
	}
}

func isHex(s string) bool {
	_, err := parseHex(s)
	return err == nil
}

func parseHex(s string) (uint64, error) {
	rest, ok := strings.CutPrefix(s, "0x")
	if !ok {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseUint(rest, 16, 64)
}
