package layout

import (
	"slices"
	"strings"
	"testing"
)

// TestAppendFields: appendFields splits as strings.Fields does, Unicode
// spaces included.
func TestAppendFields(t *testing.T) {
	for _, s := range []string{"", " ", "a", " a b  c ", "\ta\vb\fc\rd\ne", " .text 0x1 0x2 obj/a b.o", "x\u00a0y z", "  \u0085 q"} {
		if got, want := appendFields([]string{"zz"}, s)[1:], strings.Fields(s); !slices.Equal(got, want) {
			t.Errorf("%q: %q, want %q", s, got, want)
		}
	}
}

// TestGNUInputBytes: an input section line read from its bytes makes the
// item the general path makes, and the lines it leaves are read as before.
func TestGNUInputBytes(t *testing.T) {
	for _, line := range []string{
		" .text          0xffffffff8103aae0        0xa obj/tsc_resume.o",
		" .data          0x00000000000000AF     0x1F",
		" .bss           0x10 0x20 lib.a(x.o)",
		" .text          0x10 0x20 obj/a b.o",
		" .text          0x10 0x20 obj/\u00e9.o",
		" .text          0x10 0x2g obj/a.o",
		" .text          0x10000000000000000 0x2 obj/a.o",
		" .text          0x0000000000000000010 0x2 obj/a.o",
		" .text          10 0x2 obj/a.o",
		" .text",
	} {
		want := !strings.Contains(line, "\u00e9") && !strings.Contains(line, "2g") && !strings.Contains(line, " 10 ") &&
			!strings.Contains(line, "0x10000000000000000 ") && line != " .text" && !strings.Contains(line, "a b.o")
		fast := &LinkMap{}
		ok := fast.gnuInputBytes(&lineReader{names: map[string]string{}}, []byte(line))
		if ok != want {
			t.Errorf("%q: read from bytes %v, want %v", line, ok, want)
		}
		if !ok {
			// The general path reads it.
			continue
		}
		slow := &LinkMap{}
		slow.gnuInput(&lineReader{names: map[string]string{}}, appendFields(nil, line))
		if got, want := fast.Items(), slow.Items(); !slices.Equal(got, want) {
			t.Errorf("%q: %+v, want %+v", line, got, want)
		}
	}
}
