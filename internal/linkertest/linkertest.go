// Package linkertest lets tests outside ldrun ask for a linker: a linker
// that is not installed skips the test (or fails it when toolchains are
// required, see toolcheck), and any other error fails it, so that an
// installed but broken linker is never mistaken for a missing one.
package linkertest

import (
	"errors"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/ldrun"
)

// Need returns the linker l for a, or ends t: skipped when l is not
// installed and not required, failed otherwise.
func Need(t testing.TB, a *arches.Arch, l arches.Linker) *ldrun.Tool {
	t.Helper()
	tool, err := ldrun.Find(a, l)
	switch {
	case err == nil:
		return tool
	case errors.Is(err, ldrun.ErrNotInstalled) && !toolcheck.RequiredLinker(l):
		t.Skipf("%v", err)
	default:
		t.Fatalf("%v", err)
	}
	return nil
}

// Arch returns the target called name, or fails t.
func Arch(t testing.TB, name string) *arches.Arch {
	t.Helper()
	a, err := arches.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
