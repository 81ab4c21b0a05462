package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestArchesListsLinkerVersions: `arches --json` lists every installed
// lld as a linker of its own, with its version line and path, and marks
// the one plain "lld" means; the text table shows the release numbers.
func TestArchesListsLinkerVersions(t *testing.T) {
	dir := t.TempDir()
	for name, v := range map[string]string{
		"ld.lld-16":               "Debian LLD 16.0.6 (compatible with GNU linkers)",
		"ld.lld-19":               "Debian LLD 19.1.7 (compatible with GNU linkers)",
		"x86_64-linux-gnu-ld.bfd": "GNU ld (GNU Binutils for Debian) 2.40",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\necho '"+v+"'\n"), 0o755))
	}
	t.Setenv("PATH", dir)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("ELFSYNTH_LLD", "")

	rc, stdout, stderr := runCmd(run, "arches", "--json")
	require.Equal(t, exitOK, rc, stderr)
	var rows []archRow
	require.NoError(t, json.Unmarshal([]byte(stdout), &rows))
	byName := map[string]archRow{}
	for _, r := range rows {
		byName[r.Name] = r
	}
	require.Equal(t, []linkerRow{
		{Name: "bfd", Version: "GNU ld (GNU Binutils for Debian) 2.40", Path: filepath.Join(dir, "x86_64-linux-gnu-ld.bfd")},
		{Name: "lld-16", Version: "Debian LLD 16.0.6 (compatible with GNU linkers)", Path: filepath.Join(dir, "ld.lld-16")},
		{Name: "lld-19", Version: "Debian LLD 19.1.7 (compatible with GNU linkers)", Path: filepath.Join(dir, "ld.lld-19"), Default: true},
	}, byName["x86_64"].Linkers)
	// s390x links with lld from version 18 on.
	require.Equal(t, []string{"lld-19"}, linkerRowNames(byName["s390x"].Linkers))
	require.Empty(t, byName["m68k"].Linkers)
	require.NotNil(t, byName["m68k"].Linkers, "an empty list, not null")
	// The kernel's own link flags that change layout: x86_64's 2 MiB max
	// page size (arch/x86/Makefile); none on m68k.
	require.Equal(t, []string{"-z", "max-page-size=0x200000"}, byName["x86_64"].KernelLinkFlags)
	require.NotNil(t, byName["m68k"].KernelLinkFlags, "an empty list, not null")

	rc, stdout, stderr = runCmd(run, "arches")
	require.Equal(t, exitOK, rc, stderr)
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "x86_64 ") {
			require.Contains(t, line, "bfd 2.40, lld-16 16.0.6, lld-19 19.1.7 (lld) (bfd,gold,lld,mold)")
			return
		}
	}
	t.Fatalf("no x86_64 row in:\n%s", stdout)
}

func linkerRowNames(rows []linkerRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Name.String())
	}
	return out
}
