package synth

import (
	"debug/elf"
	"fmt"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
)

// AsmFile is one unit written as GNU as source.
type AsmFile struct {
	// Name is the unit's name with a trailing ".o" replaced by ".s".
	Name string
	Text []byte
}

// Asm writes every unit as GNU as source that, assembled with the target's
// GNU as and flags, lays out exactly as the synthesized object does. It is
// also the reproducer people attach to bug reports, so it is commented.
func (p *Plan) Asm() []AsmFile {
	files := make([]AsmFile, 0, len(p.Units))
	for _, u := range p.Units {
		files = append(files, AsmFile{Name: AsmName(u.Name), Text: []byte(p.unitAsm(u))})
	}
	return files
}

// AsmName is the source file name for a unit.
func AsmName(unit string) string { return strings.TrimSuffix(unit, ".o") + ".s" }

func (p *Plan) unitAsm(u *PlannedUnit) string {
	a := p.Arch
	var w strings.Builder
	fmt.Fprintf(&w, "/* elfsynth: unit %s of scenario %q for %s, page size %d.\n", u.Name, p.Name, a.Name, p.PageSize)
	fmt.Fprintf(&w, " * Assemble: %s */\n", AssembleCommand(a, u.Name))
	w.WriteString(a.AsmPrologue)
	for _, sec := range u.Sections {
		if sec.User {
			p.sectionAsm(&w, sec)
		}
	}
	return w.String()
}

// AssembleCommand is the GNU as command line that makes unit from its
// source file.
func AssembleCommand(a *arches.Arch, unit string) string {
	return strings.Join(append(append([]string{a.Tool("as")}, a.AsFlags...), "-o", unit, AsmName(unit)), " ")
}

func (p *Plan) sectionAsm(w *strings.Builder, sec *PlannedSection) {
	at := p.Arch.SectionTypePrefix
	kind := "progbits"
	if sec.Type == elf.SHT_NOBITS {
		kind = "nobits"
	}
	fmt.Fprintf(w, "\n\t.section %s,\"%s\",%s%s\n", sec.Name, flagLetters(sec.Flags), at, kind)
	if sec.Align > 1 {
		fmt.Fprintf(w, "\t.balign %d\n", sec.Align)
	}
	off := uint64(0)
	for _, sym := range sec.Symbols {
		if sym.Offset > off {
			fmt.Fprintf(w, "\t.balign %d\n", sym.Align)
		}
		p.symbolAsm(w, sec, sym)
		off = sym.Offset + sym.Size
	}
}

func (p *Plan) symbolAsm(w *strings.Builder, sec *PlannedSection, sym *PlannedSymbol) {
	at := p.Arch.SectionTypePrefix
	switch sym.Bind {
	case elf.STB_GLOBAL:
		fmt.Fprintf(w, "\t.globl %s\n", sym.Name)
	case elf.STB_WEAK:
		fmt.Fprintf(w, "\t.weak %s\n", sym.Name)
	}
	kind := "object"
	if sym.Type == elf.STT_FUNC {
		kind = "function"
	}
	fmt.Fprintf(w, "\t.type %s, %s%s\n\t.size %s, %d\n%s:\n", sym.Name, at, kind, sym.Name, sym.Size, sym.Name)
	used := uint64(0)
	switch {
	case sym.PointsTo != nil:
		fmt.Fprintf(w, "\t%s %s\n", p.Arch.PointerDirective, sym.PointsTo)
		used = p.Arch.PointerSize()
	case sym.Func != nil:
		w.WriteString(sym.Func.Asm)
		used = uint64(len(sym.Func.Code))
	}
	if rest := sym.Size - used; rest > 0 {
		if sec.Type == elf.SHT_NOBITS {
			fmt.Fprintf(w, "\t.skip %d\n", rest)
		} else {
			fmt.Fprintf(w, "\t.fill %d, 1, %#x\n", rest, sym.Fill)
		}
	}
}

func flagLetters(f elf.SectionFlag) string {
	var s string
	if f&elf.SHF_ALLOC != 0 {
		s += "a"
	}
	if f&elf.SHF_WRITE != 0 {
		s += "w"
	}
	if f&elf.SHF_EXECINSTR != 0 {
		s += "x"
	}
	return s
}
