package golden_test

import (
	"path/filepath"
	"testing"

	"github.com/elfsynth/elfsynth/golden"
	"github.com/elfsynth/elfsynth/ldrun"
)

// TestGolden compares every scenario in testdata/scenarios, linked for every
// target, linker and page size, with testdata/golden.
// `go test -run '^TestGolden$' -update` rewrites the files.
func TestGolden(t *testing.T) {
	golden.Run(t, golden.Options{})
}

// TestGoldenFoundingCase pins every variant of the founding case that
// `elfsynth repro zero-page` compares, from the scenarios it reads, each
// under its own script: testdata/golden/zero-page-VARIANT.
func TestGoldenFoundingCase(t *testing.T) {
	for _, v := range ldrun.ZeroPageVariants() {
		t.Run(v.Name, func(t *testing.T) {
			golden.Run(t, golden.Options{
				Scenarios: []string{filepath.Join("..", "ldrun", "founding", v.Scenario)},
				Name:      "zero-page-" + v.Name,
				Script:    v.Script,
			})
		})
	}
}

// versionArches are the targets the linker-version scenarios run on: every
// lld version links for all but s390x (lld 18 on).
var versionArches = []string{"x86_64", "arm64", "riscv64", "ppc64le", "s390x"}

// TestGoldenLinkerVersions pins, per installed lld version and for bfd and
// gold, what changed between linker releases: orphan placement, PROVIDE,
// empty output sections (testdata/versions). lld versions not installed
// are skipped, unless ELFSYNTH_REQUIRED_LLDS names them.
func TestGoldenLinkerVersions(t *testing.T) {
	golden.Run(t, golden.Options{
		Scenarios: []string{filepath.Join("testdata", "versions", "*.yaml")},
		Arches:    versionArches,
		Linkers:   golden.VersionLinkers(),
	})
}

// TestGoldenFindings pins a scenario for each kind of finding on several
// targets (testdata/findings): de2b41be8fcc's page-aligned idt_table before
// and after the fix, a page-aligned array sharing its last page, read-only
// data made writable, code in rodata, and permission boundaries with and
// without STRICT_KERNEL_RWX.
func TestGoldenFindings(t *testing.T) {
	golden.Run(t, golden.Options{
		Scenarios: []string{filepath.Join("testdata", "findings", "*.yaml")},
		Arches:    []string{"x86_64", "arm64", "riscv64", "ppc64le", "s390x", "mips"},
	})
}
