package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/atomicfile"
	"github.com/elfsynth/elfsynth/internal/linkertest"
	"github.com/elfsynth/elfsynth/internal/textdiff"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata from the linkers installed here")

// founding is the founding case's scenario file for a variant's name.
func founding(file string) string { return filepath.Join("..", "..", "ldrun", "founding", file) }

// linkerFor is the linker a target's golden diff uses: GNU ld, or the
// pinned lld where GNU ld does not link for it.
func linkerFor(a *arches.Arch) arches.Linker {
	if a.Supports(arches.LinkerBFD) {
		return arches.LinkerBFD
	}
	return arches.LLDVersion(ldrun.DefaultLLD)
}

// checkGolden compares got with the golden file, or rewrites it under
// -update.
func checkGolden(t *testing.T, path string, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, atomicfile.Write(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no golden file; run go test ./cmd/elfsynth -run '%s' -update", t.Name())
	if d := textdiff.Unified(path, "elfsynth diff", string(want), got); d != "" {
		t.Errorf("output differs from %s (-want +got); if the change is right, run go test ./cmd/elfsynth -run Diff -update:\n%s", path, d)
	}
}

// TestDiffFoundingCase is `elfsynth diff` of the founding case, before the
// fix (kernel script) and after it (kernel-fixed), on every target: the
// text is pinned in testdata/diff/zero-page, and the JSON's holes add up
// to the padding's change, which is at least a page less.
func TestDiffFoundingCase(t *testing.T) {
	for _, a := range arches.All() {
		l := linkerFor(a)
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			linkertest.Need(t, a, l)
			args := []string{"diff", "--arch", a.Name, "--linker", l.String(), "--old-script", ldrun.ScriptKernel,
				"--new-script", ldrun.ScriptKernelFixed, founding("zero-page-before.yaml"), founding("zero-page-after.yaml")}
			rc, out, errs := runCmd(run, args...)
			require.Equal(t, exitOK, rc, errs)
			checkGolden(t, filepath.Join("testdata", "diff", "zero-page", a.Name+".txt"), out)

			rc, out, errs = runCmd(run, append(args, "--json")...)
			require.Equal(t, exitOK, rc, errs)
			var c layout.Comparison
			require.NoError(t, json.Unmarshal([]byte(out), &c))
			var holes int64
			removed := false
			for _, ch := range c.Changes {
				if strings.HasPrefix(string(ch.Kind), "hole-") {
					holes += ch.Delta
				}
				removed = removed || ch.Kind == layout.ChangeHoleRemoved && ch.Symbol == "empty_zero_page"
			}
			require.Equal(t, int64(c.New.Padding)-int64(c.Old.Padding), holes, "the holes add up to the padding's change")
			require.LessOrEqual(t, int64(c.New.Padding)+int64(a.DefaultPageSize()), int64(c.Old.Padding), "the fix saves at least a page")
			require.True(t, removed, "the hole before empty_zero_page goes: %+v", c.Changes)
		})
	}
}

// TestDiffSelf: an image diffed with itself has no differences and exits 0;
// bad input exits 2 with one message.
func TestDiffSelf(t *testing.T) {
	a, _ := arches.Lookup("x86_64")
	linkertest.Need(t, a, arches.LinkerBFD)
	img := filepath.Join(t.TempDir(), "vmlinux")
	rc, _, errs := runCmd(run, "link", "--arch", "x86_64", "-o", img, founding("zero-page-before.yaml"))
	require.Equal(t, exitOK, rc, errs)
	rc, out, errs := runCmd(run, "diff", img, img)
	require.Equal(t, exitOK, rc, errs)
	require.Equal(t, fmt.Sprintf("--- %s\n+++ %s\nno differences\n", img, img), out)
	rc, out, _ = runCmd(run, "diff", "--json", img, img)
	require.Equal(t, exitOK, rc)
	require.Contains(t, out, `"changes": []`)

	// Two linkers: diff shows everything unless --ignore says otherwise;
	// --ignore default hides what linker comparisons hide.
	two := []string{"diff", "--arch", "x86_64", "--old-linker", "bfd", "--new-linker", "gold", founding("zero-page-before.yaml")}
	linkertest.Need(t, a, arches.LinkerGold)
	rc, out, errs = runCmd(run, two...)
	require.Equal(t, exitOK, rc, errs)
	require.Regexp(t, `absolute +\*ABS\* +__end_rodata +\.data\+0x0 +\*ABS\* 0xffffffff81004000`, out)
	rc, out, errs = runCmd(run, append(two, "--ignore", "default")...)
	require.Equal(t, exitOK, rc, errs)
	require.Contains(t, out, "no differences\nhidden: ")

	scen := founding("zero-page-before.yaml")
	for _, args := range [][]string{
		{img},
		{img, filepath.Join(t.TempDir(), "missing")},
		{img, scen},
		{"--old-script", "kernel", img, img},
		{"--ignore", "bogus-kind", img, img},
		{"--arch", "x86_64", "--old-objects", img, scen},
		{"--arch", "x86_64", "--old-script", "kernal", scen},
		{"--arch", "x86_64", "--linker", "mold", scen},
	} {
		rc, out, errs := runCmd(run, append([]string{"diff"}, args...)...)
		require.Equal(t, exitUsage, rc, "diff %q: %s", args, errs)
		require.Empty(t, out)
		require.Equal(t, 1, strings.Count(errs, "\n"), "one message: %q", errs)
	}
}
