// Package lds reads GNU ld linker scripts, such as a Linux kernel's
// preprocessed vmlinux.lds, far enough to tell what they need from their
// inputs: the symbols their expressions, ASSERTs and ENTRY name, the
// symbols they define themselves, and the input sections each output
// section takes, in order.
//
// It is a reader, not a linker: it checks no semantics GNU ld would, and
// evaluates an expression only when asked to (Eval). It runs no program.
package lds

import "fmt"

// Script is a parsed linker script.
type Script struct {
	// File names the script in messages.
	File string
	// Entry is the symbol ENTRY names, or "".
	Entry string
	// EntryLine is the line of the ENTRY command.
	EntryLine int
	// Statements are the script's commands in order; the contents of
	// SECTIONS are inlined, so output sections and the assignments
	// between them appear in script order.
	Statements []Statement
}

// Statement is one command of a script: an *Assignment, *Assert or
// *OutputSection. A statement's Text, where it has one, is its source
// with comments dropped and blanks collapsed to one space.
type Statement interface{ stmt() }

// Assignment is `SYMBOL = EXPR;` (or another assignment operator),
// possibly inside PROVIDE, PROVIDE_HIDDEN or HIDDEN.
type Assignment struct {
	Symbol string
	Op     string
	Expr   Expr
	// Provide is true for PROVIDE and PROVIDE_HIDDEN: the symbol is
	// defined only if something references it and nothing defines it.
	Provide bool
	// Output is the output section the assignment is in, or "".
	Output string
	// Outside is true for an assignment outside SECTIONS.
	Outside bool
	Line    int
	// Text is the statement as written, without its `;`: "PROVIDE(x = .)".
	Text string
}

// Assert is ASSERT(EXPR, "MESSAGE").
type Assert struct {
	Expr    Expr
	Message string
	Line    int
	// Text is the statement as written, without its `;`.
	Text string
}

// OutputSection is an output section description.
type OutputSection struct {
	Name string
	// Exprs are the expressions of its header (address, AT, ALIGN,
	// SUBALIGN) and fill.
	Exprs []Expr
	// Align is the expression of the header's ALIGN(...), or nil; it is
	// among Exprs too.
	Align Expr
	// AlignText is that ALIGN(...) as written: "ALIGN(CONSTANT(MAXPAGESIZE))".
	AlignText string
	// Type is NOLOAD, INFO, COPY, ... or "".
	Type string
	// Body is the section's contents in order: *Assignment, *Assert,
	// *InputSection and *Data.
	Body []Statement
	// Phdrs are the program headers the section is assigned to.
	Phdrs []string
	Line  int
	// EndLine is the line of the body's closing brace.
	EndLine int
}

// InputSection is an input section description: FILE(SECTIONS...).
type InputSection struct {
	// File is the file name pattern ("*" for every file).
	File string
	// Patterns are the section name patterns, sorting keywords stripped.
	Patterns []string
	// Keep is true inside KEEP(...).
	Keep bool
	Line int
	// Text is the description as written: "KEEP(*(.init))".
	Text string
}

// Data is BYTE, SHORT, LONG, QUAD, SQUAD or FILL with its expression.
type Data struct {
	Kind string
	Expr Expr
	Line int
	// Text is the statement as written: "LONG(0)".
	Text string
}

func (*Assignment) stmt()    {}
func (*Assert) stmt()        {}
func (*OutputSection) stmt() {}
func (*InputSection) stmt()  {}
func (*Data) stmt()          {}

// Expr is an expression: *Ident, *Number, *String, *Call, *Unary, *Binary
// or *Cond.
type Expr interface{ expr() }

// Ident is a symbol or section name, or "." for the location counter.
type Ident struct{ Name string }

// Number is a numeric constant as written ("0x1000", "4K").
type Number struct{ Text string }

// String is a quoted string.
type String struct{ Text string }

// Call is a builtin function: ALIGN(8), ADDR(.text), DEFINED(sym), ...
type Call struct {
	Func string
	Args []Expr
}

// Unary is -x, !x, ~x or +x.
type Unary struct {
	Op string
	X  Expr
}

// Binary is x OP y.
type Binary struct {
	Op   string
	X, Y Expr
}

// Cond is c ? t : f.
type Cond struct{ C, T, F Expr }

func (*Ident) expr()  {}
func (*Number) expr() {}
func (*String) expr() {}
func (*Call) expr()   {}
func (*Unary) expr()  {}
func (*Binary) expr() {}
func (*Cond) expr()   {}

// Error is a script the reader cannot read, placed at a line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	file := e.File
	if file == "" {
		file = "linker script"
	}
	return fmt.Sprintf("%s:%d: %s", file, e.Line, e.Msg)
}
