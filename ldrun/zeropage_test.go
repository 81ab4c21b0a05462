package ldrun_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/elfsynth/elfsynth/internal/linkertest"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
)

// TestZeroPageMatrix is the founding case on every target, script-taking
// linker and page size, one linker at a time so that a missing one is
// reported alone: before the fix at least a page of padding on every row;
// after it, and in an output section of its own, none, with
// empty_zero_page read-only; without the script line less than a page
// comes back. SORT_BY_ALIGNMENT moves the page-aligned input section
// first, but the hole before the array inside it (a page less the pfn)
// stays; gold ignores the sort and pays more than a page.
func TestZeroPageMatrix(t *testing.T) {
	for _, a := range arches.All() {
		for _, l := range a.Linkers {
			if l == arches.LinkerMold {
				continue
			}
			t.Run(a.Name+"/"+l.String(), func(t *testing.T) {
				t.Parallel()
				checkZeroPageRows(t, a, l)
			})
		}
	}
}

func checkZeroPageRows(t *testing.T, a *arches.Arch, l arches.Linker) {
	linkertest.Need(t, a, l)
	rows, err := ldrun.ZeroPage(context.Background(), ldrun.ReproOptions{Arches: []*arches.Arch{a}, Linkers: []arches.Linker{l}, Workers: 1})
	require.NoError(t, err)
	require.Len(t, rows, len(a.PageSizes)*len(ldrun.ZeroPageVariants()))
	// A kernel without STRICT_KERNEL_RWX maps all of itself alike.
	perm := func(p layout.Perm) layout.Perm {
		if a.KernelRWX == arches.RWXNever {
			return layout.PermUnprotected
		}
		return p
	}
	for _, r := range rows {
		what := fmt.Sprintf("%s %s %dK %s", r.Arch, r.Linker, r.PageSize>>10, r.Variant)
		require.Empty(t, r.Error, what)
		switch r.Variant {
		case "before":
			require.GreaterOrEqual(t, r.Padding, r.PageSize, what)
			require.Equal(t, perm(layout.PermROAfterInit), r.RuntimePerm, what)
			wantSection := ".rodata"
			if a.Kernel.OwnROAfterInit {
				wantSection = ".data..ro_after_init"
			}
			require.Equal(t, wantSection, r.Section, what)
		case "after", "own-section":
			require.Zero(t, r.Padding, what)
			require.Equal(t, perm(layout.PermRO), r.RuntimePerm, what)
		case "no-script-line":
			require.NotZero(t, r.Padding, what)
			require.Less(t, r.Padding, r.PageSize, what)
			require.Equal(t, perm(layout.PermRO), r.RuntimePerm, what)
		case "sort-by-alignment":
			require.Equal(t, perm(layout.PermROAfterInit), r.RuntimePerm, what)
			require.GreaterOrEqual(t, r.Padding, r.PageSize-8, what+": the hole before the array stays")
			if l == arches.LinkerGold {
				require.Greater(t, r.Padding, r.PageSize, what+": gold ignores SORT_BY_ALIGNMENT")
			}
		default:
			t.Fatalf("%s: unknown variant", what)
		}
	}
}
