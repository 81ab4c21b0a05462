package ldrun

import (
	"slices"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
)

// TestKernelLinkersLeaveGoldOut: under a user's kernel script the
// default linkers are those Linux links with; gold only when asked.
func TestKernelLinkersLeaveGoldOut(t *testing.T) {
	a := mustArch(t, "x86_64")
	needLinker(t, a, arches.LinkerGold)
	needLinker(t, a, arches.LinkerBFD)
	if got := kernelLinkers(a, nil); slices.Contains(got, arches.LinkerGold) || !slices.Contains(got, arches.LinkerBFD) {
		t.Errorf("default linkers %v, want bfd and no gold", got)
	}
	if got := kernelLinkers(a, []arches.Linker{arches.LinkerGold}); !slices.Equal(got, []arches.Linker{arches.LinkerGold}) {
		t.Errorf("asked for gold, got %v", got)
	}
}
