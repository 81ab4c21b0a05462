package report_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/ldrun/report"
	"github.com/elfsynth/elfsynth/synth"
)

// TestLayoutJSONStreamsTheSameBytes: the streamed JSON of a layout is
// byte for byte what encoding it whole gives, with and without symbols,
// holes and content.
func TestLayoutJSONStreamsTheSameBytes(t *testing.T) {
	a, _ := arches.Lookup("x86_64")
	s, err := synth.ParseFile("../../golden/testdata/scenarios/ro-after-init-mixed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := ldrun.LinkScenario(context.Background(), s, ldrun.Options{Arch: a, Linker: arches.LinkerBFD})
	if errors.Is(err, ldrun.ErrNotInstalled) {
		toolcheck.Missing(t, "%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	empty := *res.Layout
	empty.Symbols, empty.Holes, empty.Content = []layout.Symbol{}, []layout.Hole{}, []layout.Content{}
	layouts := []*layout.Layout{res.Layout, &empty}
	if p := os.Getenv("ELFSYNTH_DISTRO_VMLINUX"); p != "" && !testing.Short() {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		l, err := layout.Read(f, layout.Sources{})
		if err != nil {
			t.Fatal(err)
		}
		layouts = append(layouts, l)
	}
	for _, l := range layouts {
		var whole, streamed bytes.Buffer
		if err := report.JSON(&whole, l); err != nil {
			t.Fatal(err)
		}
		if err := report.LayoutJSON(&streamed, l); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(whole.Bytes(), streamed.Bytes()) {
			i := 0
			for i < min(whole.Len(), streamed.Len()) && whole.Bytes()[i] == streamed.Bytes()[i] {
				i++
			}
			t.Errorf("streamed JSON differs at byte %d: %q vs %q", i, whole.Bytes()[i:min(i+80, whole.Len())],
				streamed.Bytes()[i:min(i+80, streamed.Len())])
		}
	}
}
