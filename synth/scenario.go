// Package synth turns scenarios into ELF relocatable objects and GNU as source.
//
// A Scenario describes compilation units, their sections and the symbols in
// them, in link order. It comes from a YAML or JSON file (Parse, ParseFile) or
// is built in Go. Build resolves it for one target and page size into a Plan:
// every section's alignment and size and every symbol's offset, exactly as GNU
// as would lay them out. A Plan writes objects (Plan.Objects) and GNU as
// source (Plan.Asm). Nothing in this package runs a program.
package synth

import (
	"fmt"
	"math/bits"
	"strconv"
)

// Scenario is a set of compilation units in link order.
type Scenario struct {
	Name string
	// PageSize is the page size `page` stands for; zero means the target's
	// default kernel page size.
	PageSize uint64
	// Script is the linker script the scenario is meant for: a built-in
	// name (kernel, kernel-fixed, none) or a path relative to the scenario
	// file; empty means the caller's default.
	Script string
	Units  []Unit
	// File is where the scenario came from, for messages; empty for Go-built
	// scenarios.
	File string
}

// Unit is one compilation unit: one object file.
type Unit struct {
	Name     string
	Sections []Section
	Pos      Pos
}

// Section is one input section of a unit.
type Section struct {
	Name string
	// Flags are letters from "awx"; empty means the default for the name:
	// .text* "ax", .rodata* "a", anything else "aw".
	Flags string
	// Type is "progbits" or "nobits"; empty means nobits for .bss* and
	// progbits otherwise.
	Type string
	// Align is the section's alignment; zero means the largest alignment of
	// its symbols (at least 1).
	Align   Amount
	Symbols []Symbol
	Pos     Pos
}

// Symbol is one object in a section, laid out in order at its alignment.
type Symbol struct {
	Name string
	// Size is the object's size; zero with PointsTo means the pointer size.
	Size Amount
	// Align is the object's alignment; zero means 1 (or the pointer size
	// for a pointer).
	Align Amount
	// Bind is "global", "local" or "weak"; empty means global.
	Bind string
	// Fill is the byte the contents are made of.
	Fill byte
	// PointsTo, when set, makes the symbol a pointer-sized word holding the
	// address of another symbol plus an offset.
	PointsTo *Ref
	// Code, when set, makes the symbol a function.
	Code *Code
	Pos  Pos
}

// Ref names a symbol and an offset from it: SYMBOL[+N].
type Ref struct {
	Symbol string
	Offset int64
}

func (r Ref) String() string {
	if r.Offset == 0 {
		return r.Symbol
	}
	return fmt.Sprintf("%s%+d", r.Symbol, r.Offset)
}

// Code describes a generated function.
type Code struct {
	// AddressOf is the symbol whose address the function returns.
	AddressOf string
}

// Amount is a size or an alignment: Bytes plus Pages times the page size.
type Amount struct {
	Bytes uint64
	Pages uint64
}

// Bytes returns an Amount of n bytes.
func Bytes(n uint64) Amount { return Amount{Bytes: n} }

// Pages returns an Amount of n pages.
func Pages(n uint64) Amount { return Amount{Pages: n} }

// IsZero reports whether the amount was left out.
func (a Amount) IsZero() bool { return a == Amount{} }

// Resolve returns the amount in bytes for a page size. It fails when that
// does not fit 64 bits, which a page size larger than the one the amount
// was validated with can make happen.
func (a Amount) Resolve(pageSize uint64) (uint64, error) {
	hi, lo := bits.Mul64(a.Pages, pageSize)
	n, carry := bits.Add64(lo, a.Bytes, 0)
	if hi != 0 || carry != 0 {
		return 0, fmt.Errorf("%s with page = %d does not fit 64 bits", a, pageSize)
	}
	return n, nil
}

// String writes the amount as a scenario does, in the canonical order:
// 100, page, 3*page, page+100, 3*page+100.
func (a Amount) String() string {
	if a.Pages == 0 {
		return strconv.FormatUint(a.Bytes, 10)
	}
	pages := "page"
	if a.Pages != 1 {
		pages = strconv.FormatUint(a.Pages, 10) + "*page"
	}
	if a.Bytes == 0 {
		return pages
	}
	return pages + "+" + strconv.FormatUint(a.Bytes, 10)
}

// Pos is a place in a scenario file.
type Pos struct {
	Line, Column int
}

// Error is a problem with a scenario, placed at a field in its file.
type Error struct {
	File  string
	Pos   Pos
	Field string // e.g. "units[1].sections[0].symbols[2].align"
	Msg   string
}

func (e *Error) Error() string {
	file := e.File
	if file == "" {
		file = "scenario"
	}
	loc := file
	if e.Pos.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", file, e.Pos.Line, e.Pos.Column)
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Field, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// symbolCount is the number of symbols the unit declares.
func (u *Unit) symbolCount() int {
	n := 0
	for i := range u.Sections {
		n += len(u.Sections[i].Symbols)
	}
	return n
}

// HasCode reports whether any symbol is a generated function, which only
// targets with code generation can build.
func (s *Scenario) HasCode() bool {
	for _, u := range s.Units {
		for _, sec := range u.Sections {
			for _, sym := range sec.Symbols {
				if sym.Code != nil {
					return true
				}
			}
		}
	}
	return false
}
