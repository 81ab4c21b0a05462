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

// writeScenario puts a scenario file in a fresh folder.
func writeScenario(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

// TestBadInputWritesNothing: every bad input exits 2 with one message that
// names the file, line and field, and the output folder is not created.
func TestBadInputWritesNothing(t *testing.T) {
	bad := writeScenario(t, "units:\n  - name: a.o\n    sections:\n      - name: .data\n        symbols:\n          - {name: x, size: 8, align: 3}\n")
	for _, cmd := range []string{"objects", "asm"} {
		out := filepath.Join(t.TempDir(), "out")
		rc, stdout, stderr := runCmd(run, cmd, "--arch", "x86_64", "-o", out, bad)
		require.Equal(t, exitUsage, rc, stderr)
		require.Empty(t, stdout)
		require.Equal(t, 1, strings.Count(stderr, "\n"), "one message: %q", stderr)
		require.Contains(t, stderr, bad+":6:39: units[0].sections[0].symbols[0].align: 3 is not a power of two")
		_, err := os.Stat(out)
		require.True(t, os.IsNotExist(err), "%s: output folder written on bad input", cmd)
	}
}

// TestProvidedObjectNameIsReserved: a unit that would collide with the
// object elfsynth adds under a real kernel script, or with its source in
// asm's folder, is bad input at its name, for every command that reads a
// scenario, and nothing is written.
func TestProvidedObjectNameIsReserved(t *testing.T) {
	for _, name := range []string{"elfsynth-provided.o", "elfsynth-provided"} {
		s := writeScenario(t, "units:\n  - name: a.o\n    sections: [{name: .data}]\n  - name: "+name+"\n    sections: [{name: .data}]\n")
		out := filepath.Join(t.TempDir(), "out")
		for _, args := range [][]string{
			{"objects", "--arch", "x86_64", "-o", out, s},
			{"asm", "--arch", "x86_64", "-o", out, s},
			{"link", "--arch", "x86_64", s},
			{"link", "--arch", "x86_64,arm64", s},
			{"diff", "--arch", "x86_64", "--old-script", "kernel", "--new-script", "kernel-fixed", s},
		} {
			rc, stdout, stderr := runCmd(run, args...)
			require.Equal(t, exitUsage, rc, "%v: %s", args, stderr)
			require.Empty(t, stdout, args)
			require.Equal(t, 1, strings.Count(stderr, "\n"), "one message: %q", stderr)
			require.Contains(t, stderr, s+":4:5: units[1].name: unit name \""+name+"\" is reserved", args)
			_, err := os.Stat(out)
			require.True(t, os.IsNotExist(err), "%v: output written on bad input", args)
		}
	}
}

func TestUnknownArchListsKnownOnes(t *testing.T) {
	good := writeScenario(t, zeroPageScenario)
	rc, _, stderr := runCmd(run, "objects", "--arch", "vax", "-o", t.TempDir(), good)
	require.Equal(t, exitUsage, rc)
	require.Contains(t, stderr, `unknown arch "vax"; known: x86_64 i386 arm64`)
	require.Contains(t, stderr, "loongarch64")
}

func TestMissingScenarioIsBadInput(t *testing.T) {
	rc, _, stderr := runCmd(run, "objects", "--arch", "x86_64", "-o", t.TempDir(), filepath.Join(t.TempDir(), "none.yaml"))
	require.Equal(t, exitUsage, rc, stderr)
	require.Contains(t, stderr, "none.yaml")
}

func TestCodeOnTargetWithoutCodeNamesTargets(t *testing.T) {
	s := writeScenario(t, "units:\n  - name: a.o\n    sections:\n      - name: .text\n        symbols:\n          - {name: f, code: {address_of: x}}\n          - {name: x, size: 4}\n")
	rc, _, stderr := runCmd(run, "objects", "--arch", "m68k", "-o", t.TempDir(), s)
	require.Equal(t, exitUsage, rc)
	require.Contains(t, stderr, ":6:13: units[0].sections[0].symbols[0].code: no code generation for m68k; targets with code: x86_64 i386 arm64 arm riscv64 ppc64le ppc64 s390x mips64el mips")
}

// TestObjectsAndAsmWriteEveryUnit: one object and one source per unit, and
// the same bytes on every run.
func TestObjectsAndAsmWriteEveryUnit(t *testing.T) {
	good := writeScenario(t, zeroPageScenario)
	var first []byte
	for run_ := 0; run_ < 2; run_++ {
		out := t.TempDir()
		rc, _, stderr := runCmd(run, "objects", good, "--arch", "arm64", "--page-size", "16K", "-o", out)
		require.Equal(t, exitOK, rc, stderr)
		obj, err := os.ReadFile(filepath.Join(out, "mm_init.o"))
		require.NoError(t, err)
		if first == nil {
			first = obj
		}
		require.Equal(t, first, obj)
		entries, err := os.ReadDir(out)
		require.NoError(t, err)
		require.Len(t, entries, 1, "no temporary files left")
	}
	out := t.TempDir()
	rc, _, stderr := runCmd(run, "asm", "--arch", "mips", "-o", out, good)
	require.Equal(t, exitOK, rc, stderr)
	src, err := os.ReadFile(filepath.Join(out, "mm_init.s"))
	require.NoError(t, err)
	require.Contains(t, string(src), "mips64el-linux-gnuabi64-as -EB -32 -march=mips32r2 -o mm_init.o mm_init.s")
}

func TestUnknownCommand(t *testing.T) {
	rc, _, stderr := runCmd(run, "frobnicate")
	require.Equal(t, exitUsage, rc)
	require.Contains(t, stderr, `unknown command "frobnicate"`)
}

// TestLinkTimeout: a linker that hangs is stopped after --timeout, with its
// command line in the message, exit status 1 and no image written.
func TestLinkTimeout(t *testing.T) {
	dir := t.TempDir()
	fake := "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'fake ld 1.0'; exit 0; fi\nexec sleep 100\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "x86_64-linux-gnu-ld.bfd"), []byte(fake), 0o755))
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	image := filepath.Join(t.TempDir(), "vmlinux")
	rc, _, stderr := runCmd(run, "link", "--arch", "x86_64", "--linker", "bfd", "--timeout", "300ms", "-o", image, writeScenario(t, zeroPageScenario))
	require.Equal(t, exitFail, rc, stderr)
	require.Contains(t, stderr, "linker stopped (context deadline exceeded) after 300ms")
	require.Contains(t, stderr, "x86_64-linux-gnu-ld.bfd -m elf_x86_64")
	_, err := os.Stat(image)
	require.True(t, os.IsNotExist(err))
	rc, _, stderr = runCmd(run, "link", "--arch", "x86_64", "--timeout", "-1s", writeScenario(t, zeroPageScenario))
	require.Equal(t, exitUsage, rc, stderr)
}

// TestAsmReproducerLinksLikeElfsynth: the folder `asm` writes, run as a
// person would (sh repro.sh), gives the image `link` reports on.
func TestAsmReproducerLinksLikeElfsynth(t *testing.T) {
	for _, arch := range []string{"x86_64", "mips", "s390x"} {
		needBFD(t)
		toolcheck.Require(t, "sh")
		scenario := writeScenario(t, zeroPageScenario)
		dir := t.TempDir()
		rc, _, stderr := runCmd(run, "asm", "--arch", arch, "-o", dir, scenario)
		require.Equal(t, exitOK, rc, stderr)
		out, err := exec.Command("sh", filepath.Join(dir, "repro.sh")).CombinedOutput()
		require.NoError(t, err, "%s", out)
		image, err := os.ReadFile(filepath.Join(dir, "image"))
		require.NoError(t, err)
		byHand, err := layout.Read(bytes.NewReader(image), layout.Sources{})
		require.NoError(t, err)

		rc, stdout, stderr := runCmd(run, "link", "--arch", arch, "--json", scenario)
		require.Equal(t, exitOK, rc, stderr)
		var lay layout.Layout
		require.NoError(t, json.Unmarshal([]byte(stdout), &lay))
		require.Equal(t, symbolAddrs(&lay), symbolAddrs(byHand), arch)
	}
}

func symbolAddrs(l *layout.Layout) map[string]layout.Addr {
	m := map[string]layout.Addr{}
	for _, s := range l.Symbols {
		m[s.Name] = s.Addr
	}
	return m
}

// TestMoldTakesNoScriptIsBadInput: every command that links refuses mold
// under a script before running anything, with ldrun's one rule, as bad
// input.
func TestMoldTakesNoScriptIsBadInput(t *testing.T) {
	s := writeScenario(t, zeroPageScenario)
	for _, args := range [][]string{
		{"link", "--arch", "x86_64", "--linker", "mold", s},
		{"asm", "--arch", "x86_64", "--linker", "mold", "-o", filepath.Join(t.TempDir(), "out"), s},
		{"diff", "--arch", "x86_64", "--linker", "mold", "--new-script", "kernel-fixed", s},
	} {
		rc, stdout, stderr := runCmd(run, args...)
		require.Equal(t, exitUsage, rc, "%v: %s", args, stderr)
		require.Empty(t, stdout, args)
		require.Equal(t, "elfsynth: --linker mold: mold takes no linker script; use --script none with mold\n", stderr, args)
	}
}
