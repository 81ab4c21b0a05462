package lds

import (
	"strings"
	"testing"
)

// testEnv gives symbols and "." by name, and functions of names as
// "SIZEOF(.text)".
type testEnv map[string]uint64

func (e testEnv) Symbol(name string) (uint64, bool) {
	v, ok := e[name]
	return v, ok
}

func (e testEnv) Func(fn, name string) (uint64, bool) {
	v, ok := e[fn+"("+name+")"]
	return v, ok
}

func eval(t *testing.T, src string, env Env) (uint64, bool) {
	t.Helper()
	e, err := ParseExpr(src)
	if err != nil {
		t.Fatalf("ParseExpr(%q): %v", src, err)
	}
	return Eval(e, 4096, env)
}

func TestEval(t *testing.T) {
	env := testEnv{"X": 3, ".": 0x1001, "ADDR(.text)": 0x400000, "SIZEOF(.data-rel)": 0x30, "DEFINED(X)": 1, "DEFINED(Y)": 0}
	for src, want := range map[string]uint64{
		"(1 << (12))": 4096, "((1 << 21))": 2 << 20, "0x200 + 2 * 3": 0x206, "X << 4 | 1": 49,
		"CONSTANT (COMMONPAGESIZE)": 4096, "CONSTANT(MAXPAGESIZE)": 4096, "64K": 65536, "2M": 2 << 20,
		"-(-8)": 8, "~0 & 0xff": 0xff, "10 % 4 - 1": 1, "+7 ^ 5": 2, "!0 + !X": 1, "010": 8,
		"ALIGN(8)": 0x1008, "ALIGN(., 0x1000)": 0x2000, "ALIGN(X, 4)": 4, "ALIGN(16, 1)": 16, ".": 0x1001,
		"MAX(X, 4K)": 4096, "MIN(X, 4K)": 3, "ABSOLUTE(. - 1)": 0x1000,
		"ADDR(.text) + SIZEOF(.data-rel)": 0x400030, "DEFINED(X) ? X : 7": 3, "DEFINED(Y) ? Y : 7": 7,
		"1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3 && 1 == 1 && 1 != 2": 1, "0 || 0": 0, "1 - 2 - 3": 1<<64 - 4,
		"0x10 / 3": 5,
	} {
		if got, ok := eval(t, src, env); !ok || got != want {
			t.Errorf("Eval(%q) = %#x, %v; want %#x", src, got, ok, want)
		}
	}
	for _, src := range []string{"Y", "1 / 0", "1 % 0", "1 << 64", "ADDR(.data)", "ALIGN(3)", "ALIGN(., 0)", "ALIGNOF(.text)",
		"ORIGIN(ram)", "ASSERT(1, \"no\")", "MAX(1)", "ALIGN(1, 2, 3)", "CONSTANT(OTHER)", "DEFINED(X + 1)", "0 ? 1 : Y",
		"Y ? 1 : 2", "99999999999999999999", "0xfffffffffffffffffff", "08", "0x1K"} {
		if v, ok := eval(t, src, env); ok {
			t.Errorf("Eval(%q) = %#x, want no value", src, v)
		}
	}
	// Without an environment, names and the location counter have no
	// value, nor has CONSTANT(MAXPAGESIZE) without a page size.
	for _, src := range []string{"X", "ALIGN(8)", "SIZEOF(.text)"} {
		if v, ok := eval(t, src, nil); ok {
			t.Errorf("Eval(%q) with no environment = %#x, want no value", src, v)
		}
	}
	if v, ok := Eval(&Call{Func: "CONSTANT", Args: []Expr{&Ident{Name: "MAXPAGESIZE"}}}, 0, nil); ok {
		t.Errorf("CONSTANT(MAXPAGESIZE) with no page size = %#x", v)
	}
	// A chain of operators nests as deep as it is long.
	long := strings.Repeat("1 + ", 200000) + "1"
	if v, ok := eval(t, long, nil); !ok || v != 200001 {
		t.Errorf("a chain of 200000 additions = %d, %v", v, ok)
	}
}

func TestParseExpr(t *testing.T) {
	e, err := ParseExpr(" ALIGN (0x1000) ")
	if c, ok := e.(*Call); err != nil || !ok || c.Func != "ALIGN" || len(c.Args) != 1 {
		t.Errorf("ParseExpr(ALIGN (0x1000)) = %#v, %v", e, err)
	}
	for _, src := range []string{"", "(1", "1 +", "1 2", "x = 1", "CONSTANT(MAXPAGESIZE", "1 /* open", strings.Repeat("(", 300) + "1"} {
		if e, err := ParseExpr(src); err == nil {
			t.Errorf("ParseExpr(%q) = %#v, want an error", src, e)
		}
	}
}
