package asmcode

import (
	"errors"
	"fmt"
	"strings"

	"github.com/twitchyliquid64/golang-asm/asm/arch"
	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/objabi"
)

// unit is one function being assembled by golang-asm: its context, its
// symbol and the Progs appended so far.
type unit struct {
	arch  *arch.Arch
	ctxt  *obj.Link
	fn    *obj.LSym
	first *obj.Prog
	last  *obj.Prog
	diags []string
}

// newUnit prepares golang-asm for goarch and a function symbol called name.
// golang-asm's default DiagFunc prints to stdout; ours collects the messages
// so that assemble can return them as an error.
func newUnit(goarch, name string) (*unit, error) {
	a := arch.Set(goarch)
	if a == nil {
		return nil, fmt.Errorf("asmcode: golang-asm does not know arch %q", goarch)
	}
	u := &unit{arch: a, ctxt: obj.Linknew(a.LinkArch)}
	u.ctxt.Headtype = objabi.Hlinux
	u.ctxt.DiagFunc = func(format string, args ...interface{}) {
		u.diags = append(u.diags, fmt.Sprintf(format, args...))
	}
	a.Init(u.ctxt)
	u.fn = u.ctxt.Lookup(name)
	// A TEXT Prog with NOSPLIT|NOFRAME: no stack-split check, no frame, so
	// the function is exactly the instructions we add.
	text := u.ctxt.NewProg()
	text.As = obj.ATEXT
	text.From = obj.Addr{Type: obj.TYPE_MEM, Name: obj.NAME_EXTERN, Sym: u.fn}
	text.To = obj.Addr{Type: obj.TYPE_TEXTSIZE}
	text.To.Val = int32(0)
	u.ctxt.InitTextSym(u.fn, obj.NOSPLIT|obj.NOFRAME)
	u.fn.Func.Text = text
	u.first, u.last = text, text
	return u, nil
}

// prog appends a new Prog with opcode as and returns it for the caller to
// fill in its operands.
func (u *unit) prog(as obj.As) *obj.Prog {
	p := u.ctxt.NewProg()
	p.As = as
	u.last.Link = p
	u.last = p
	return p
}

// sym returns the symbol called name, as an operand's Sym.
func (u *unit) sym(name string) *obj.LSym { return u.ctxt.Lookup(name) }

// assemble runs golang-asm's passes (linkpatch, Preprocess, Assemble) over
// the Progs and returns the machine code and golang-asm's relocations.
func (u *unit) assemble() (code []byte, relocs []obj.Reloc, err error) {
	defer func() {
		// golang-asm panics on some operand combinations it cannot encode.
		if r := recover(); r != nil {
			err = fmt.Errorf("asmcode: golang-asm (%s) panicked: %v", u.arch.Name, r)
		}
	}()
	obj.Flushplist(u.ctxt, &obj.Plist{Firstpc: u.first}, nil, "")
	if len(u.diags) > 0 || u.ctxt.Errors > 0 {
		if len(u.diags) == 0 {
			return nil, nil, errors.New("asmcode: golang-asm reported errors")
		}
		return nil, nil, fmt.Errorf("asmcode: golang-asm (%s): %s", u.arch.Name, strings.Join(u.diags, "; "))
	}
	return u.fn.P, u.fn.R, nil
}
