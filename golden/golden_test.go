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
