package lds

import (
	"path"
	"slices"
)

// Ref is a symbol an expression of the script names.
type Ref struct {
	Symbol string
	Line   int
	// In says where: "ENTRY", "ASSERT", "`jiffies = ...`", "output section .text".
	In string
}

// builtinNames are names an expression may hold that are not symbols.
var builtinNames = []string{".", "SIZEOF_HEADERS", "sizeof_headers"}

// Symbols calls yield for every symbol e names, in order. Section and
// region names (ADDR(.text)), DEFINED's argument, the location counter
// and SIZEOF_HEADERS are not symbols.
func Symbols(e Expr, yield func(string)) {
	switch e := e.(type) {
	case *Ident:
		if !slices.Contains(builtinNames, e.Name) {
			yield(e.Name)
		}
	case *Call:
		if e.Func == "DEFINED" || slices.Contains(nameFuncs, e.Func) {
			return
		}
		for _, a := range e.Args {
			Symbols(a, yield)
		}
	case *Unary:
		Symbols(e.X, yield)
	case *Binary:
		Symbols(e.X, yield)
		Symbols(e.Y, yield)
	case *Cond:
		Symbols(e.C, yield)
		Symbols(e.T, yield)
		Symbols(e.F, yield)
	}
}

// tested calls yield for every symbol DEFINED(...) tests in e.
func tested(e Expr, yield func(string)) {
	switch e := e.(type) {
	case *Call:
		if e.Func == "DEFINED" {
			for _, a := range e.Args {
				if id, ok := a.(*Ident); ok {
					yield(id.Name)
				}
			}
			return
		}
		for _, a := range e.Args {
			tested(a, yield)
		}
	case *Unary:
		tested(e.X, yield)
	case *Binary:
		tested(e.X, yield)
		tested(e.Y, yield)
	case *Cond:
		tested(e.C, yield)
		tested(e.T, yield)
		tested(e.F, yield)
	}
}

// Walk calls f for every statement, those inside output sections right
// after their section, in script order.
func (s *Script) Walk(f func(Statement)) {
	for _, st := range s.Statements {
		f(st)
		if os, ok := st.(*OutputSection); ok {
			for _, b := range os.Body {
				f(b)
			}
		}
	}
}

// Refs lists the symbols the script's expressions name, in script order,
// each time it names them: in assignments other than PROVIDEs, ASSERTs,
// output section headers and data commands, and ENTRY's symbol. A
// PROVIDE's expression is only evaluated when its symbol is wanted; see
// Provides.
func (s *Script) Refs() []Ref {
	var refs []Ref
	add := func(e Expr, line int, in string) {
		Symbols(e, func(name string) { refs = append(refs, Ref{Symbol: name, Line: line, In: in}) })
	}
	if s.Entry != "" {
		refs = append(refs, Ref{Symbol: s.Entry, Line: s.EntryLine, In: "ENTRY"})
	}
	s.Walk(func(st Statement) {
		switch st := st.(type) {
		case *Assignment:
			if !st.Provide {
				add(st.Expr, st.Line, "`"+st.Symbol+" "+st.Op+" ...`")
			}
		case *Assert:
			add(st.Expr, st.Line, "ASSERT")
		case *OutputSection:
			for _, e := range st.Exprs {
				add(e, st.Line, "output section "+st.Name)
			}
		case *Data:
			add(st.Expr, st.Line, st.Kind)
		}
	})
	return refs
}

// Defines reports the symbols the script assigns outside PROVIDE, and
// each one's first assignment.
func (s *Script) Defines() map[string]*Assignment {
	defs := map[string]*Assignment{}
	s.Walk(func(st Statement) {
		if a, ok := st.(*Assignment); ok && !a.Provide && a.Symbol != "." && defs[a.Symbol] == nil {
			defs[a.Symbol] = a
		}
	})
	return defs
}

// Provides reports the symbols PROVIDE or PROVIDE_HIDDEN define when
// something references them, and each one's first PROVIDE.
func (s *Script) Provides() map[string]*Assignment {
	provs := map[string]*Assignment{}
	s.Walk(func(st Statement) {
		if a, ok := st.(*Assignment); ok && a.Provide && provs[a.Symbol] == nil {
			provs[a.Symbol] = a
		}
	})
	return provs
}

// Tested reports the symbols whose presence DEFINED(...) tests: the
// script copes with their absence.
func (s *Script) Tested() map[string]bool {
	out := map[string]bool{}
	yield := func(name string) { out[name] = true }
	s.Walk(func(st Statement) {
		switch st := st.(type) {
		case *Assignment:
			tested(st.Expr, yield)
		case *Assert:
			tested(st.Expr, yield)
		case *OutputSection:
			for _, e := range st.Exprs {
				tested(e, yield)
			}
		case *Data:
			tested(st.Expr, yield)
		}
	})
	return out
}

// Discard is the output section whose input sections the linker drops.
const Discard = "/DISCARD/"

// Inputs lists the input section descriptions the script places in
// output sections other than /DISCARD/, in script order, with the output
// section of each.
func (s *Script) Inputs() []Placed {
	var out []Placed
	for _, st := range s.Statements {
		os, ok := st.(*OutputSection)
		if !ok || os.Name == Discard {
			continue
		}
		for _, b := range os.Body {
			if in, ok := b.(*InputSection); ok {
				out = append(out, Placed{Output: os, Input: in})
			}
		}
	}
	return out
}

// Placed is an input section description in its output section.
type Placed struct {
	Output *OutputSection
	Input  *InputSection
}

// Places reports whether an input section called name, of any file,
// goes to an output section other than /DISCARD/, and to which one.
func (s *Script) Places(name string) (string, bool) {
	for _, st := range s.Statements {
		os, ok := st.(*OutputSection)
		if !ok {
			continue
		}
		for _, b := range os.Body {
			if in, ok := b.(*InputSection); ok && in.File == "*" && matchAny(in.Patterns, name) {
				// The first match wins, as in GNU ld: a discarded
				// section is not placed.
				return os.Name, os.Name != Discard
			}
		}
	}
	return "", false
}

func matchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// IsWildcard reports whether a pattern matches more than one name.
func IsWildcard(pattern string) bool {
	for _, c := range pattern {
		switch c {
		case '*', '?', '[':
			return true
		}
	}
	return false
}
