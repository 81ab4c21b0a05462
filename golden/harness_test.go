package golden_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/golden"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
)

// childEnv selects what TestHarnessChild does when this test binary runs
// itself: the harness's failures can only be seen from outside.
const childEnv = "ELFSYNTH_GOLDEN_CHILD"

// TestHarnessChild is the harness misused on purpose, one way per value of
// ELFSYNTH_GOLDEN_CHILD; on its own it does nothing.
func TestHarnessChild(t *testing.T) {
	pointers := filepath.Join("testdata", "scenarios", "pointers.yaml")
	switch os.Getenv(childEnv) {
	case "unknown-arch":
		golden.Run(t, golden.Options{Arches: []string{"x86-64"}})
	case "zero-cases":
		// m68k has no lld: the options select nothing.
		golden.Run(t, golden.Options{Scenarios: []string{pointers}, Arches: []string{"m68k"}, Linkers: []arches.Linker{arches.LinkerLLD}})
	case "linker":
		golden.Run(t, golden.Options{Scenarios: []string{pointers}, Arches: []string{"x86_64"}, Linkers: []arches.Linker{arches.LinkerBFD}})
	}
}

// child runs TestHarnessChild in a new process with mode and extra
// environment, and returns whether it passed and what it printed.
func child(t *testing.T, mode string, env ...string) (bool, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHarnessChild$", "-test.v")
	cmd.Env = append(append(os.Environ(), childEnv+"="+mode, "XDG_CACHE_HOME="+t.TempDir()), env...)
	out, err := cmd.CombinedOutput()
	return err == nil, string(out)
}

// fakeBFD puts on PATH an x86_64 GNU ld that answers --version with
// status, or none at all when status is "".
func fakeBFD(t *testing.T, status string) string {
	dir := t.TempDir()
	path := os.Getenv("PATH")
	if status != "" {
		script := "#!/bin/sh\nexit " + status + "\n"
		if err := os.WriteFile(filepath.Join(dir, "x86_64-linux-gnu-ld.bfd"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		return "PATH=" + dir + string(os.PathListSeparator) + path
	}
	return "PATH=" + dir // nothing else: no linker at all
}

func TestRunFailsOnBadOptions(t *testing.T) {
	ok, out := child(t, "unknown-arch")
	if ok || !strings.Contains(out, `unknown arch "x86-64" (did you mean "x86_64"?)`) {
		t.Errorf("a misspelt arch passed:\n%s", out)
	}
	ok, out = child(t, "zero-cases")
	if ok || !strings.Contains(out, "select no case") {
		t.Errorf("zero cases passed:\n%s", out)
	}
}

// TestRunSkipsOnlyMissingLinkers: a linker that is not installed skips
// its cases, unless toolchains are required; one that is installed but
// broken fails them either way.
func TestRunSkipsOnlyMissingLinkers(t *testing.T) {
	toolcheck.Require(t, "sh")
	ok, out := child(t, "linker", fakeBFD(t, ""), toolcheck.EnvRequire+"=0")
	if !ok || !strings.Contains(out, "--- SKIP") || !strings.Contains(out, "not installed") {
		t.Errorf("a missing linker did not skip:\n%s", out)
	}
	ok, out = child(t, "linker", fakeBFD(t, ""), toolcheck.EnvRequire+"=1")
	if ok || !strings.Contains(out, "not installed") {
		t.Errorf("a missing linker passed with toolchains required:\n%s", out)
	}
	ok, out = child(t, "linker", fakeBFD(t, "1"), toolcheck.EnvRequire+"=0")
	if ok || strings.Contains(out, "--- SKIP: TestHarnessChild/cases") || !strings.Contains(out, "--version") {
		t.Errorf("a broken linker did not fail:\n%s", out)
	}
}
