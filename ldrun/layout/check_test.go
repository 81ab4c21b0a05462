package layout_test

import (
	"context"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
	. "github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/synth"
)

// linkMixed links golden's ro-after-init-mixed scenario with GNU ld: every
// kind of in-section cause, and a script cause between sections.
func linkMixed(t *testing.T) *Layout {
	t.Helper()
	a := mustArch(t, "x86_64")
	needLinker(t, a, arches.LinkerBFD)
	s, err := synth.ParseFile("../../golden/testdata/scenarios/ro-after-init-mixed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := ldrun.LinkScenario(context.Background(), s, ldrun.Options{Arch: a, Linker: arches.LinkerBFD})
	if err != nil {
		t.Fatal(err)
	}
	return res.Layout
}

// TestCheckCatchesWrongCauses takes a correct layout, breaks one claim at
// a time, and expects Check to say what is wrong: a cause naming an
// alignment the objects, the scenario or the script do not have, padding
// that is not there, a byte labelled twice.
func TestCheckCatchesWrongCauses(t *testing.T) {
	good := linkMixed(t)
	if err := good.Check(); err != nil {
		t.Fatalf("the correct layout fails: %v", err)
	}
	hole := func(l *Layout, after string) *Hole {
		for i := range l.Holes {
			if l.Holes[i].After == after {
				return &l.Holes[i]
			}
		}
		t.Fatalf("no hole before %s", after)
		return nil
	}
	cases := []struct {
		name  string
		break_ func(l *Layout)
		want  string
	}{
		{"input section's alignment", func(l *Layout) { hole(l, "vdso_flag").Align = 8192 },
			"vdso.o(.data..ro_after_init) is aligned to 8192; the object's section headers say 4096"},
		{"symbol's alignment", func(l *Layout) { hole(l, "init_cacheline").Align = 32 },
			"symbol init_cacheline is aligned to 32; the scenario declares 64"},
		{"script line", func(l *Layout) { hole(l, "start of .data").Script = "link.lds:35: . = ALIGN(4096)" },
			`line 35 of link.lds has no ". = ALIGN(4096)"`},
		{"script alignment", func(l *Layout) { hole(l, "start of .data").Align = 16 },
			"not smaller than the alignment 16"},
		{"a cause of no kind", func(l *Layout) { hole(l, "init_table").Kind = "unknown" },
			`has a cause of kind "unknown"`},
		{"padding that is content", func(l *Layout) { l.Holes = l.Holes[1:] },
			"holes inside sections add up to"},
		{"a byte labelled twice", func(l *Layout) { h := hole(l, "init_table"); h.Addr--; h.Size++; l.Padding++; l.Bytes.Padding++; bump(l, ".rodata") },
			"not each labelled once"},
		{"inferred in a complete link", func(l *Layout) { h := hole(l, "vdso_flag"); h.Inferred = true },
			"inferred cause"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := linkMixed(t)
			c.break_(l)
			err := l.Check()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Check() = %v, want it to say %q", err, c.want)
			}
		})
	}
}

// bump counts one more padding byte in section name, as a layout that
// labels a symbol's byte as padding too would.
func bump(l *Layout, name string) {
	for i := range l.Sections {
		if l.Sections[i].Name == name {
			l.Sections[i].Bytes.Padding++
			l.Sections[i].Bytes.Symbols--
			l.Bytes.Symbols--
		}
	}
}
