package ldrun

import (
	"bytes"
	"debug/elf"
	"fmt"
	"strings"

	"github.com/elfsynth/elfsynth/internal/lds"
	"github.com/elfsynth/elfsynth/synth"
)

// Provision is a symbol a linker script needs that no input defines. A
// real kernel script names symbols of the kernel's own objects (x86_64's
// `jiffies = jiffies_64;`, `phys_startup_64 = ABSOLUTE(startup_64 - ...)`)
// and the linker stops at the first one a scenario lacks; elfsynth
// defines each in a synthesized object of its own, ProvidedObject, so
// that the script links any scenario.
type Provision struct {
	// Symbol is the symbol's name.
	Symbol string
	// Section is the input section elfsynth defines it in.
	Section string
	// Entry is true for the entry point, or a symbol it is computed from.
	Entry bool
	// Why says what in the script names it, and why it is in Section.
	Why string
}

func (p Provision) String() string { return fmt.Sprintf("%s in %s: %s", p.Symbol, p.Section, p.Why) }

// ScriptProvisions reads a linker script's text (name names it in
// messages) and lists, in the order the script first names them, the
// symbols it needs that the objects do not define: the symbols its
// expressions, ASSERTs and ENTRY name, other than those the script
// assigns itself, those a PROVIDE defines, and those it only tests with
// DEFINED(). A PROVIDE's expression counts when an object or the script
// references its symbol. A symbol an object defines (global or weak) is
// never provided, so never replaced.
//
// Each symbol gets a section by one rule, read from the script: the
// entry point (ENTRY's symbol, or the symbols the script computes it from,
// as x86_64's phys_startup_64 from startup_64) goes in the first input
// section the script places, where execution starts (x86_64's
// KEEP(*(.head.text)) right after `_text = .`); every other symbol goes
// in .data when the script places .data, else in that first section. The
// definitions are empty, so they move nothing.
func ScriptProvisions(name, text string, objs []synth.Object) ([]Provision, error) {
	n, err := readNeeds(name, text, objs)
	if err != nil {
		return nil, err
	}
	return n.provisions, nil
}

// needs are what a script needs from the inputs, and the symbols of the
// inputs it assigns itself.
type needs struct {
	provisions []Provision
	// overrides say, of each symbol an input defines and the script
	// assigns outside PROVIDE, where: the linker takes the script's value.
	overrides []string
}

func readNeeds(name, text string, objs []synth.Object) (*needs, error) {
	s, err := lds.Parse(name, []byte(text))
	if err != nil {
		return nil, err
	}
	defined, referenced, err := objectSymbols(objs)
	if err != nil {
		return nil, err
	}
	w := &wants{s: s, defs: s.Defines(), provs: s.Provides(), tested: s.Tested(), have: defined,
		expanded: map[string]bool{}, seen: map[string]bool{}}
	for _, r := range s.Refs() {
		w.consider(r)
	}
	for _, name := range referenced {
		if p := w.provs[name]; p != nil && !defined[name] {
			w.expand(p)
		}
	}
	n := &needs{provisions: w.place()}
	s.Walk(func(st lds.Statement) {
		if a, ok := st.(*lds.Assignment); ok && !a.Provide && defined[a.Symbol] && w.defs[a.Symbol] == a {
			n.overrides = append(n.overrides, fmt.Sprintf("the script assigns %s (line %d), which an input defines: the linker takes the script's value", a.Symbol, a.Line))
		}
	})
	return n, nil
}

// wants collects the symbols a script needs.
type wants struct {
	s        *lds.Script
	defs     map[string]*lds.Assignment
	provs    map[string]*lds.Assignment
	tested   map[string]bool
	have     map[string]bool
	expanded map[string]bool
	seen     map[string]bool
	needs    []lds.Ref
}

func (w *wants) consider(r lds.Ref) {
	switch {
	case w.have[r.Symbol] || w.defs[r.Symbol] != nil || w.seen[r.Symbol]:
	case w.provs[r.Symbol] != nil:
		w.expand(w.provs[r.Symbol])
	case w.tested[r.Symbol]:
		// DEFINED(x) ? x : y copes without x; defining x would change
		// what the script computes.
	default:
		w.seen[r.Symbol] = true
		w.needs = append(w.needs, r)
	}
}

// expand counts a PROVIDE's expression: its symbol is wanted, so the
// linker evaluates it.
func (w *wants) expand(p *lds.Assignment) {
	if w.expanded[p.Symbol] {
		return
	}
	w.expanded[p.Symbol] = true
	lds.Symbols(p.Expr, func(name string) {
		w.consider(lds.Ref{Symbol: name, Line: p.Line, In: "PROVIDE(" + p.Symbol + " = ...), which an input or the script wants"})
	})
}

// place gives every needed symbol its section and reason.
func (w *wants) place() []Provision {
	first, output := w.firstSection()
	data := ".data"
	if _, ok := w.s.Places(data); !ok {
		data = first
	}
	entry := w.entrySymbols()
	var out []Provision
	for _, r := range w.needs {
		p := Provision{Symbol: r.Symbol, Section: data, Why: fmt.Sprintf("named in %s (script line %d)", r.In, r.Line)}
		if via, ok := entry[r.Symbol]; ok {
			p.Section, p.Entry = first, true
			p.Why = fmt.Sprintf("the entry point (%s, script line %d), so in the first input section the script places (in %s)",
				via, r.Line, output)
		}
		out = append(out, p)
	}
	return out
}

// firstSection is the first input section, by a name that is not a
// wildcard, that the script places, and its output section; .text when
// there is none.
func (w *wants) firstSection() (string, string) {
	for _, pl := range w.s.Inputs() {
		for _, pat := range pl.Input.Patterns {
			if !lds.IsWildcard(pat) && pl.Input.File == "*" {
				return pat, pl.Output.Name
			}
		}
	}
	return ".text", ".text"
}

// entrySymbols are the undefined symbols the entry point is computed
// from: ENTRY's symbol itself, or, when the script assigns it, the
// symbols of its expression, and so on. Each maps to how ENTRY reaches
// it.
func (w *wants) entrySymbols() map[string]string {
	out := map[string]string{}
	var walk func(name, via string, depth int)
	walk = func(name, via string, depth int) {
		if w.have[name] || depth > 16 {
			return
		}
		a := w.defs[name]
		if a == nil {
			a = w.provs[name]
		}
		if a == nil {
			out[name] = via
			return
		}
		lds.Symbols(a.Expr, func(sym string) {
			walk(sym, fmt.Sprintf("%s computed from %s", via, sym), depth+1)
		})
	}
	if e := w.s.Entry; e != "" {
		walk(e, "ENTRY("+e+")", 0)
	}
	return out
}

// objectSymbols lists the symbols the objects define (global or weak)
// and the ones they reference without defining.
func objectSymbols(objs []synth.Object) (map[string]bool, []string, error) {
	defined := map[string]bool{}
	var undefined []string
	for _, o := range objs {
		f, err := elf.NewFile(bytes.NewReader(o.Data))
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", o.Name, err)
		}
		syms, err := f.Symbols()
		f.Close()
		if err != nil && err != elf.ErrNoSymbols {
			return nil, nil, fmt.Errorf("%s: %v", o.Name, err)
		}
		for _, s := range syms {
			bind := elf.ST_BIND(s.Info)
			switch {
			case s.Name == "" || bind == elf.STB_LOCAL:
			case s.Section == elf.SHN_UNDEF:
				undefined = append(undefined, s.Name)
			default:
				defined[s.Name] = true
			}
		}
	}
	return defined, undefined, nil
}

// describe lists provisions for reports.
func describe(ps []Provision) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// scriptFile is how messages name a script: its path, or the built-in
// script's name.
func scriptFile(name string) string {
	if IsBuiltinScript(name) {
		return "built-in script " + name
	}
	return strings.TrimSpace(name)
}
