package lds

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// kernelish is cut from x86_64's preprocessed Linux 6.1 vmlinux.lds, with
// the constructs that make a reader trip: PHDRS, an address-only first
// statement, AT(), fills and program headers after a body, KEEP and SORT,
// names with '+' and '*', /DISCARD/, (INFO), ASSERTs in and outside
// SECTIONS, `. = ASSERT(...)`, PROVIDE and DEFINED.
const kernelish = `OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(phys_startup_64)
jiffies = jiffies_64;
PHDRS {
 text PT_LOAD FLAGS(5);
 note PT_NOTE FLAGS(0);
}
SECTIONS
{
 . = (0xffffffff80000000 + ALIGN(0x1000000, 0x200000));
 phys_startup_64 = ABSOLUTE(startup_64 - 0xffffffff80000000);
 .text : AT(ADDR(.text) - 0xffffffff80000000) {
  _text = .;
  KEEP(*(.head.text))
  . = ALIGN(8); *(.text.hot .text.hot.*) *(.text .text.fixup)
 } :text =0xcccc
 _etext = .;
 .rodata : AT(ADDR(.rodata) - 0xffffffff80000000) { __start_rodata = .; *(.rodata) *(.rodata.*) }
 __ksymtab : AT(ADDR(__ksymtab) - 0xffffffff80000000) { __start___ksymtab = .; KEEP(*(SORT(___ksymtab+*))) __stop___ksymtab = .; }
 .notes : { KEEP(*(.note.*)) } :text :note
 .brk : { __brk_base = .; . += 64 * 1024; *(.bss..brk) __brk_limit = .; }
 .stab 0 : { *(.stab) }
 /DISCARD/ : { *(.discard) *(.data) }
 .got.plt (INFO) : { *(.got.plt) }
 ASSERT(SIZEOF(.got.plt) == 0 ||
        SIZEOF(.got.plt) == 0x18,
        "Unexpected GOT/PLT entries detected!")
 PROVIDE(__efistub_kernel_size = _edata - _text);
 weak_or_not = DEFINED(maybe) ? maybe : 0;
}
. = ASSERT((_end - 0xffffffff80000000 <= (512 * 1024 * 1024)), "kernel image bigger than KERNEL_IMAGE_SIZE");
init_per_cpu__gdt_page = ABSOLUTE(gdt_page) + __per_cpu_load;
`

func parse(t *testing.T, src string) *Script {
	t.Helper()
	s, err := Parse("test.lds", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func refNames(s *Script) []string {
	var out []string
	for _, r := range s.Refs() {
		out = append(out, r.Symbol)
	}
	return out
}

func TestRefsOfAKernelScript(t *testing.T) {
	s := parse(t, kernelish)
	if s.Entry != "phys_startup_64" || s.EntryLine != 3 {
		t.Errorf("entry %q at line %d, want phys_startup_64 at line 3", s.Entry, s.EntryLine)
	}
	// In script order; section names (ADDR(.text), SIZEOF(.got.plt)),
	// DEFINED's argument, ".", and the PROVIDE's expression are not refs.
	want := []string{"phys_startup_64", "jiffies_64", "startup_64", "maybe", "_end", "gdt_page", "__per_cpu_load"}
	got := refNames(s)
	// Refs lists ENTRY first, then statements in order.
	if !slices.Equal(got, want) {
		t.Errorf("refs %v, want %v", got, want)
	}
	if !s.Tested()["maybe"] {
		t.Error("DEFINED(maybe) is not reported as tested")
	}
	defs := s.Defines()
	for _, name := range []string{"jiffies", "phys_startup_64", "_text", "_etext", "__start_rodata", "__start___ksymtab", "__brk_limit", "init_per_cpu__gdt_page", "weak_or_not"} {
		if defs[name] == nil {
			t.Errorf("%s is not reported as defined by the script", name)
		}
	}
	if defs["."] != nil || defs["__efistub_kernel_size"] != nil {
		t.Error("the location counter or a PROVIDE counts as a definition")
	}
	if p := s.Provides()["__efistub_kernel_size"]; p == nil || p.Line != 29 {
		t.Errorf("PROVIDE(__efistub_kernel_size) = %+v, want it at line 29", p)
	}
}

func TestSectionsOfAKernelScript(t *testing.T) {
	s := parse(t, kernelish)
	in := s.Inputs()
	if len(in) == 0 || in[0].Output.Name != ".text" || !slices.Equal(in[0].Input.Patterns, []string{".head.text"}) || !in[0].Input.Keep {
		t.Fatalf("first placed input section %+v, want KEEP(*(.head.text)) in .text", in[0])
	}
	for name, want := range map[string]string{".head.text": ".text", ".text.hot.x": ".text", "___ksymtab+printk": "__ksymtab",
		".note.gnu.build-id": ".notes", ".rodata": ".rodata", ".stab": ".stab"} {
		if out, ok := s.Places(name); !ok || out != want {
			t.Errorf("Places(%s) = %s, %v; want %s", name, out, ok, want)
		}
	}
	// .data only goes to /DISCARD/ here: not placed.
	if out, ok := s.Places(".data"); ok {
		t.Errorf(".data is placed in %s; the script discards it", out)
	}
	var notes *OutputSection
	s.Walk(func(st Statement) {
		if os, ok := st.(*OutputSection); ok && os.Name == ".notes" {
			notes = os
		}
	})
	if notes == nil || !slices.Equal(notes.Phdrs, []string{"text", "note"}) {
		t.Errorf(".notes = %+v, want program headers text and note", notes)
	}
}

func TestOutputSectionTypeAndAddress(t *testing.T) {
	s := parse(t, `SECTIONS { .got.plt (INFO) : { *(.got.plt) } .stab 0 (NOLOAD) : { *(.stab) } .x (0x1000 + a) : { } }`)
	var got []string
	s.Walk(func(st Statement) {
		if os, ok := st.(*OutputSection); ok {
			got = append(got, os.Name+"/"+os.Type)
		}
	})
	if want := []string{".got.plt/INFO", ".stab/NOLOAD", ".x/"}; !slices.Equal(got, want) {
		t.Errorf("sections %v, want %v", got, want)
	}
	if refs := refNames(s); !slices.Equal(refs, []string{"a"}) {
		t.Errorf("refs %v, want [a] from the address (0x1000 + a)", refs)
	}
}

func TestExpressions(t *testing.T) {
	s := parse(t, `x = a ? b + c * 2 : ~d << 3 | e && !f - -g; y = MAX(h, 4K) % ALIGN(0x10); z = LOADADDR(.data-rel) + ALIGNOF(.text.x) + ORIGIN(ram);`)
	if got, want := refNames(s), []string{"a", "b", "c", "d", "e", "f", "g", "h"}; !slices.Equal(got, want) {
		t.Errorf("refs %v, want %v", got, want)
	}
	a := s.Statements[0].(*Assignment)
	c, ok := a.Expr.(*Cond)
	if !ok {
		t.Fatalf("x = %#v, want a conditional", a.Expr)
	}
	// + binds tighter than the ternary's branches, * tighter than +.
	if b, ok := c.T.(*Binary); !ok || b.Op != "+" {
		t.Errorf("true branch %#v, want b + (c * 2)", c.T)
	} else if m, ok := b.Y.(*Binary); !ok || m.Op != "*" {
		t.Errorf("b + ... has %#v on the right, want c * 2", b.Y)
	}
	// || is looser than &&, which is looser than |.
	if o, ok := c.F.(*Binary); !ok || o.Op != "&&" {
		t.Errorf("false branch %#v, want (~d << 3 | e) && (!f - -g)", c.F)
	}
}

func TestAssignmentOperatorsInNames(t *testing.T) {
	// "." then "+=": in a section body '+' is a name character, but an
	// assignment operator still ends the name.
	s := parse(t, `SECTIONS { .brk : { . += 64 * 1024; x+=1; *(.a+b) } }`)
	os := s.Statements[0].(*OutputSection)
	if len(os.Body) != 3 {
		t.Fatalf("body %#v, want two assignments and an input section", os.Body)
	}
	if a := os.Body[1].(*Assignment); a.Symbol != "x" || a.Op != "+=" {
		t.Errorf("second statement %+v, want x += 1", a)
	}
	if in := os.Body[2].(*InputSection); !slices.Equal(in.Patterns, []string{".a+b"}) {
		t.Errorf("patterns %v, want [.a+b]", in.Patterns)
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"SECTIONS {\n .text : {\n *(.text)\n", "test.lds:2: output section .text is never closed"},
		{"/* never\nclosed", "test.lds:1: unterminated comment"},
		{"x = ;", "test.lds:1: want an expression, found \";\""},
		{"SECTIONS\n{\n INCLUDE other.lds\n}", "test.lds:3: INCLUDE is not supported"},
		{"ASSERT(1, \"unterminated)", "test.lds:1: unterminated string"},
		{"x = 1 @ 2;", "test.lds:1: unexpected character '@'"},
		{"\n\nENTRY(", "test.lds:3: want the entry symbol, found end of file"},
		{"x = " + strings.Repeat("(", 1000) + "1" + strings.Repeat(")", 1000) + ";", "nested more than 200 deep"},
	} {
		_, err := Parse("test.lds", []byte(c.src))
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%.40q) = %v, want an *Error with %q", c.src, err, c.want)
		}
	}
}

func TestParseRefusesHugeScripts(t *testing.T) {
	_, err := Parse("big.lds", make([]byte, MaxBytes+1))
	if err == nil || !strings.Contains(err.Error(), "big.lds:1: script is over") {
		t.Errorf("Parse of %d bytes = %v, want a size error", MaxBytes+1, err)
	}
}

// FuzzParse checks that no input makes Parse panic or hang.
func FuzzParse(f *testing.F) {
	f.Add(kernelish)
	f.Add("SECTIONS { .a : { *(SORT_BY_ALIGNMENT(SORT_BY_NAME(.x*)) EXCLUDE_FILE(*.o) .y) } > ram AT> rom :p = 0 , }")
	f.Add("x = DEFINED(y) ? y : z;")
	f.Fuzz(func(t *testing.T, src string) {
		s, err := Parse("fuzz.lds", []byte(src))
		if err == nil {
			s.Refs()
			s.Inputs()
			s.Tested()
		}
	})
}

// TestStatementText checks the text and lines statements keep: comments
// dropped, blanks collapsed, no `;`, strings as written; and the
// header's ALIGN, the closing brace's line and what is outside SECTIONS.
func TestStatementText(t *testing.T) {
	s := parse(t, `PAGE = 0x1000 ; /* a comment */
SECTIONS
{
 . =  ALIGN( 8 ) ;
 PROVIDE(__end =
     . /* the end */);
 .rodata : AT(ADDR(.rodata) - 0x10)   ALIGN(CONSTANT
   (MAXPAGESIZE)) {
  KEEP(*(SORT(.init_array.*)
        .ctors))
  LONG(0x1234) QUAD(	PAGE) *(.rodata)
  . += 0x10/* more */+1;
 } :text
 ASSERT(SIZEOF(.rodata) < 0x100000, "  the /* message */ ")
}
`)
	var got []string
	s.Walk(func(st Statement) {
		switch st := st.(type) {
		case *Assignment:
			got = append(got, fmt.Sprintf("%d %s outside=%v", st.Line, st.Text, st.Outside))
		case *Assert:
			got = append(got, fmt.Sprintf("%d %s", st.Line, st.Text))
		case *InputSection:
			got = append(got, fmt.Sprintf("%d %s", st.Line, st.Text))
		case *Data:
			got = append(got, fmt.Sprintf("%d %s", st.Line, st.Text))
		case *OutputSection:
			got = append(got, fmt.Sprintf("%d-%d %s %s", st.Line, st.EndLine, st.Name, st.AlignText))
			if c, ok := st.Align.(*Call); !ok || c.Func != "CONSTANT" {
				t.Errorf("%s has ALIGN(%#v), want ALIGN(CONSTANT(MAXPAGESIZE))", st.Name, st.Align)
			}
		}
	})
	want := []string{
		"1 PAGE = 0x1000 outside=true",
		"4 . = ALIGN( 8 ) outside=false",
		"5 PROVIDE(__end = . ) outside=false", // the comment was a blank
		"7-13 .rodata ALIGN(CONSTANT (MAXPAGESIZE))",
		"9 KEEP(*(SORT(.init_array.*) .ctors))",
		"11 LONG(0x1234)",
		"11 QUAD( PAGE)",
		"11 *(.rodata)",
		"12 . += 0x10 +1 outside=false",
		`14 ASSERT(SIZEOF(.rodata) < 0x100000, "  the /* message */ ")`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("statements:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestParseKeepsWhatItReadBeforeAnError: a script Parse cannot read
// whole still gives the statements before the error.
func TestParseKeepsWhatItReadBeforeAnError(t *testing.T) {
	s, err := Parse("test.lds", []byte("SECTIONS {\n a = 1;\n .text : { *(.text) }\n INCLUDE x.lds\n b = 2;\n}"))
	if err == nil || s == nil || len(s.Statements) != 2 {
		t.Fatalf("Parse = %+v, %v; want two statements and an error", s, err)
	}
	if os, ok := s.Statements[1].(*OutputSection); !ok || os.Name != ".text" || len(os.Body) != 1 {
		t.Errorf("second statement %+v, want .text with its input section", s.Statements[1])
	}
}
