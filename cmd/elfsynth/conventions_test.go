package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestHelpOnStdout: every way of asking for help prints on stdout, exits
// 0, and shows the command's positional arguments.
func TestHelpOnStdout(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"help", "link"}, {"link", "--help"}, {"link", "-h"}, {"inspect", "-help"}} {
		rc, stdout, stderr := runCmd(run, args...)
		require.Equal(t, exitOK, rc, "%q", args)
		require.Empty(t, stderr, "%q", args)
		require.Contains(t, stdout, "usage: elfsynth", "%q", args)
		if len(args) > 1 || args[0] == "link" {
			cmd := args[0]
			if cmd == "help" {
				cmd = args[1]
			}
			require.Contains(t, stdout, "usage: elfsynth "+cmd+" [flags] ", "%q", args)
		}
	}
	_, stdout, _ := runCmd(run, "help", "link")
	require.Contains(t, stdout, "[flags] SCENARIO")
	require.Contains(t, stdout, "--ld-flag"[1:])
}

func TestNoArgumentsIsUsage(t *testing.T) {
	rc, stdout, stderr := runCmd(run)
	require.Equal(t, exitUsage, rc)
	require.Empty(t, stdout)
	require.Contains(t, stderr, "usage: elfsynth COMMAND")
}

// TestBadFlagIsOneMessage: an unknown flag exits 2 with exactly one line,
// for every command.
func TestBadFlagIsOneMessage(t *testing.T) {
	for _, name := range commandNames() {
		rc, stdout, stderr := runCmd(run, name, "--bogus")
		require.Equal(t, exitUsage, rc, name)
		require.Empty(t, stdout, name)
		require.Equal(t, 1, strings.Count(stderr, "\n"), "%s: %q", name, stderr)
		require.Contains(t, stderr, "-bogus", name)
	}
}

// TestDidYouMean: a near miss of an arch, linker, script or command name
// gets the name meant; a script typo also lists the built-in scripts.
func TestDidYouMean(t *testing.T) {
	s := writeScenario(t, zeroPageScenario)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"link", "--arch", "aarch64", s}, `did you mean "arm64"?`},
		{[]string{"link", "--arch", "x86-64", s}, `did you mean "x86_64"?`},
		{[]string{"link", "--arch", "x86_64", "--linker", "lld19", s}, `did you mean "lld-19"?`},
		{[]string{"link", "--arch", "x86_64", "--linker", "glod", s}, `did you mean "gold"?`},
		{[]string{"link", "--arch", "x86_64", "--script", "kernel-fixd", s}, `did you mean "kernel-fixed"?`},
		{[]string{"link", "--arch", "x86_64", "--script", "kernel-fixd", s}, "built-in scripts: kernel, kernel-fixed, kernel-sorted, kernel-own-section, none"},
		{[]string{"script", "kernl", "--arch", "x86_64"}, `did you mean "kernel"?`},
		{[]string{"lnik"}, `did you mean "link"?`},
	} {
		rc, _, stderr := runCmd(run, c.args...)
		require.Equal(t, exitUsage, rc, "%q", c.args)
		require.Contains(t, stderr, c.want, "%q", c.args)
		require.Equal(t, 1, strings.Count(stderr, "\n"), "%q: %q", c.args, stderr)
	}
}

// TestOutputIntoMissingFolder: -o into a folder that does not exist says
// so plainly, names no temporary file, and writes nothing.
func TestOutputIntoMissingFolder(t *testing.T) {
	needBFD(t)
	s := writeScenario(t, zeroPageScenario)
	missing := filepath.Join(t.TempDir(), "missing")
	rc, _, stderr := runCmd(run, "link", "--arch", "x86_64", "-o", filepath.Join(missing, "img"), s)
	require.Equal(t, exitUsage, rc, stderr)
	require.Contains(t, stderr, "folder "+missing+" does not exist")
	require.NotContains(t, stderr, ".elfsynth-")
	rc, _, stderr = runCmd(run, "objects", "--arch", "x86_64", "-o", filepath.Join(missing, "sub"), s)
	require.Equal(t, exitUsage, rc, stderr)
	require.Contains(t, stderr, "folder "+missing+" does not exist")
}

// TestPageSizeMessageQuotesInput: a bad --page-size is quoted as typed.
func TestPageSizeMessageQuotesInput(t *testing.T) {
	s := writeScenario(t, zeroPageScenario)
	for _, v := range []string{"3K", "18014398509481984K", "0", "2G", "0x3000"} {
		rc, _, stderr := runCmd(run, "link", "--arch", "x86_64", "--page-size", v, s)
		require.Equal(t, exitUsage, rc, v)
		require.Contains(t, stderr, `--page-size "`+v+`"`, v)
	}
	rc, _, stderr := runCmd(run, "link", "--arch", "x86_64", "--page-size", "16K", s)
	require.Equal(t, exitUsage, rc)
	require.Contains(t, stderr, "--page-size 16K: x86_64 kernels use 4K")
}

// TestBinaryLinksNoTestCode: the shipped command does not link the testing
// package or the golden harness.
func TestBinaryLinksNoTestCode(t *testing.T) {
	goTool := filepath.Join(runtimeGOROOT(), "bin", "go")
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	require.NoError(t, err)
	for _, dep := range strings.Fields(string(out)) {
		require.NotEqual(t, "testing", dep)
		require.NotContains(t, dep, "/golden")
		require.NotContains(t, dep, "/internal/toolcheck")
	}
}

func runtimeGOROOT() string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "/usr/local/go"
	}
	return strings.TrimSpace(string(out))
}
