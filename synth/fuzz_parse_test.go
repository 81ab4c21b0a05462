package synth

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error is an *Error
// naming the file and, for non-empty input, a line, and that whatever parses
// also validates.
func FuzzParse(f *testing.F) {
	f.Add([]byte(zeroPageYAML))
	f.Add([]byte(zeroPageJSON))
	f.Add([]byte("units:\n- name: a.o\n  sections:\n  - name: .data\n"))
	// The malformed scenarios make good seeds too.
	bad, _ := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	for _, path := range bad {
		if src, err := os.ReadFile(path); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Parse("fuzz.yaml", src)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			if e.File != "fuzz.yaml" || !strings.HasPrefix(e.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", e)
			}
			if len(src) > 0 && e.Pos.Line <= 0 {
				t.Fatalf("error without a line: %v", e)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("parsed scenario does not validate: %v", err)
		}
		if s.File != "fuzz.yaml" || len(s.Units) == 0 {
			t.Fatalf("parsed scenario without file or units: %+v", s)
		}
		// Later stages place their messages with these positions.
		for _, u := range s.Units {
			for _, sec := range u.Sections {
				for _, sym := range sec.Symbols {
					if u.Pos.Line <= 0 || sec.Pos.Line <= 0 || sym.Pos.Line <= 0 {
						t.Fatalf("unplaced unit, section or symbol in %+v", u)
					}
				}
			}
		}
	})
}
