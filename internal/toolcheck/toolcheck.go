// Package toolcheck lets tests find the external tools they need.
//
// A test that needs a tool which is not installed is skipped, unless the
// environment variable ELFSYNTH_REQUIRE_TOOLCHAINS is "1" (as in CI), where a
// missing tool fails the test instead so that a broken toolchain install is
// never mistaken for a pass.
package toolcheck

import (
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
)

// EnvRequire is the environment variable that turns missing tools into
// failures when set to "1".
const EnvRequire = "ELFSYNTH_REQUIRE_TOOLCHAINS"

// Required reports whether missing tools must fail tests rather than skip
// them.
func Required() bool { return os.Getenv(EnvRequire) == "1" }

// Require returns the path of tool as exec.LookPath finds it. When the tool
// is missing it skips t, or fails t when Required reports true.
func Require(t testing.TB, tool string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err == nil {
		return path
	}
	Missing(t, "%s not found: %v", tool, err)
	return ""
}

// Missing skips t with the formatted message, or fails t with it when
// Required reports true. Use it for needs other than a single executable.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf(format+" (%s=1)", append(args, EnvRequire)...)
	}
	t.Skipf(format, args...)
}

// EnvRequiredLLDs lists, space- or comma-separated, the lld major versions
// that must be installed when Required reports true ("16 19 22"); other lld
// versions are optional even then. Unset, the versions `make toolchains`
// installs are required: DefaultRequiredLLDs.
const EnvRequiredLLDs = "ELFSYNTH_REQUIRED_LLDS"

// DefaultRequiredLLDs are the lld versions `make toolchains` installs: the
// pinned default and the newest.
var DefaultRequiredLLDs = []int{19, 22}

// RequiredLinker reports whether a missing linker l must fail a test: when
// toolchains are required, every linker but an lld version outside the
// required set.
func RequiredLinker(l arches.Linker) bool {
	if !Required() {
		return false
	}
	if l.Kind() != arches.LinkerLLD || l.Version() == 0 {
		return true
	}
	return slices.Contains(RequiredLLDs(), l.Version())
}

// RequiredLLDs are the lld major versions that must be installed when
// toolchains are required.
func RequiredLLDs() []int {
	v := os.Getenv(EnvRequiredLLDs)
	if strings.TrimSpace(v) == "" {
		return DefaultRequiredLLDs
	}
	var out []int
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}

