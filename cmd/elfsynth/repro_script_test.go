package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReproScriptBadInput: a user script that cannot work is bad input,
// one message naming what is wrong, before anything links.
func TestReproScriptBadInput(t *testing.T) {
	dir := t.TempDir()
	noStart := filepath.Join(dir, "nostart.lds")
	require.NoError(t, os.WriteFile(noStart, []byte("SECTIONS { .rodata : { *(.rodata) } }\n"), 0o644))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--arch", "x86_64", "--fixed-script", noStart}, "--fixed-script goes with --script"},
		{[]string{"--script", noStart}, "give --arch, the target the script is for"},
		{[]string{"--arch", "x86_64", "--script", "kernel"}, "--script takes your kernel's script file"},
		{[]string{"--arch", "x86_64", "--script", filepath.Join(dir, "none.lds")}, "none.lds"},
		{[]string{"--arch", "x86_64", "--script", noStart}, "nostart.lds: it has 0 `__start_rodata = .;` statements"},
	} {
		rc, stdout, stderr := runCmd(run, append([]string{"repro", "zero-page"}, c.args...)...)
		require.Equal(t, exitUsage, rc, "%v: %s", c.args, stderr)
		require.Empty(t, stdout, c.args)
		require.Equal(t, 1, strings.Count(stderr, "\n"), "one message: %q", stderr)
		require.Contains(t, stderr, c.want, c.args)
	}
}

// TestReproUnderAUserScript runs repro with a script file (the built-in
// kernel script, written out) and the fix spliced in: the table says which
// script each variant linked under, and the fix leaves no padding.
func TestReproUnderAUserScript(t *testing.T) {
	needBFD(t)
	script := filepath.Join(t.TempDir(), "vmlinux.lds")
	rc, text, stderr := runCmd(run, "script", "kernel", "--arch", "x86_64")
	require.Equal(t, exitOK, rc, stderr)
	require.NoError(t, os.WriteFile(script, []byte(text), 0o644))
	rc, stdout, stderr := runCmd(run, "repro", "zero-page", "--arch", "x86_64", "--linker", "bfd", "--script", script)
	require.Equal(t, exitOK, rc, stderr)
	require.Contains(t, stdout, "after:             1 links, padding 0 to 0 bytes")
	require.Contains(t, stdout, "(script: vmlinux.lds with *(.rodata..page_aligned) after __start_rodata = .;)")
	require.NotContains(t, stdout, "own-section")
}
