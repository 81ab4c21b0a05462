package synth

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/lexer"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// zeroPageYAML is the founding case in the form.
const zeroPageYAML = `name: zero-page                # optional
page_size: 4096
units:
  - name: mm_init.o
    sections:
      - name: .data..ro_after_init
        flags: aw
        type: progbits
        align: 8
        symbols:
          - {name: zero_page_pfn, size: 8, align: 8}
          - {name: empty_zero_page, size: page, align: page}
          - {name: the_ptr, points_to: empty_zero_page+16}
      - name: .text.get_zero
        symbols:
          - {name: get_zero, code: {address_of: empty_zero_page}}
  - name: c.o
    sections:
      - name: .bss..page_aligned
        symbols:
          - name: big
            size: 0x3000
            align: "2*page"
            bind: local
          - {name: tail, size: "3 * page", bind: weak}
      - name: .rodata
        symbols:
          - {name: ones, size: 16, fill: 0xff}
          - {name: back, points_to: "ones-0x10", size: 8, align: 0x8}
`

// zeroPageJSON is the same scenario as JSON.
const zeroPageJSON = `{
  "name": "zero-page",
  "page_size": 4096,
  "units": [
    {"name": "mm_init.o", "sections": [
      {"name": ".data..ro_after_init", "flags": "aw", "type": "progbits", "align": 8, "symbols": [
        {"name": "zero_page_pfn", "size": 8, "align": 8},
        {"name": "empty_zero_page", "size": "page", "align": "page"},
        {"name": "the_ptr", "points_to": "empty_zero_page+16"}]},
      {"name": ".text.get_zero", "symbols": [
        {"name": "get_zero", "code": {"address_of": "empty_zero_page"}}]}]},
    {"name": "c.o", "sections": [
      {"name": ".bss..page_aligned", "symbols": [
        {"name": "big", "size": "0x3000", "align": "2*page", "bind": "local"},
        {"name": "tail", "size": "3 * page", "bind": "weak"}]},
      {"name": ".rodata", "symbols": [
        {"name": "ones", "size": 16, "fill": 255},
        {"name": "back", "points_to": "ones-0x10", "size": 8, "align": "0x8"}]}]}
  ]
}`

func zeroPageWant(file string) *Scenario {
	return &Scenario{
		Name: "zero-page", PageSize: 4096, File: file,
		Units: []Unit{
			{Name: "mm_init.o", Sections: []Section{
				{Name: ".data..ro_after_init", Flags: "aw", Type: "progbits", Align: Bytes(8), Symbols: []Symbol{
					{Name: "zero_page_pfn", Size: Bytes(8), Align: Bytes(8)},
					{Name: "empty_zero_page", Size: Pages(1), Align: Pages(1)},
					{Name: "the_ptr", PointsTo: &Ref{Symbol: "empty_zero_page", Offset: 16}},
				}},
				{Name: ".text.get_zero", Symbols: []Symbol{
					{Name: "get_zero", Code: &Code{AddressOf: "empty_zero_page"}},
				}},
			}},
			{Name: "c.o", Sections: []Section{
				{Name: ".bss..page_aligned", Symbols: []Symbol{
					{Name: "big", Size: Bytes(0x3000), Align: Pages(2), Bind: "local"},
					{Name: "tail", Size: Pages(3), Bind: "weak"},
				}},
				{Name: ".rodata", Symbols: []Symbol{
					{Name: "ones", Size: Bytes(16), Fill: 0xff},
					{Name: "back", Size: Bytes(8), Align: Bytes(8), PointsTo: &Ref{Symbol: "ones", Offset: -16}},
				}},
			}},
		},
	}
}

// withoutPos returns a copy of s with every Pos zeroed.
func withoutPos(s *Scenario) *Scenario {
	c := *s
	c.Units = nil
	for _, u := range s.Units {
		u.Pos = Pos{}
		secs := u.Sections
		u.Sections = nil
		for _, sec := range secs {
			sec.Pos = Pos{}
			syms := sec.Symbols
			sec.Symbols = nil
			for _, sym := range syms {
				sym.Pos = Pos{}
				sec.Symbols = append(sec.Symbols, sym)
			}
			u.Sections = append(u.Sections, sec)
		}
		c.Units = append(c.Units, u)
	}
	return &c
}

func TestParseGood(t *testing.T) {
	for _, tc := range []struct{ file, src string }{
		{"zero.yaml", zeroPageYAML},
		{"zero.json", zeroPageJSON},
	} {
		t.Run(tc.file, func(t *testing.T) {
			s, err := Parse(tc.file, []byte(tc.src))
			require.NoError(t, err)
			assert.Equal(t, zeroPageWant(tc.file), withoutPos(s))
			require.NoError(t, s.Validate())
		})
	}
}

func TestParsePositions(t *testing.T) {
	s, err := Parse("zero.yaml", []byte(zeroPageYAML))
	require.NoError(t, err)
	assert.Equal(t, Pos{4, 5}, s.Units[0].Pos)
	assert.Equal(t, Pos{6, 9}, s.Units[0].Sections[0].Pos)
	assert.Equal(t, Pos{11, 13}, s.Units[0].Sections[0].Symbols[0].Pos) // the '{'
	assert.Equal(t, Pos{21, 13}, s.Units[1].Sections[0].Symbols[0].Pos) // the key "name"

	j, err := Parse("zero.json", []byte(zeroPageJSON))
	require.NoError(t, err)
	assert.Equal(t, Pos{5, 5}, j.Units[0].Pos)
	assert.Equal(t, Pos{7, 9}, j.Units[0].Sections[0].Symbols[0].Pos)
}

// TestParseMinimal shows the defaults: everything optional left out.
func TestParseMinimal(t *testing.T) {
	s, err := Parse("min.yaml", []byte("units:\n- name: a.o\n  sections:\n  - name: .data\n"))
	require.NoError(t, err)
	want := &Scenario{File: "min.yaml", Units: []Unit{{Name: "a.o", Sections: []Section{{Name: ".data"}}}}}
	assert.Equal(t, want, withoutPos(s))
}

func TestParseAmounts(t *testing.T) {
	for text, want := range map[string]Amount{
		"0": {}, "4096": Bytes(4096), "0x1000": Bytes(4096), "0X1f": Bytes(31),
		"page": Pages(1), "4*page": Pages(4), " 2 * page ": Pages(2), "0x10*page": Pages(16),
		"3*page+100": {Bytes: 100, Pages: 3}, "page+0x10": {Bytes: 16, Pages: 1}, "100+3*page": {Bytes: 100, Pages: 3},
		" 0x2 * page + 7 ": {Bytes: 7, Pages: 2}, "8+page": {Bytes: 8, Pages: 1}, "page+0": Pages(1),
		"18446744073709551615*page+18446744073709551615": {Bytes: 1<<64 - 1, Pages: 1<<64 - 1},
	} {
		got, msg := parseAmount(text)
		assert.Empty(t, msg, text)
		assert.Equal(t, want, got, text)
	}
	for text, want := range map[string]string{
		"": "empty", "-1": "negative", "010": "leading zero", "1_000": "not a number",
		"0o17": "octal?", "1.5": "not a number", "pages": "not a number", "2page": "want N*page", "x*page": "not a number",
		"99999999999999999999": "too large", "0x": "not a number", "*page": "empty",
		"page-1":                      "'-' is not supported; want N*page+M",
		"3*page-0x10":                 "'-' is not supported",
		"0*page":                      "0*page is no pages; leave the page term out",
		"0x0*page+100":                "0*page is no pages",
		"page+2*page":                 "two page terms; want N*page+M",
		"1+2":                         "two byte counts; want N*page+M",
		"page+1+2":                    "more than two terms",
		"3*page+":                     "empty term beside '+'",
		"+page":                       "empty term beside '+'",
		"page*3":                      "not a number",
		"page+010":                    "leading zero",
		"99999999999999999999*page+1": "page count: too large",
		"page+0x10000000000000000":    "too large",
		"3*page+-1":                   "'-' is not supported",
	} {
		_, msg := parseAmount(text)
		assert.Contains(t, msg, want, text)
	}
}

// TestAmountString: String writes the canonical form, which parses back to
// the same amount.
func TestAmountString(t *testing.T) {
	for want, a := range map[string]Amount{
		"0": {}, "100": Bytes(100), "page": Pages(1), "3*page": Pages(3),
		"page+100": {Bytes: 100, Pages: 1}, "3*page+100": {Bytes: 100, Pages: 3},
		"18446744073709551615*page+1": {Bytes: 1, Pages: 1<<64 - 1},
	} {
		assert.Equal(t, want, a.String())
		back, msg := parseAmount(a.String())
		assert.Empty(t, msg, want)
		assert.Equal(t, a, back, want)
	}
}

func TestParseRef(t *testing.T) {
	for text, want := range map[string]Ref{
		"a": {"a", 0}, "a+16": {"a", 16}, "a-16": {"a", -16}, "a+0x10": {"a", 16}, "a - 0x10": {"a", -16},
		"a-0x8000000000000000": {"a", -1 << 63},
	} {
		got, msg := parseRef(text)
		assert.Empty(t, msg, text)
		assert.Equal(t, want, *got, text)
	}
	for _, text := range []string{"+1", "a+", "a+-1", "a--1", "a+0x8000000000000000", "a+b"} {
		_, msg := parseRef(text)
		assert.NotEmpty(t, msg, text)
	}
}

func TestParseFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.yaml")
	require.NoError(t, os.WriteFile(path, []byte(zeroPageYAML), 0o644))
	s, err := ParseFile(path)
	require.NoError(t, err)
	assert.Equal(t, path, s.File)

	_, err = ParseFile(filepath.Join(t.TempDir(), "missing.yaml"))
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Contains(t, e.Error(), "missing.yaml")
}

// TestParseLimits checks the size guards just past their limits.
func TestParseLimits(t *testing.T) {
	// The size is checked before anything reads the file (TestParseMiB
	// reads one of exactly 1 MiB).
	big := bytes.Repeat([]byte("\n"), maxFileBytes+1)
	_, err := Parse("big.yaml", big)
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Contains(t, e.Error(), "big.yaml:1048577:1: file is over 1048576 bytes")

	// The decoder stops at the symbol past its limit, before Validate; the
	// limit is lowered to 3 so that the input is small (TestValidateTooMany
	// checks maxSymbols itself).
	prefix := "units: [{name: a.o, sections: [{name: .d, symbols: ["
	for _, n := range []int{3, 4} {
		src := prefix + strings.Repeat("{name: a},", n) + "]}]}]"
		d := &decoder{file: "many.yaml", at: map[string]Pos{}, maxSymbols: 3}
		body, err := d.document([]byte(src))
		require.NoError(t, err)
		err = d.scenario(&Scenario{}, body)
		if n == 3 {
			require.NoError(t, err)
			continue
		}
		require.ErrorAs(t, err, &e)
		assert.Equal(t, Pos{1, len(prefix) + 10*3 + 1}, e.Pos)
		assert.Equal(t, "many.yaml:1:83: units[0].sections[0].symbols[3]: more than 3 symbols", e.Error())
	}
	require.Equal(t, maxSymbols, (&decoder{maxSymbols: maxSymbols}).maxSymbols)
}

// TestParseBad runs every malformed scenario in testdata/bad. The first line
// of each is `# want: TEXT`; Parse must fail with an *Error whose message
// contains TEXT and that has a line (or, with nothing to point at, a file).
func TestParseBad(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(paths), 35)
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			require.NoError(t, err)
			first, _, _ := strings.Cut(string(src), "\n")
			want, ok := strings.CutPrefix(first, "# want: ")
			require.True(t, ok, "first line must be `# want: TEXT`")
			s, err := ParseFile(path)
			require.Error(t, err, "parsed: %+v", s)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Contains(t, e.Error(), want)
			assert.Equal(t, path, e.File)
			assert.Positive(t, e.Pos.Line, e.Error())
		})
	}
}

// TestParseEmpty checks input with nothing to point at: the message names
// the file.
func TestParseEmpty(t *testing.T) {
	for _, src := range []string{"", "\n", "# only a comment\n", "---\n"} {
		_, err := Parse("empty.yaml", []byte(src))
		var e *Error
		require.ErrorAs(t, err, &e, "%q", src)
		assert.Contains(t, e.Error(), "empty.yaml", "%q", src)
		assert.Contains(t, e.Error(), "empty scenario", "%q", src)
	}
}

// TestParseGuards checks each guard of the token pass (shallow) just past
// its threshold, and that the input just under it gets past the guard.
// Unguarded, these shapes make the YAML parser take time growing with the
// square or cube of their size (TestParseHostileMiB shows one at 1 MiB).
func TestParseGuards(t *testing.T) {
	keys := func(n int, head, format, sep, tail string) string {
		var b strings.Builder
		b.WriteString(head)
		for i := range n {
			if i > 0 {
				b.WriteString(sep)
			}
			fmt.Fprintf(&b, format, i)
		}
		return b.String() + tail
	}
	// items is n list items at the top, each a mapping of 10 keys.
	items := keys(20, "", "- %[1]d0: 1\n  %[1]d1: 1\n  %[1]d2: 1\n  %[1]d3: 1\n  %[1]d4: 1\n  %[1]d5: 1\n  %[1]d6: 1\n  %[1]d7: 1\n  %[1]d8: 1\n  %[1]d9: 1\n", "", "")
	nested := func(depth int) string {
		var b strings.Builder
		for i := range depth {
			b.WriteString(strings.Repeat(" ", i) + "a:\n")
		}
		return b.String()
	}
	for _, tc := range []struct {
		src, want string // want "" means past the guards
	}{
		{"units: " + strings.Repeat("[", maxFlowDepth+1), "p.yaml:1:40: nested deeper than 32 brackets"},
		{"units: " + strings.Repeat("[", maxFlowDepth) + strings.Repeat("]", maxFlowDepth), ""},
		{"units: " + strings.Repeat("{a: ", maxFlowDepth+1), "p.yaml:1:136: nested deeper than 32 brackets"},
		{strings.Repeat("- ", 129), "p.yaml:1:257: nested too deep: block structure past column 256"},
		{strings.Repeat("- ", 128), ""},
		{strings.Repeat(": ", 129), "p.yaml:1:257: nested too deep"},
		{nested(256), "p.yaml:256:257: nested too deep"}, // the ':' of line 256
		{nested(255), ""},
		{keys(maxMappingKeys+1, "", "k%d: 1", "\n", "\n"), "p.yaml:17:1: a mapping with more than 16 keys; no mapping in a scenario has more than 7 fields"},
		{keys(maxMappingKeys, "", "k%d: 1", "\n", "\n"), ""},
		{keys(maxMappingKeys+1, "{", "k%d: 1", ", ", "}"), "p.yaml:1:120: a mapping with more than 16 keys"},
		{keys(maxMappingKeys, "{", "k%d: 1", ", ", "}"), ""},
		{keys(maxMappingKeys+1, "units:\n- name: a.o\n  sections:\n  - name: .d\n    symbols:\n    - ", "k%d: 1", "\n      ", "\n"), "p.yaml:22:7: a mapping with more than 16 keys"},
		{keys(maxMappingKeys+1, "[", "{k%d: 1}", ", ", "]"), ""},               // one key in each
		{keys(maxMappingKeys+1, "[", "k%d: 1", ", ", "]"), ""},                 // single-pair mappings
		{keys(maxMappingKeys, "a:\n", "  k%d: 1", "\n", "\nb: 1\nc: 1\n"), ""}, // a's keys are not the top's
		{items, ""}, // each item is a mapping of its own
		{"{a: 1", `p.yaml:1:1: "{" is never closed`},
		{"[" + strings.Repeat(": ", 2) + "]", "p.yaml:1:4: unexpected ':'"},
		{"[,]", "p.yaml:1:2: empty entry before ','"},
		{"[1,,]", "p.yaml:1:4: empty entry before ','"},
		{"[- ]", "p.yaml:1:2: '-' inside brackets"},
		{"{? a}", "p.yaml:1:2: YAML complex keys (?) are not supported"},
		{"a: 1\n---\nb: 1\n", "p.yaml:2:1: more than one YAML document"},
		{"---\na: 1\n...\n", ""},
		{"a: 1\n...\nb: 2\n", "p.yaml:3:1: more than one YAML document"},
	} {
		d := &decoder{file: "p.yaml", at: map[string]Pos{}, maxSymbols: maxSymbols}
		err := d.shallow(lexer.Tokenize(tc.src))
		if tc.want == "" {
			require.NoError(t, err, srcHead(tc.src))
			continue
		}
		var e *Error
		require.ErrorAs(t, err, &e, srcHead(tc.src))
		assert.Contains(t, e.Error(), tc.want, srcHead(tc.src))
		// Parse gives the same error.
		_, err = Parse("p.yaml", []byte(tc.src))
		assert.Equal(t, e, err, srcHead(tc.src))
	}
}

// TestParseMiB parses inputs of the largest size read: the worst one known
// before the key guard, one mapping of 1 MiB of keys, which took the YAML
// parser 222 s; and 1 MiB of blank lines, which is read, not refused.
func TestParseMiB(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 1 MiB; run without -short")
	}
	src := repeatTo("", "k#: 1\n", "", maxFileBytes)
	_, err := Parse("keys.yaml", []byte(src))
	require.EqualError(t, err, "keys.yaml:17:1: a mapping with more than 16 keys; no mapping in a scenario has more than 7 fields")

	_, err = Parse("max.yaml", bytes.Repeat([]byte("\n"), maxFileBytes))
	require.EqualError(t, err, "max.yaml:1:1: empty scenario: want a mapping with units")
}

func srcHead(s string) string { return s[:min(len(s), 40)] }
