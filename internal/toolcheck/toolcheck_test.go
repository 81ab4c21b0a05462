package toolcheck

import (
	"os/exec"
	"testing"
)

func TestRequireFindsShell(t *testing.T) {
	want, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	if got := Require(t, "sh"); got != want {
		t.Errorf("Require(sh) = %q, want %q", got, want)
	}
}

func TestRequireMissing(t *testing.T) {
	t.Setenv(EnvRequire, "")
	if Required() {
		t.Fatal("Required() true with the variable empty")
	}
	t.Setenv(EnvRequire, "1")
	if !Required() {
		t.Fatal("Required() false with the variable set to 1")
	}
	// A missing tool skips a sub-test when not required.
	t.Setenv(EnvRequire, "")
	skipped := false
	t.Run("missing", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Require(t, "elfsynth-no-such-tool-xyz")
	})
	if !skipped {
		t.Error("missing tool did not skip")
	}
}
