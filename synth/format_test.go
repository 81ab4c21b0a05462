package synth

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestFormatRoundTrips writes every golden scenario and the founding case
// and reads each back to the same scenario.
func TestFormatRoundTrips(t *testing.T) {
	files, _ := filepath.Glob("../golden/testdata/scenarios/*.yaml")
	more, _ := filepath.Glob("../ldrun/founding/*.yaml")
	files = append(files, more...)
	if len(files) < 5 {
		t.Fatalf("found %d scenarios", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Parse(f, src)
		if err != nil {
			t.Fatal(err)
		}
		out := Format(s, "written by a test\n\nround trip")
		back, err := Parse(f, out)
		if err != nil {
			t.Fatalf("%s: reading back:\n%s\n%v", f, out, err)
		}
		clearPos(s)
		clearPos(back)
		if !reflect.DeepEqual(s, back) {
			t.Errorf("%s: round trip differs:\n%s", f, out)
		}
	}
}

func TestFormatQuotesWhatYAMLWouldMisread(t *testing.T) {
	s := &Scenario{Units: []Unit{{Name: "yes", Sections: []Section{{Name: ".data", Flags: "aw", Align: Bytes(8),
		Symbols: []Symbol{{Name: "true", Size: Bytes(8)}, {Name: "a$b.c", Size: Amount{Bytes: 100, Pages: 2}, Bind: "local", Fill: 0xaa}}}}}}}
	out := Format(s, "")
	back, err := Parse("x.yaml", out)
	if err != nil {
		t.Fatalf("%s\n%v", out, err)
	}
	clearPos(back)
	back.File = ""
	if !reflect.DeepEqual(s, back) {
		t.Errorf("round trip differs:\n%s", out)
	}
}

func clearPos(s *Scenario) {
	for i := range s.Units {
		u := &s.Units[i]
		u.Pos = Pos{}
		for j := range u.Sections {
			sec := &u.Sections[j]
			sec.Pos = Pos{}
			for k := range sec.Symbols {
				sec.Symbols[k].Pos = Pos{}
			}
		}
	}
}
