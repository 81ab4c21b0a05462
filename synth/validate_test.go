package synth

import (
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
