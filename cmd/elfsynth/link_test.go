package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/internal/linkertest"

	"github.com/elfsynth/elfsynth/arches"
)

const zeroPageScenario = `name: zp
units:
  - name: mm_init.o
    sections:
      - name: .data..ro_after_init
        symbols:
          - {name: zero_page_pfn, size: 8, align: 8}
          - {name: empty_zero_page, size: page, align: page}
`

func runCmd(f func([]string, io.Writer, io.Writer) int, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	rc := f(args, &out, &errb)
	return rc, out.String(), errb.String()
}

func needBFD(t *testing.T) {
	linkertest.Need(t, linkertest.Arch(t, "x86_64"), arches.LinkerBFD)
}

func TestCmdLinkAndInspect(t *testing.T) {
	needBFD(t)
	dir := t.TempDir()
	scen := filepath.Join(dir, "zp.yaml")
	if err := os.WriteFile(scen, []byte(zeroPageScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(dir, "vmlinux")
	rc, out, errs := runCmd(run, "link", "--arch", "x86_64", "--json", "-o", img, scen)
	if rc != 0 {
		t.Fatalf("link: rc %d: %s", rc, errs)
	}
	var lay map[string]any
	if err := json.Unmarshal([]byte(out), &lay); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"arch", "page_size", "linker", "symbols", "sections", "segments", "holes", "padding", "orphans", "warnings", "findings"} {
		if _, ok := lay[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if lay["padding"].(float64) < 4088 {
		t.Errorf("padding %v", lay["padding"])
	}
	es, _ := os.ReadDir(dir)
	if len(es) != 2 {
		t.Errorf("-o left %d files in its directory", len(es))
	}
	rc, out, errs = runCmd(run, "inspect", img)
	if rc != 0 || !strings.Contains(out, "empty_zero_page aligned to") {
		t.Errorf("inspect: rc %d %s\n%s", rc, errs, out)
	}
	if rc, _, _ = runCmd(run, "inspect", scen); rc != exitUsage {
		t.Errorf("inspect of YAML: rc %d", rc)
	}
	if rc, _, _ = runCmd(run, "link", "--arch", "x86_64", "--script", filepath.Join(dir, "nope.lds"), scen); rc != exitUsage {
		t.Errorf("missing script: rc %d", rc)
	}
	bogus := filepath.Join(dir, "bogus.lds")
	if err := os.WriteFile(bogus, []byte("SECTIONS {"), 0o644); err != nil {
		t.Fatal(err)
	}
	if rc, _, errs = runCmd(run, "link", "--arch", "x86_64", "--script", bogus, scen); rc != exitFail || !strings.Contains(errs, "ld.bfd") {
		t.Errorf("bogus script: rc %d: %s", rc, errs)
	}
}

func TestCmdScript(t *testing.T) {
	rc, out, _ := runCmd(run, "script", "kernel-fixed", "--arch", "arm64", "--page-size", "16K")
	if rc != 0 || !strings.Contains(out, "*(.rodata..page_aligned)") || !strings.Contains(out, "ALIGN(16384)") {
		t.Errorf("rc %d\n%s", rc, out)
	}
	for _, args := range [][]string{{"none", "--arch", "x86_64"}, {"kernel"}, {"kernel", "--arch", "vax"}, {"kernel", "--arch", "x86_64", "--page-size", "3"}} {
		if rc, _, _ := runCmd(run, append([]string{"script"}, args...)...); rc != exitUsage {
			t.Errorf("script %q: rc %d", args, rc)
		}
	}
}
