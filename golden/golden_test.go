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

// TestGoldenLinkerVersions pins, per installed lld version and for bfd and
// gold, what changed between linker releases (testdata/versions): where
// orphans go, on three targets, and what PROVIDE and an empty output
// section give, on two; the behaviour is the linker's, not the target's,
// and each lld link costs about 0.1 s of CPU. lld versions not installed
// are skipped, unless ELFSYNTH_REQUIRED_LLDS names them.
func TestGoldenLinkerVersions(t *testing.T) {
	for scenario, targets := range map[string][]string{
		"orphan-placement.yaml": {"x86_64", "arm64", "riscv64"},
		"provide.yaml":          {"x86_64", "riscv64"},
		"empty-section.yaml":    {"x86_64", "riscv64"},
	} {
		t.Run(scenario, func(t *testing.T) {
			t.Parallel()
			golden.Run(t, golden.Options{
				Scenarios: []string{filepath.Join("testdata", "versions", scenario)},
				Arches:    targets,
				Linkers:   golden.VersionLinkers(),
			})
		})
	}
}

// TestGoldenFindings pins a scenario for each kind of finding on several
// targets (testdata/findings): de2b41be8fcc's page-aligned idt_table before
// and after the fix, a page-aligned array sharing its last page, read-only
// data made writable, code in rodata, and permission boundaries with and
// without STRICT_KERNEL_RWX.
func TestGoldenFindings(t *testing.T) {
	golden.Run(t, golden.Options{
		Scenarios: []string{filepath.Join("testdata", "findings", "*.yaml")},
		Arches:    []string{"x86_64", "arm64", "riscv64", "s390x", "mips"},
	})
}
