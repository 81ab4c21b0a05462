package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/internal/kfixtures"
	"github.com/elfsynth/elfsynth/ldrun/layout"
)

// kernelDiff runs diff on two variants of arch's kernel fixture and
// returns the text, with the images' temporary paths replaced by
// ARCH/VARIANT, and the JSON.
func kernelDiff(t *testing.T, arch, old, new string) (string, *layout.Comparison) {
	t.Helper()
	oldImage, newImage := kfixtures.Image(t, arch, old), kfixtures.Image(t, arch, new)
	args := []string{"diff", oldImage, newImage, "--old-map", kfixtures.Map(t, arch, old), "--new-map", kfixtures.Map(t, arch, new)}
	rc, text, errs := runCmd(run, args...)
	require.Equal(t, exitOK, rc, errs)
	text = strings.NewReplacer(oldImage, arch+"/"+old+"/vmlinux", newImage, arch+"/"+new+"/vmlinux").Replace(text)
	rc, js, errs := runCmd(run, append(args, "--json")...)
	require.Equal(t, exitOK, rc, errs)
	var c layout.Comparison
	require.NoError(t, json.Unmarshal([]byte(js), &c))
	return text, &c
}

// pagesOf is the number of pages of a permission on one side.
func pagesOf(ps []layout.PermPages, p layout.Perm) uint64 {
	for _, x := range ps {
		if x.Perm == p {
			return x.Pages
		}
	}
	return 0
}

// TestDiffKernelFixtures diffs the real tinyconfig kernels: base against
// the founding change, and the change against the fix. The text is pinned
// in testdata/diff/kernel; in the JSON, the padding's change is the sum of
// the holes the diff names; the change adds a hole of about a page before
// the page-aligned array and more ro_after_init pages, and the fix takes
// both back; on arm64 the change grows a segment by its 64 KiB alignment.
func TestDiffKernelFixtures(t *testing.T) {
	for _, arch := range kfixtures.Arches() {
		t.Run(arch, func(t *testing.T) {
			t.Parallel()
			for _, pair := range [][2]string{{"base", "change"}, {"change", "fix"}} {
				text, c := kernelDiff(t, arch, pair[0], pair[1])
				checkGolden(t, filepath.Join("testdata", "diff", "kernel", arch+"."+pair[0]+"-"+pair[1]+".txt"), text)
				var holes int64
				var arrayHole *layout.Change
				for i, ch := range c.Changes {
					if strings.HasPrefix(string(ch.Kind), "hole-") {
						holes += ch.Delta
					}
					if ch.Symbol == "zp_test_page" && strings.HasPrefix(string(ch.Kind), "hole-") {
						arrayHole = &c.Changes[i]
					}
				}
				require.Equal(t, int64(c.New.Padding)-int64(c.Old.Padding), holes, "%s: the holes add up to the padding's change", pair)
				require.NotNil(t, arrayHole, "%s: no change to the hole before zp_test_page: %+v", pair, c.Changes)
				oldRO, newRO := pagesOf(c.Old.Pages, layout.PermROAfterInit), pagesOf(c.New.Pages, layout.PermROAfterInit)
				if pair[0] == "base" {
					require.Equal(t, layout.ChangeHoleAdded, arrayHole.Kind)
					require.GreaterOrEqual(t, arrayHole.New.N, uint64(2048), "about a page before the array")
					require.Greater(t, newRO, oldRO, "the change costs ro_after_init pages")
					if arch == "arm64" {
						// A 1864-byte hole, yet the init memory, the data
						// and the end move by the 64 KiB segment alignment.
						requireLandmarksMoved(t, c, 64<<10, "__init_begin", "_sdata", "_end")
					}
				} else {
					require.Equal(t, layout.ChangeHoleRemoved, arrayHole.Kind)
					require.Less(t, newRO, oldRO, "the fix gives the ro_after_init pages back")
				}
			}
		})
	}
}

// requireLandmarksMoved checks that each landmark named moved by n bytes.
// all of them, grew by at least n bytes.
func requireLandmarksMoved(t *testing.T, c *layout.Comparison, n int64, names ...string) {
	t.Helper()
	moved := map[string]int64{}
	for _, ch := range c.Changes {
		if ch.Kind == layout.ChangeLandmark {
			moved[ch.Symbol] = ch.Delta
		}
	}
	for _, name := range names {
		if moved[name] != n {
			t.Errorf("%s moved by %d, want %d: %+v", name, moved[name], n, moved)
		}
	}
}
