package lds

import (
	"strconv"
	"strings"
)

// Env gives Eval the values of what an expression names.
type Env interface {
	// Symbol is the value of a symbol, or of "." (the location counter).
	Symbol(name string) (uint64, bool)
	// Func is the value of fn, one of ADDR, LOADADDR, SIZEOF and ALIGNOF
	// of the output section name, or DEFINED of the symbol name (1 or 0).
	Func(fn, name string) (uint64, bool)
}

// Eval computes e as GNU ld does, in 64-bit arithmetic: numbers (0x, K
// and M suffixes), the unary, binary and conditional operators, MAX, MIN,
// ALIGN (to a power of two), ABSOLUTE, CONSTANT(MAXPAGESIZE) and
// CONSTANT(COMMONPAGESIZE) as pageSize (unknown when 0), and env for
// names and for ADDR, LOADADDR, SIZEOF, ALIGNOF and DEFINED. ok is false
// when e names what env does not know (a nil env knows nothing), divides
// by zero, shifts by 64 or more, or calls another function.
func Eval(e Expr, pageSize uint64, env Env) (v uint64, ok bool) {
	ev := evaluator{page: pageSize, env: env}
	return ev.eval(e)
}

type evaluator struct {
	page uint64
	env  Env
}

func (ev *evaluator) eval(e Expr) (uint64, bool) {
	switch e := e.(type) {
	case *Number:
		return number(e.Text)
	case *Ident:
		if ev.env == nil {
			return 0, false
		}
		return ev.env.Symbol(e.Name)
	case *Unary:
		x, ok := ev.eval(e.X)
		switch e.Op {
		case "-":
			x = -x
		case "~":
			x = ^x
		case "!":
			x = b2u(x == 0)
		}
		return x, ok
	case *Binary:
		// A chain like a + b + c nests to the left as deep as the script
		// is long: walk its spine without recursion.
		var spine []*Binary
		for b := e; b != nil; b, _ = b.X.(*Binary) {
			spine = append(spine, b)
		}
		x, ok := ev.eval(spine[len(spine)-1].X)
		for i := len(spine) - 1; i >= 0 && ok; i-- {
			var y uint64
			if y, ok = ev.eval(spine[i].Y); ok {
				x, ok = binary(spine[i].Op, x, y)
			}
		}
		return x, ok
	case *Cond:
		c, ok := ev.eval(e.C)
		switch {
		case !ok:
			return 0, false
		case c != 0:
			return ev.eval(e.T)
		}
		return ev.eval(e.F)
	case *Call:
		return ev.call(e)
	}
	return 0, false
}

// number reads a number as written: 0x1000, 4K, 2M, 010.
func number(lit string) (uint64, bool) {
	mult := uint64(1)
	if !strings.HasPrefix(lit, "0x") && !strings.HasPrefix(lit, "0X") {
		switch {
		case strings.HasSuffix(lit, "K"):
			lit, mult = lit[:len(lit)-1], 1<<10
		case strings.HasSuffix(lit, "M"):
			lit, mult = lit[:len(lit)-1], 1<<20
		}
	}
	v, err := strconv.ParseUint(lit, 0, 64)
	return v * mult, err == nil
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func binary(op string, x, y uint64) (uint64, bool) {
	switch op {
	case "+":
		return x + y, true
	case "-":
		return x - y, true
	case "*":
		return x * y, true
	case "/", "%":
		if y == 0 {
			return 0, false
		}
		if op == "/" {
			return x / y, true
		}
		return x % y, true
	case "<<", ">>":
		if y >= 64 {
			return 0, false
		}
		if op == "<<" {
			return x << y, true
		}
		return x >> y, true
	case "&":
		return x & y, true
	case "|":
		return x | y, true
	case "^":
		return x ^ y, true
	case "==":
		return b2u(x == y), true
	case "!=":
		return b2u(x != y), true
	case "<":
		return b2u(x < y), true
	case "<=":
		return b2u(x <= y), true
	case ">":
		return b2u(x > y), true
	case ">=":
		return b2u(x >= y), true
	case "&&":
		return b2u(x != 0 && y != 0), true
	case "||":
		return b2u(x != 0 || y != 0), true
	}
	return 0, false
}

func (ev *evaluator) call(c *Call) (uint64, bool) {
	args := c.Args
	if len(args) == 1 {
		switch id, _ := args[0].(*Ident); {
		case c.Func == "CONSTANT" && id != nil && (id.Name == "MAXPAGESIZE" || id.Name == "COMMONPAGESIZE"):
			return ev.page, ev.page != 0
		case c.Func == "ABSOLUTE":
			return ev.eval(args[0])
		case c.Func == "ALIGN":
			// ALIGN(n) is ALIGN(., n).
			args = []Expr{&Ident{Name: "."}, args[0]}
		case id == nil || ev.env == nil:
		case c.Func == "ADDR" || c.Func == "LOADADDR" || c.Func == "SIZEOF" || c.Func == "ALIGNOF" || c.Func == "DEFINED":
			return ev.env.Func(c.Func, id.Name)
		}
	}
	if len(args) != 2 || c.Func != "ALIGN" && c.Func != "MAX" && c.Func != "MIN" {
		return 0, false
	}
	x, ok := ev.eval(args[0])
	if !ok {
		return 0, false
	}
	y, ok := ev.eval(args[1])
	switch {
	case !ok:
		return 0, false
	case c.Func == "MAX":
		return max(x, y), true
	case c.Func == "MIN":
		return min(x, y), true
	case y == 0 || y&(y-1) != 0:
		return 0, false
	}
	return (x + y - 1) &^ (y - 1), true
}
