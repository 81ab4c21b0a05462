package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/linkertest"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
)

// fakeLinkers puts programs first on PATH, named for x86_64 (ld.bfd,
// ld.gold), that answer --version and otherwise fail as a refusing linker
// does.
func fakeLinkers(t *testing.T, tools ...string) {
	dir := t.TempDir()
	fake := "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'fake ld 1.0'; exit 0; fi\necho 'ld: relocation R_FAKE out of range' >&2\nexit 1\n"
	for _, tool := range tools {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "x86_64-linux-gnu-"+tool), []byte(fake), 0o755))
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
}

// matrixJSON runs link with args and --json and reads what it prints.
func matrixJSON(t *testing.T, wantRC int, args ...string) matrixResult {
	t.Helper()
	rc, out, errs := runCmd(run, append([]string{"link", "--json"}, args...)...)
	require.Equal(t, wantRC, rc, errs)
	var r matrixResult
	require.NoError(t, json.Unmarshal([]byte(out), &r), out)
	return r
}

// TestLinkAllOneLinkerFails: with GNU ld refusing the input, --linker all
// still links with the others, shows bfd as a row with its error, compares
// the rest with the first that linked, and exits 0; when every linker
// fails, the rows are still printed and the exit status is 1.
func TestLinkAllOneLinkerFails(t *testing.T) {
	x, _ := arches.Lookup("x86_64")
	linkertest.Need(t, x, arches.LinkerGold)
	fakeLinkers(t, "ld.bfd")
	scen := founding("zero-page-before.yaml")

	r := matrixJSON(t, exitOK, "--arch", "x86_64", "--linker", "all", scen)
	require.Greater(t, len(r.Rows), 2, "bfd, gold and at least one lld")
	require.Equal(t, "bfd", r.Rows[0].Linker)
	require.Contains(t, r.Rows[0].Error, "exit status 1")
	require.Contains(t, r.Rows[0].Error, "R_FAKE out of range")
	require.Nil(t, r.Rows[0].Layout)
	for _, row := range r.Rows[1:] {
		require.Empty(t, row.Error, row.Linker)
		require.NotNil(t, row.Layout, row.Linker)
		// The founding case's two holes at least; whether the page-aligned
		// end of rodata counts depends on whether the linker puts the empty
		// sections after it in a segment.
		require.GreaterOrEqual(t, row.Padding, uint64(3936+4088), row.Linker)
	}
	require.Len(t, r.Comparisons, len(r.Rows)-2, "every linker that linked but the reference")
	for _, c := range r.Comparisons {
		require.Equal(t, "gold", c.OldName, "the reference is the first linker that linked")
	}

	rc, out, _ := runCmd(run, "link", "--arch", "x86_64", "--linker", "all", scen)
	require.Equal(t, exitOK, rc)
	require.Regexp(t, `x86_64  bfd +4K +- +- +- +failed: linker failed \(exit status 1\)\n`, out)
	require.Contains(t, out, "combinations: ")
	require.Contains(t, out, ", 1 failed;")
	require.Contains(t, out, "\nfailed: x86_64 bfd 4K:\n  linker failed (exit status 1)")
	require.Contains(t, out, "from x86_64 4K gold")

	fakeLinkers(t, "ld.bfd", "ld.gold")
	rc, out, errs := runCmd(run, "link", "--arch", "x86_64", "--linker", "bfd,gold", scen)
	require.Equal(t, exitFail, rc)
	require.Contains(t, errs, "every combination failed")
	require.Contains(t, out, "2 combinations, all failed")
	require.Contains(t, out, "failed: x86_64 gold 4K:")
}

// TestLinkMatrix: --arch, --linker and --page-size as lists and all give a
// row per combination, in order, and a comparison per target and page
// size with the first linker.
func TestLinkMatrix(t *testing.T) {
	for _, name := range []string{"x86_64", "arm64"} {
		a, _ := arches.Lookup(name)
		linkertest.Need(t, a, arches.LinkerBFD)
		linkertest.Need(t, a, arches.LinkerGold)
	}
	r := matrixJSON(t, exitOK, "--arch", "x86_64,arm64", "--linker", "bfd,gold", "--page-size", "all", founding("zero-page-before.yaml"))
	var got []string
	for _, row := range r.Rows {
		require.Empty(t, row.Error)
		require.Equal(t, row.PageSize, row.Layout.PageSize)
		got = append(got, row.Arch+" "+row.Linker+" "+pageLabel(row.PageSize))
	}
	require.Equal(t, []string{"x86_64 bfd 4K", "x86_64 gold 4K", "arm64 bfd 4K", "arm64 gold 4K",
		"arm64 bfd 16K", "arm64 gold 16K", "arm64 bfd 64K", "arm64 gold 64K"}, got)
	require.Len(t, r.Comparisons, 4)
	for _, c := range r.Comparisons {
		require.Equal(t, "bfd", c.OldName)
		require.Equal(t, "gold", c.NewName)
	}
	rc, _, errs := runCmd(run, "link", "--arch", "x86_64,arm64", "--page-size", "3", founding("zero-page-before.yaml"))
	require.Equal(t, exitUsage, rc, errs)
	rc, _, errs = runCmd(run, "link", "--arch", "x86_64", "--linker", "bfd,gold", "--page-size", "16K", founding("zero-page-before.yaml"))
	require.Equal(t, exitUsage, rc, errs)
}

func pageLabel(n uint64) string { return fmt.Sprintf("%dK", n>>10) }

// TestLinkerDifferencesByDefault: a comparison of linkers hides what is
// cosmetic (gold's absolute __end_rodata, counted in the footer) and shows
// what is real: gold ignores SORT_BY_ALIGNMENT; on mips lld keeps a .got
// that GNU ld drops, a page more of data.
func TestLinkerDifferencesByDefault(t *testing.T) {
	x, _ := arches.Lookup("x86_64")
	linkertest.Need(t, x, arches.LinkerBFD)
	linkertest.Need(t, x, arches.LinkerGold)
	scen := founding("zero-page-before.yaml")
	r := matrixJSON(t, exitOK, "--arch", "x86_64", "--linker", "bfd,gold", scen)
	require.Empty(t, r.Comparisons[0].Changes)
	require.NotZero(t, r.Comparisons[0].Hidden[layout.ChangeSymbolAbsolute])
	rc, out, _ := runCmd(run, "link", "--arch", "x86_64", "--linker", "bfd,gold", scen)
	require.Equal(t, exitOK, rc)
	require.Contains(t, out, "no differences from x86_64 4K bfd: gold")
	require.Regexp(t, `hidden: \d+ \(.*symbol-absolute.*; show them with --ignore none\)`, out)

	r = matrixJSON(t, exitOK, "--arch", "x86_64", "--linker", "bfd,gold", "--ignore", "none", scen)
	require.True(t, hasChange(r.Comparisons[0].Changes, layout.ChangeSymbolAbsolute, "__end_rodata"), "%+v", r.Comparisons[0].Changes)

	// bfd sorts a.o's and c.o's ro_after_init data after the page-aligned
	// section; gold leaves them first: one run of symbols moved, and the
	// hole before mm_init.o's section shrinks.
	r = matrixJSON(t, exitOK, "--arch", "x86_64", "--linker", "bfd,gold", "--script", ldrun.ScriptKernelSorted, scen)
	c := r.Comparisons[0]
	require.True(t, hasChange(c.Changes, layout.ChangeSymbolShift, "a_ro_after_init"), "%+v", c.Changes)
	require.True(t, hasChange(c.Changes, layout.ChangeHoleShrunk, "zero_page_pfn"), "%+v", c.Changes)

	m, _ := arches.Lookup("mips")
	lld := arches.LLDVersion(ldrun.DefaultLLD)
	linkertest.Need(t, m, arches.LinkerBFD)
	linkertest.Need(t, m, lld)
	r = matrixJSON(t, exitOK, "--arch", "mips", "--linker", "bfd,"+lld.String(), scen)
	c = r.Comparisons[0]
	require.True(t, hasChangeIn(c.Changes, layout.ChangeSectionAdded, ".got"), "%+v", c.Changes)
	require.Equal(t, int64(m.DefaultPageSize()), int64(c.New.LoadSize)-int64(c.Old.LoadSize), "the .got costs a page")

	rc, _, _ = runCmd(run, "link", "--arch", "x86_64", "--linker", "bfd,gold", "--ignore", "bogus", scen)
	require.Equal(t, exitUsage, rc)
}

func hasChange(cs []layout.Change, k layout.ChangeKind, symbol string) bool {
	for _, c := range cs {
		if c.Kind == k && (symbol == "" || c.Symbol == symbol) {
			return true
		}
	}
	return false
}

func hasChangeIn(cs []layout.Change, k layout.ChangeKind, section string) bool {
	for _, c := range cs {
		if c.Kind == k && c.Section == section {
			return true
		}
	}
	return false
}
