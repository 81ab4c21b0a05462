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
