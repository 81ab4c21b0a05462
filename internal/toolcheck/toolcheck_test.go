package toolcheck

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
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

// TestRequiredLinker: under ELFSYNTH_REQUIRE_TOOLCHAINS=1 every linker is
// required but the lld versions outside ELFSYNTH_REQUIRED_LLDS; unset, the
// versions `make toolchains` installs.
func TestRequiredLinker(t *testing.T) {
	t.Setenv(EnvRequire, "")
	t.Setenv(EnvRequiredLLDs, "")
	if RequiredLinker(arches.LinkerBFD) || RequiredLinker(arches.LLDVersion(19)) {
		t.Error("a linker is required while toolchains are not")
	}
	t.Setenv(EnvRequire, "1")
	want := map[arches.Linker]bool{arches.LinkerBFD: true, arches.LinkerGold: true, arches.LinkerMold: true, arches.LinkerLLD: true,
		arches.LLDVersion(13): false, arches.LLDVersion(16): false, arches.LLDVersion(19): true, arches.LLDVersion(22): true}
	for l, w := range want {
		if got := RequiredLinker(l); got != w {
			t.Errorf("RequiredLinker(%s) = %v, want %v", l, got, w)
		}
	}
	t.Setenv(EnvRequiredLLDs, "16 19,22")
	if !RequiredLinker(arches.LLDVersion(16)) || RequiredLinker(arches.LLDVersion(13)) || !slices.Equal(RequiredLLDs(), []int{16, 19, 22}) {
		t.Errorf("with %s=%q: RequiredLLDs = %v", EnvRequiredLLDs, "16 19,22", RequiredLLDs())
	}
}

// TestRequiredLLDsMatchTheInstall: the lld versions required by default
// are the ones `make toolchains` installs, and CI requires them and lld-16,
// which it installs too.
func TestRequiredLLDsMatchTheInstall(t *testing.T) {
	makefile := readRepoFile(t, "Makefile")
	m := regexp.MustCompile(`(?m)^LLDS\s*\?=\s*(.*)$`).FindStringSubmatch(makefile)
	if m == nil {
		t.Fatal("Makefile sets no LLDS")
	}
	var installed []int
	for _, p := range strings.Fields(m[1]) {
		v, err := strconv.Atoi(strings.TrimPrefix(p, "lld-"))
		if err != nil {
			t.Fatalf("Makefile LLDS: %q is not lld-NN", p)
		}
		installed = append(installed, v)
	}
	if !slices.Equal(installed, DefaultRequiredLLDs) {
		t.Errorf("make toolchains installs lld %v, DefaultRequiredLLDs = %v", installed, DefaultRequiredLLDs)
	}
	ci := readRepoFile(t, filepath.Join(".ci", "run"))
	req := regexp.MustCompile(`ELFSYNTH_REQUIRED_LLDS="([^"]*)"`).FindStringSubmatch(ci)
	extra := regexp.MustCompile(`EXTRA_PACKAGES=(?:"([^"]*)"|(\S+))`).FindStringSubmatch(ci)
	if req == nil || extra == nil {
		t.Fatal(".ci/run sets no ELFSYNTH_REQUIRED_LLDS or EXTRA_PACKAGES")
	}
	extras := strings.Fields(extra[1] + " " + extra[2])
	t.Setenv(EnvRequiredLLDs, req[1])
	for _, v := range RequiredLLDs() {
		pkg := fmt.Sprintf("lld-%d", v)
		if !slices.Contains(installed, v) && !slices.Contains(extras, pkg) {
			t.Errorf(".ci/run requires %s but does not install it", pkg)
		}
	}
	if !slices.Contains(RequiredLLDs(), 16) {
		t.Errorf(".ci/run requires lld %v: want lld-16 among them, so that the lld 16 to 19 changes are tested", RequiredLLDs())
	}
}

// readRepoFile reads a file at the repository's top.
func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
