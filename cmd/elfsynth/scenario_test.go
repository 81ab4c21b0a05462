package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/synth"
)

// TestScenarioFromAnImage: link writes an image and, through --ld-flag, a
// map; scenario --from takes the region around the array out of them
// into a file that links to the same holes around it.
func TestScenarioFromAnImage(t *testing.T) {
	needBFD(t)
	dir := t.TempDir()
	image, mapFile, out := filepath.Join(dir, "vmlinux"), filepath.Join(dir, "vmlinux.map"), filepath.Join(dir, "region.yaml")
	scenario := writeScenario(t, zeroPageScenario)
	rc, before, stderr := runCmd(run, "link", "--arch", "x86_64", "--ld-flag", "-Map="+mapFile, "-o", image, scenario)
	require.Equal(t, exitOK, rc, stderr)
	rc, stdout, stderr := runCmd(run, "scenario", "--from", image, "--map", mapFile, "--around", "empty_zero_page", "-o", out)
	require.Equal(t, exitOK, rc, stderr)
	require.Empty(t, stdout)
	s, err := synth.ParseFile(out)
	require.NoError(t, err)
	require.Equal(t, "around-empty_zero_page", s.Name)
	rc, after, stderr := runCmd(run, "link", "--arch", "x86_64", out)
	require.Equal(t, exitOK, rc, stderr)
	hole := func(report string) string {
		for _, line := range strings.Split(report, "\n") {
			if strings.Contains(line, "zero_page_pfn .. empty_zero_page") {
				return strings.Fields(line)[1]
			}
		}
		return "none"
	}
	require.Equal(t, hole(before), hole(after))
	require.Equal(t, "4088", hole(after))
}

func TestScenarioBadInput(t *testing.T) {
	dir := t.TempDir()
	notELF := filepath.Join(dir, "not-elf")
	require.NoError(t, os.WriteFile(notELF, []byte("hello"), 0o644))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--around", "x", "--map", notELF}, "--from IMAGE is required"},
		{[]string{"--from", notELF, "--map", notELF}, "--around SYMBOL is required"},
		{[]string{"--from", notELF, "--around", "x"}, "--map MAP is required"},
		{[]string{"--from", filepath.Join(dir, "none"), "--around", "x", "--map", notELF}, "none"},
		{[]string{"--from", notELF, "--around", "x", "--map", notELF}, "not a link map"},
		{[]string{"--from", notELF, "--around", "x", "--map", notELF, "--context", "0"}, "--context 0"},
	} {
		rc, stdout, stderr := runCmd(run, append([]string{"scenario"}, c.args...)...)
		require.Equal(t, exitUsage, rc, "%v: %s", c.args, stderr)
		require.Empty(t, stdout)
		require.Equal(t, 1, strings.Count(stderr, "\n"), "one message: %q", stderr)
		require.Contains(t, stderr, c.want, c.args)
	}
}
