package golden_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/golden"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/ldrun"
)

// TestZeroPageMatrix is the founding case on every target, linker and page
// size installed: before the fix at least a page of padding on every row,
// after it none, with empty_zero_page first in read-only data.
func TestZeroPageMatrix(t *testing.T) {
	rows, err := golden.ZeroPage(context.Background(), golden.ReproOptions{Arches: arches.All()})
	require.NoError(t, err)
	links := map[string]int{}
	for _, r := range rows {
		require.Empty(t, r.Error, "%s %s %d %s", r.Arch, r.Linker, r.PageSize, r.Variant)
		links[r.Variant]++
		what := r.Arch + " " + r.Linker + " " + r.Variant
		switch r.Variant {
		case "before":
			require.GreaterOrEqual(t, r.Padding, r.PageSize, what)
			require.Equal(t, "R-- after init", r.RuntimePerm, what)
		case "after", "own-section":
			require.Zero(t, r.Padding, what)
			require.Equal(t, "R--", r.RuntimePerm, what)
		case "no-script-line":
			require.NotZero(t, r.Padding, what)
		}
	}
	require.Equal(t, expectedLinks(t), links["before"], "links per variant")
}

// expectedLinks counts target, script-taking linker and page size
// combinations; a linker that is not installed is a skip, or a failure when
// toolchains are required.
func expectedLinks(t *testing.T) int {
	n := 0
	for _, a := range arches.All() {
		for _, l := range a.Linkers {
			if l == arches.Mold {
				continue
			}
			if _, err := ldrun.Find(a, l); err != nil {
				toolcheck.Missing(t, "%v", err)
				continue
			}
			n += len(a.PageSizes)
		}
	}
	return n
}
