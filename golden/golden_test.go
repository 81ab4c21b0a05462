package golden_test

import (
	"testing"

	"github.com/elfsynth/elfsynth/golden"
)

// TestGolden compares every scenario in testdata/scenarios, linked for every
// target, linker and page size installed here, with testdata/golden.
// `make golden` (go test -run Golden -update) rewrites the files.
func TestGolden(t *testing.T) {
	golden.Run(t, golden.Options{})
}
