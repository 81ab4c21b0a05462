package ldrun_test

import (
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
)

// TestBuiltinScriptsSayTheirRelease checks every built-in script's header
// names the release it follows, and that where it departs from 6.1
// (arm64's own .data..ro_after_init section) it says so.
func TestBuiltinScriptsSayTheirRelease(t *testing.T) {
	forEachBuiltinScript(t, func(a *arches.Arch, name, text string) {
		header, _, _ := strings.Cut(text, "*/")
		if !strings.Contains(header, " * Follows Linux 6.1") {
			t.Errorf("%s for %s: header does not name the release it follows:\n%s", name, a.Name, header)
		}
		// Only arm64's own .data..ro_after_init section departs from
		// 6.1; s390x has one in 6.1 already.
		wantDeparts := a.Name == "arm64" || a.Name == "arm64be"
		if departs := strings.Contains(header, "after 6.1: .data..ro_after_init"); departs != wantDeparts {
			t.Errorf("%s for %s: header says it departs from 6.1: %v, want %v:\n%s", name, a.Name, departs, wantDeparts, header)
		}
	})
}

// forEachBuiltinScript calls f with every built-in script (none aside)
// rendered for every target at its default page size.
func forEachBuiltinScript(t *testing.T, f func(a *arches.Arch, name, text string)) {
	t.Helper()
	for _, a := range arches.All() {
		for _, name := range ldrun.ScriptNames() {
			if name == ldrun.ScriptNone {
				continue
			}
			text, err := ldrun.Script(name, a, 0)
			if err != nil {
				t.Fatal(err)
			}
			f(a, name, text)
		}
	}
}
