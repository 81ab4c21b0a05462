package ldrun_test

import (
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

// scenarioInputs synthesizes one of the golden scenarios for a target and
// page size (zero: the target's default).
func scenarioInputs(t testing.TB, name string, a *arches.Arch, page uint64) *synth.Inputs {
	t.Helper()
	s, err := ldrun.FoundingScenario(name)
	if err != nil {
		s, err = synth.ParseFile("../golden/testdata/scenarios/" + name)
	}
	if err != nil {
		t.Fatal(err)
	}
	in, err := synth.BuildInputs(s, a, page)
	if err != nil {
		t.Fatal(err)
	}
	return in
}
