package lds

import "slices"

// Binary operators by precedence, loosest first, as in GNU ld's grammar.
var binaryLevels = [][]string{
	{"||"},
	{"&&"},
	{"|"},
	{"^"},
	{"&"},
	{"==", "!="},
	{"<", "<=", ">", ">="},
	{"<<", ">>"},
	{"+", "-"},
	{"*", "/", "%"},
}

// expr reads an expression.
func (p *parser) expr() (Expr, error) {
	t, _ := p.peek(exprMode)
	if err := p.enter(t.line); err != nil {
		return nil, err
	}
	defer p.leave()
	c, err := p.binary(0)
	if err != nil {
		return nil, err
	}
	q, err := p.peek(exprMode)
	if err != nil || q.kind != tokOp || q.text != "?" {
		return c, err
	}
	p.next(exprMode)
	yes, err := p.expr()
	if err != nil {
		return nil, err
	}
	if _, err := p.expect(":"); err != nil {
		return nil, err
	}
	no, err := p.expr()
	if err != nil {
		return nil, err
	}
	return &Cond{C: c, T: yes, F: no}, nil
}

func (p *parser) binary(level int) (Expr, error) {
	if level == len(binaryLevels) {
		return p.unary()
	}
	x, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		t, err := p.peek(exprMode)
		if err != nil {
			return nil, err
		}
		if t.kind != tokOp || !slices.Contains(binaryLevels[level], t.text) {
			return x, nil
		}
		p.next(exprMode)
		y, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		x = &Binary{Op: t.text, X: x, Y: y}
	}
}

func (p *parser) unary() (Expr, error) {
	t, err := p.peek(exprMode)
	if err != nil {
		return nil, err
	}
	if t.kind == tokOp && (t.text == "-" || t.text == "!" || t.text == "~" || t.text == "+") {
		p.next(exprMode)
		if err := p.enter(t.line); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &Unary{Op: t.text, X: x}, nil
	}
	return p.primary()
}

// Functions whose arguments are section or memory region names, or
// constant names, not symbols.
var nameFuncs = []string{"ADDR", "LOADADDR", "SIZEOF", "ALIGNOF", "ORIGIN", "LENGTH", "CONSTANT"}

func (p *parser) primary() (Expr, error) {
	t, err := p.next(exprMode)
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case tokNumber:
		return &Number{Text: t.text}, nil
	case tokString:
		return &String{Text: t.text}, nil
	case tokName:
		return p.nameOrCall(t)
	}
	if t.kind == tokOp && t.text == "(" {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		_, err = p.expect(")")
		return e, err
	}
	return nil, p.errorf(t.line, "want an expression, found %s", t)
}

// nameOrCall reads a symbol, or a builtin function's call when a
// parenthesis follows the name.
func (p *parser) nameOrCall(t token) (Expr, error) {
	open, err := p.peek(exprMode)
	if err != nil {
		return nil, err
	}
	if open.kind != tokOp || open.text != "(" {
		return &Ident{Name: t.text}, nil
	}
	p.next(exprMode)
	call := &Call{Func: t.text}
	if slices.Contains(nameFuncs, t.text) {
		// A section name may hold characters an expression does not.
		n, err := p.name(nameMode, "a section or region name")
		if err != nil {
			return nil, err
		}
		call.Args = []Expr{&Ident{Name: n.text}}
		_, err = p.expect(")")
		return call, err
	}
	for {
		c, err := p.peek(exprMode)
		if err != nil {
			return nil, err
		}
		if c.kind == tokOp && c.text == ")" && len(call.Args) == 0 {
			p.next(exprMode)
			return call, nil
		}
		arg, err := p.expr()
		if err != nil {
			return nil, err
		}
		call.Args = append(call.Args, arg)
		sep, err := p.next(exprMode)
		if err != nil {
			return nil, err
		}
		switch {
		case sep.kind == tokOp && sep.text == ")":
			return call, nil
		case sep.kind == tokOp && sep.text == ",":
		default:
			return nil, p.errorf(sep.line, "want , or ) in %s(...), found %s", t.text, sep)
		}
	}
}
