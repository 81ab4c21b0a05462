package benchreport

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/elfsynth/elfsynth/internal/linkertest"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

func TestSplitCommand(t *testing.T) {
	words, err := SplitCommand(`/usr/bin/ld -T link.lds 'a b.o' 'it'\''s' x\ y  -o image`)
	require.NoError(t, err)
	require.Equal(t, []string{"/usr/bin/ld", "-T", "link.lds", "a b.o", "it's", "x y", "-o", "image"}, words)
	_, err = SplitCommand(`ld 'open`)
	require.Error(t, err)
}

// TestBareLinksLikeLink re-runs the command of a real link and gets the
// same image, so the bare figures are of the same work.
func TestBareLinksLikeLink(t *testing.T) {
	a, err := arches.Lookup("x86_64")
	require.NoError(t, err)
	for _, l := range []arches.Linker{arches.LinkerBFD, arches.LinkerLLD} {
		linkertest.Need(t, a, l)
		plan, err := synth.Build(Units(20), a, 0)
		require.NoError(t, err)
		in, err := plan.Inputs()
		require.NoError(t, err)
		opt := ldrun.Options{Arch: a, Linker: l, Script: ldrun.ScriptKernel}
		res, err := ldrun.Link(context.Background(), opt, in)
		require.NoError(t, err)
		bare, err := NewBare(t.TempDir(), res.Layout, opt, in)
		require.NoError(t, err)
		require.NoError(t, bare.Run())
		image, err := os.ReadFile(filepath.Join(bare.Dir, "image"))
		require.NoError(t, err)
		require.Equal(t, res.Image, image, l.String())
		require.Positive(t, bare.CPU)
	}
}

func TestMaxRSS(t *testing.T) {
	cmd := exec.Command(toolcheck.Require(t, "true"))
	require.NoError(t, cmd.Run())
	require.Positive(t, MaxRSS(cmd.ProcessState))
}
