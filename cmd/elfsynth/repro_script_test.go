package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/ldrun/layout"
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

// realishScript needs two symbols the scenario lacks: the entry point,
// which belongs in .head.text, and one named in an assignment.
const realishScript = `ENTRY(phys_startup)
jiffies = jiffies_64;
SECTIONS
{
 . = 0xffffffff81000000;
 phys_startup = ABSOLUTE(startup - 0xffffffff80000000);
 .text : { _text = .; KEEP(*(.head.text)) *(.text .text.*) }
 . = ALIGN(4096);
 .rodata : { __start_rodata = .; *(.rodata) *(.rodata.*) . = ALIGN(8); *(.data..ro_after_init) }
 . = ALIGN(4096);
 .data : { *(.data) }
 /DISCARD/ : { *(.note.GNU-stack) *(.comment) *(.eh_frame) }
}
`

// TestAsmReproducerWithARealScript: under a script that needs symbols,
// asm writes and assembles elfsynth-provided.s too, and repro.sh gives
// the image link reports on, provided symbols included.
func TestAsmReproducerWithARealScript(t *testing.T) {
	needBFD(t)
	toolcheck.Require(t, "sh")
	scenario := writeScenario(t, zeroPageScenario)
	script := filepath.Join(t.TempDir(), "real.lds")
	require.NoError(t, os.WriteFile(script, []byte(realishScript), 0o644))
	dir := t.TempDir()
	rc, _, stderr := runCmd(run, "asm", "--arch", "x86_64", "--script", script, "-o", dir, scenario)
	require.Equal(t, exitOK, rc, stderr)
	out, err := exec.Command("sh", filepath.Join(dir, "repro.sh")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	image, err := os.ReadFile(filepath.Join(dir, "image"))
	require.NoError(t, err)
	byHand, err := layout.Read(bytes.NewReader(image), layout.Sources{})
	require.NoError(t, err)

	rc, stdout, stderr := runCmd(run, "link", "--arch", "x86_64", "--script", script, "--json", scenario)
	require.Equal(t, exitOK, rc, stderr)
	var lay layout.Layout
	require.NoError(t, json.Unmarshal([]byte(stdout), &lay))
	require.Equal(t, symbolAddrs(&lay), symbolAddrs(byHand))
	require.Len(t, lay.Provided, 2, "%q", lay.Provided)
	require.Contains(t, symbolAddrs(byHand), "startup")
	require.Equal(t, symbolAddrs(byHand)["_text"], symbolAddrs(byHand)["startup"], "the entry point starts the image")
}
