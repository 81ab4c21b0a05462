package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/linkertest"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
)

// TestReproOneLinkerFails: with GNU ld refusing, repro still links every
// variant with gold, shows bfd's rows as failures and exits 0; when every
// link fails it prints the table and exits 1.
func TestReproOneLinkerFails(t *testing.T) {
	x, _ := arches.Lookup("x86_64")
	linkertest.Need(t, x, arches.LinkerGold)
	fakeLinkers(t, "ld.bfd")
	rc, out, errs := runCmd(run, "repro", "zero-page", "--arch", "x86_64", "--linker", "bfd,gold", "--json")
	require.Equal(t, exitOK, rc, errs)
	var rows []ldrun.ReproRow
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	require.Len(t, rows, 2*len(ldrun.ZeroPageVariants()))
	for _, r := range rows {
		if r.Linker == "bfd" {
			require.Contains(t, r.Error, "exit status 1", r.Variant)
		} else {
			require.Empty(t, r.Error, r.Variant)
			require.NotZero(t, r.Addr, r.Variant)
		}
	}
	rc, out, _ = runCmd(run, "repro", "zero-page", "--arch", "x86_64", "--linker", "bfd,gold")
	require.Equal(t, exitOK, rc)
	require.Regexp(t, `x86_64 +bfd +4K +link failed +link failed`, out)
	require.Contains(t, out, "failed: x86_64 bfd 4K before: linker failed (exit status 1)")

	fakeLinkers(t, "ld.bfd", "ld.gold")
	rc, out, errs = runCmd(run, "repro", "zero-page", "--arch", "x86_64", "--linker", "bfd,gold")
	require.Equal(t, exitFail, rc)
	require.Contains(t, errs, "every link failed")
	require.Contains(t, out, "failed: x86_64 gold 4K after:")
}

// TestReproComparesLinkers: each row records how its layout differs from
// the first linker's for the same target, page size and variant: on mips
// lld's .got, in the records of elfsynth diff, summed up under the table.
func TestReproComparesLinkers(t *testing.T) {
	m, _ := arches.Lookup("mips")
	lld := arches.LLDVersion(ldrun.DefaultLLD)
	linkertest.Need(t, m, arches.LinkerBFD)
	linkertest.Need(t, m, lld)
	args := []string{"repro", "zero-page", "--arch", "mips", "--linker", "bfd," + lld.String(), "--page-size", "4K"}
	rc, out, errs := runCmd(run, append(args, "--json")...)
	require.Equal(t, exitOK, rc, errs)
	var rows []ldrun.ReproRow
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	for _, r := range rows {
		if r.Linker == "bfd" {
			require.Empty(t, r.Differences, r.Variant)
			continue
		}
		require.Equal(t, "bfd", r.ComparedWith, r.Variant)
		require.True(t, hasChangeIn(r.Differences, layout.ChangeSectionAdded, ".got"), "%s: %+v", r.Variant, r.Differences)
		require.NotZero(t, r.Hidden[layout.ChangeSymbolAbsolute]+r.Hidden[layout.ChangeSymbolBoundary], r.Variant)
	}
	rc, out, errs = runCmd(run, args...)
	require.Equal(t, exitOK, rc, errs)
	require.Regexp(t, `mips: lld-19 differs from bfd by .*1 section-added`, out)
	require.Contains(t, out, "show them with --ignore none")
}
