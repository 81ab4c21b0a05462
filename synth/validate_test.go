package synth

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// goScenario is a valid scenario built in Go, without a file.
func goScenario() *Scenario {
	return &Scenario{Units: []Unit{{
		Name: "a.o",
		Sections: []Section{{
			Name: ".data..ro_after_init",
			Symbols: []Symbol{
				{Name: "pfn", Size: Bytes(8), Align: Bytes(8)},
				{Name: "empty_zero_page", Size: Pages(1), Align: Pages(1), Pos: Pos{Line: 7, Column: 3}},
				{Name: "ptr", PointsTo: &Ref{Symbol: "empty_zero_page"}},
			},
		}, {
			Name:    ".text",
			Symbols: []Symbol{{Name: "get", Code: &Code{AddressOf: "empty_zero_page"}}},
		}},
	}}}
}

func TestValidateGood(t *testing.T) {
	require.NoError(t, goScenario().Validate())
	s := goScenario()
	s.PageSize = 256 << 10
	s.Units[0].Sections[0].Symbols[1].Size = Pages(4096) // exactly 1 GiB
	require.NoError(t, s.Validate())
}

// TestValidateBad breaks a Go-built scenario one way at a time.
func TestValidateBad(t *testing.T) {
	const sym1 = "units[0].sections[0].symbols[1]"
	for _, tc := range []struct {
		name   string
		change func(s *Scenario)
		want   string
	}{
		{"no units", func(s *Scenario) { s.Units = nil }, "scenario: units: no units"},
		{"page size", func(s *Scenario) { s.PageSize = 3 << 10 }, "page_size: 3072 is not a power of two"},
		{"unit name", func(s *Scenario) { s.Units[0].Name = "../a.o" }, "units[0].name: unit name \"../a.o\" contains a path separator"},
		{"no sections", func(s *Scenario) { s.Units[0].Sections = nil }, "units[0].sections: unit \"a.o\" has no sections"},
		{"section name", func(s *Scenario) { s.Units[0].Sections[1].Name = `.te"xt` }, "units[0].sections[1].name: section name"},
		{"flags", func(s *Scenario) { s.Units[0].Sections[0].Flags = "ab" }, "unknown flag 'b'"},
		{"type", func(s *Scenario) { s.Units[0].Sections[0].Type = "PROGBITS" }, "unknown type \"PROGBITS\""},
		{"section align", func(s *Scenario) { s.Units[0].Sections[0].Align = Amount{Bytes: 8, Pages: 1} }, "bytes or pages, not both"},
		{"dup symbol", func(s *Scenario) { s.Units[0].Sections[1].Symbols[0].Name = "pfn" }, "duplicate symbol \"pfn\""},
		{"size", func(s *Scenario) { s.Units[0].Sections[0].Symbols[1].Size = Pages(1<<62 + 1) }, "scenario:7:3: " + sym1 + ".size: 4611686018427387905*page is over 1 GiB"},
		{"align", func(s *Scenario) { s.Units[0].Sections[0].Symbols[1].Align = Pages(6) }, sym1 + ".align: 6*page is not a power of two"},
		{"big align", func(s *Scenario) { s.Units[0].Sections[0].Symbols[1].Align = Bytes(1 << 31) }, "2147483648 is over 1 GiB"},
		{"bind", func(s *Scenario) { s.Units[0].Sections[0].Symbols[1].Bind = "GLOBAL" }, "unknown bind \"GLOBAL\""},
		{"fill nobits", func(s *Scenario) {
			s.Units[0].Sections[0].Type = "nobits"
			s.Units[0].Sections[0].Symbols[0].Fill = 1
		}, "fill in nobits section"},
		{"pointer target", func(s *Scenario) { s.Units[0].Sections[0].Symbols[2].PointsTo.Symbol = "" }, "points_to: target name is empty"},
		{"both", func(s *Scenario) { s.Units[0].Sections[0].Symbols[2].Code = &Code{AddressOf: "pfn"} }, "points_to or code, not both"},
		{"code target", func(s *Scenario) { s.Units[0].Sections[1].Symbols[0].Code.AddressOf = "a b" }, "code.address_of: symbol name \"a b\" contains whitespace"},
		{"code in data", func(s *Scenario) { s.Units[0].Sections[1].Name = ".data.get" }, "not executable"},
		{"dup unit", func(s *Scenario) { s.Units = append(s.Units, s.Units[0]) }, "units[1].name: duplicate unit name \"a.o\" (also units[0])"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := goScenario()
			tc.change(s)
			err := s.Validate()
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Contains(t, e.Error(), tc.want)
		})
	}
}

// TestValidateTooMany checks the symbol limit on a Go-built scenario.
func TestValidateTooMany(t *testing.T) {
	s := goScenario()
	syms := make([]Symbol, maxSymbols+1)
	for i := range syms {
		syms[i].Name = "s" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26)) + string(rune('a'+i/17576%26))
	}
	s.Units[0].Sections[0].Symbols = syms
	err := s.Validate()
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Contains(t, e.Error(), "more than 100000 symbols")
}

// TestValidateFieldPositions checks that a parsed scenario's errors point at
// the value when there is one, else at the nearest enclosing field.
func TestValidateFieldPositions(t *testing.T) {
	src := "units:\n- name: a.o\n  sections:\n  - name: .data\n    symbols:\n    - name: x\n      bind: none\n"
	_, err := Parse("f.yaml", []byte(src))
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "f.yaml:7:13: units[0].sections[0].symbols[0].bind: unknown bind \"none\" (known: global, local, weak)", e.Error())

	c := &checker{s: &Scenario{File: "f.yaml"}, at: map[string]Pos{"units[0]": {2, 3}}}
	assert.Equal(t, Pos{2, 3}, c.errorf(Pos{9, 9}, "units[0].sections[3].name", "x").Pos)
	assert.Equal(t, Pos{9, 9}, c.errorf(Pos{9, 9}, "page_size", "x").Pos)
}

// TestValidateReservedNames: every reserved section name, and a name of
// each family, is refused with its reason; the names next to them are not.
func TestValidateReservedNames(t *testing.T) {
	refused := map[string]string{}
	for _, r := range reservedSectionNames {
		refused[r.name] = r.why
		switch r.match {
		case exactOrDot:
			refused[r.name+".x"] = r.why
		case prefix:
			refused[r.name+"x.y"] = r.why
		}
	}
	for name, targets := range defaultSections() {
		refused[name] = "GNU as writes it into every object on " + targets[0]
	}
	require.Len(t, defaultSections(), 8, ".ARM.attributes .riscv.attributes .ARC.attributes .gnu.attributes .MIPS.abiflags .MIPS.options .reginfo .pdr")
	for name, why := range refused {
		s := goScenario()
		s.Units[0].Sections[0].Name = name
		var e *Error
		require.ErrorAs(t, s.Validate(), &e, name)
		require.Equal(t, "units[0].sections[0].name", e.Field, name)
		require.Contains(t, e.Msg, fmt.Sprintf("section name %q is reserved: %s", name, why))
	}
	for _, name := range []string{".group", ".data.rel.ro", ".init_arrayx", ".tbssx", ".sdatax", ".gptab", ".debug",
		".note.foo", ".comment", ".lrodata", ".stack", ".re", ".MIPS.stubs", ".gnu.attributes.x", ".data..percpu"} {
		s := goScenario()
		s.Units[0].Sections[0].Name = name
		require.NoError(t, s.Validate(), name)
	}
}

func TestValidateUnitFileNames(t *testing.T) {
	ok := func(names ...string) *Scenario {
		s := goScenario()
		for len(s.Units) < len(names) {
			u := s.Units[0]
			u.Sections = []Section{{Name: ".bss"}}
			s.Units = append(s.Units, u)
		}
		for i, n := range names {
			s.Units[i].Name = n
		}
		return s
	}
	require.NoError(t, ok(strings.Repeat("u", 198)+".o").Validate(), "200 bytes")
	require.NoError(t, ok("a.o", "b.s", "a.so", "image.o", "repro.sh.o").Validate())
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{[]string{strings.Repeat("u", 199) + ".o"}, "units[0].name: unit name is 201 bytes; at most 200"},
		{[]string{"a.o", "link.lds"}, `units[1].name: unit name "link.lds" is reserved`},
		{[]string{"image"}, `units[0].name: unit name "image" is reserved`},
		{[]string{"repro.sh"}, `units[0].name: unit name "repro.sh" is reserved`},
		{[]string{"x.o", "x.s"}, `units[1].name: unit name "x.s" is the GNU as source file asm writes for units[0] "x.o"`},
		{[]string{"x.s", "x.o"}, `units[1].name: asm would write unit "x.o"'s GNU as source to x.s, the name of units[0] "x.s"`},
		{[]string{"x", "x.o"}, `units[1].name: asm would write the GNU as source of unit "x.o" and of units[0] "x" to the same file x.s`},
		{[]string{"x.o", "x"}, `units[1].name: asm would write the GNU as source of unit "x" and of units[0] "x.o" to the same file x.s`},
		{[]string{"x.o", "y.o", "x.o"}, `units[2].name: duplicate unit name "x.o" (also units[0])`},
	} {
		var e *Error
		require.ErrorAs(t, ok(tc.names...).Validate(), &e, "%q", tc.names)
		require.Contains(t, e.Error(), tc.want)
	}
}

func TestValidateSymbolNames(t *testing.T) {
	set := func(name, bind string) error {
		s := goScenario()
		s.Units[0].Sections[0].Symbols[0].Name, s.Units[0].Sections[0].Symbols[0].Bind = name, bind
		return s.Validate()
	}
	for _, name := range []string{".Lx", "..x", "_.L_x", "L$x"} {
		require.NoError(t, set(name, ""), name)
		require.NoError(t, set(name, "weak"), name)
		require.ErrorContains(t, set(name, "local"), fmt.Sprintf("local symbol %q starts with", name))
	}
	for _, name := range []string{"L.x", "_Lx", ".x", "x$", "x.Ly"} {
		require.NoError(t, set(name, "local"), name)
	}
	for _, bind := range []string{"", "local"} {
		require.ErrorContains(t, set("$x", bind), `symbol name "$x" starts with '$'`)
	}
	s := goScenario()
	s.Units[0].Sections[1].Symbols[0].Code.AddressOf = "$d"
	require.ErrorContains(t, s.Validate(), `code.address_of: symbol name "$d" starts with '$'`)
}
