package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/linkertest"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
)

// TestAsmLinkerAll: `asm --linker all` writes one repro.sh that, run as a
// person would, links with every installed linker into image.LINKER and
// prints each image's headers with readelf; each image is the one `link`
// makes with that linker. A linker that fails says so, and the others
// still run.
func TestAsmLinkerAll(t *testing.T) {
	x, _ := arches.Lookup("x86_64")
	linkertest.Need(t, x, arches.LinkerBFD)
	linkertest.Need(t, x, arches.LinkerGold)
	toolcheck.Require(t, "sh")
	toolcheck.Require(t, "readelf")
	toolcheck.Require(t, x.Tool("as"))
	scen := founding("zero-page-before.yaml")
	dir := t.TempDir()
	rc, _, errs := runCmd(run, "asm", "--arch", "x86_64", "--linker", "all", "-o", dir, scen)
	require.Equal(t, exitOK, rc, errs)
	out, err := exec.Command("sh", filepath.Join(dir, "repro.sh")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	linkers := ldrun.Available(x)
	for _, l := range linkers {
		if l.Kind() == arches.LinkerMold {
			require.NotContains(t, string(out), "=== mold", "mold takes no script")
			continue
		}
		require.Contains(t, string(out), "=== "+l.String()+"\n")
		image, err := os.ReadFile(filepath.Join(dir, "image."+l.String()))
		require.NoError(t, err, l)
		byHand, err := layout.Read(bytes.NewReader(image), layout.Sources{})
		require.NoError(t, err)
		rc, stdout, errs := runCmd(run, "link", "--arch", "x86_64", "--linker", l.String(), "--json", scen)
		require.Equal(t, exitOK, rc, errs)
		var lay layout.Layout
		require.NoError(t, json.Unmarshal([]byte(stdout), &lay))
		require.Equal(t, symbolAddrs(&lay), symbolAddrs(byHand), l)
	}
	require.Equal(t, len(linkers)-countMold(linkers), strings.Count(string(out), "Section Headers:"), "%s", out)
	require.Equal(t, len(linkers)-countMold(linkers), strings.Count(string(out), "Program Headers:"))

	fakeLinkers(t, "ld.bfd")
	dir = t.TempDir()
	rc, _, errs = runCmd(run, "asm", "--arch", "x86_64", "--linker", "all", "-o", dir, scen)
	require.Equal(t, exitOK, rc, errs)
	out, err = exec.Command("sh", filepath.Join(dir, "repro.sh")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "=== bfd: the link failed")
	require.FileExists(t, filepath.Join(dir, "image.gold"))
}

func countMold(ls []arches.Linker) int {
	n := 0
	for _, l := range ls {
		if l.Kind() == arches.LinkerMold {
			n++
		}
	}
	return n
}
