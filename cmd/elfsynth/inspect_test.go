package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/ldrun/layout"
)

// mixedScenario is golden's scenario with inputs of mixed alignments.
const mixedScenario = "../../golden/testdata/scenarios/ro-after-init-mixed.yaml"

// dataUnit gives the mixed scenario some .data, so that a gap of the
// script's making lies between .rodata and .data.
const dataUnit = `
  - name: data.o
    sections:
      - name: .data
        symbols:
          - {name: some_data, size: 8, align: 8}
`

// linkForInspect links the mixed scenario, with some .data, with GNU ld,
// keeping the image, its map, the script and the objects, as a kernel
// build does.
func linkForInspect(t *testing.T) (dir, img, mapFile, script string) {
	t.Helper()
	needBFD(t)
	dir = t.TempDir()
	src, err := os.ReadFile(mixedScenario)
	if err != nil {
		t.Fatal(err)
	}
	mixedScenario := filepath.Join(dir, "mixed.yaml")
	if err := os.WriteFile(mixedScenario, append(src, dataUnit...), 0o644); err != nil {
		t.Fatal(err)
	}
	img, mapFile, script = filepath.Join(dir, "vmlinux"), filepath.Join(dir, "vmlinux.map"), filepath.Join(dir, "vmlinux.lds")
	rc, _, errs := runCmd(run, "link", "--arch", "x86_64", "--ld-flag", "-Map="+mapFile, "-o", img, mixedScenario)
	if rc != 0 {
		t.Fatalf("link: rc %d: %s", rc, errs)
	}
	rc, out, errs := runCmd(run, "script", "kernel", "--arch", "x86_64")
	if rc != 0 {
		t.Fatalf("script: rc %d: %s", rc, errs)
	}
	if err := os.WriteFile(script, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if rc, _, errs := runCmd(run, "objects", "--arch", "x86_64", "-o", filepath.Join(dir, "obj"), mixedScenario); rc != 0 {
		t.Fatalf("objects: rc %d: %s", rc, errs)
	}
	return dir, img, mapFile, script
}

// inspectJSON runs inspect with args and decodes its JSON.
func inspectJSON(t *testing.T, args ...string) *layout.Layout {
	t.Helper()
	rc, out, errs := runCmd(run, append([]string{"inspect", "--json"}, args...)...)
	if rc != 0 {
		t.Fatalf("inspect %q: rc %d: %s", args, rc, errs)
	}
	var lay layout.Layout
	if err := json.Unmarshal([]byte(out), &lay); err != nil {
		t.Fatal(err)
	}
	return &lay
}

// alignAfterRodata is "vmlinux.lds:N: . = ALIGN(4096)" for the first
// such line after the script's .rodata, read from the script itself.
func alignAfterRodata(t *testing.T, script string) string {
	t.Helper()
	b, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	rodata := false
	for i, line := range strings.Split(string(b), "\n") {
		rodata = rodata || strings.HasPrefix(strings.TrimSpace(line), ".rodata :")
		if rodata && strings.TrimSpace(line) == ". = ALIGN(4096);" {
			return fmt.Sprintf("vmlinux.lds:%d: . = ALIGN(4096)", i+1)
		}
	}
	t.Fatalf("%s: no . = ALIGN(4096); after .rodata", script)
	return ""
}

func holeBefore(t *testing.T, lay *layout.Layout, after string) layout.Hole {
	t.Helper()
	for _, h := range lay.Holes {
		if h.After == after {
			return h
		}
	}
	t.Fatalf("no hole before %s in %+v", after, lay.Holes)
	return layout.Hole{}
}

// TestInspectSources inspects one image with nothing but itself, with its
// map, with its objects (files, a regular archive, a thin archive), and
// with its script: each source makes the cause of the hole before
// vdso.o's page-aligned input section more exact, and the bytes add up
// the same way every time.
func TestInspectSources(t *testing.T) {
	dir, img, mapFile, script := linkForInspect(t)
	objs := []string{filepath.Join(dir, "obj", "init.o"), filepath.Join(dir, "obj", "vdso.o"), filepath.Join(dir, "obj", "sched.o"),
		filepath.Join(dir, "obj", "data.o")}
	ar := toolcheck.Require(t, "ar")
	archive, thin := filepath.Join(dir, "obj", "lib.a"), filepath.Join(dir, "obj", "thin.a")
	for _, a := range [][]string{append([]string{"rcs", archive}, objs...), append([]string{"rcsT", thin}, objs...)} {
		if out, err := exec.Command(ar, a...).CombinedOutput(); err != nil {
			t.Fatalf("ar %q: %v\n%s", a, err, out)
		}
	}
	type want struct {
		kind     layout.CauseKind
		input    string
		inferred bool
	}
	for _, c := range []struct {
		name string
		args []string
		want want
	}{
		{"image alone", nil, want{layout.CauseAlignment, "", true}},
		{"map", []string{"--map", mapFile}, want{layout.CauseInputSection, "vdso.o(.data..ro_after_init)", false}},
		{"objects", []string{"--objects", strings.Join(objs, ",")}, want{layout.CauseInputSection, objs[1] + "(.data..ro_after_init)", false}},
		{"repeated objects", []string{"--objects", objs[0], "--objects", objs[1], "--objects", objs[2]},
			want{layout.CauseInputSection, objs[1] + "(.data..ro_after_init)", false}},
		{"archive", []string{"--objects", archive}, want{layout.CauseInputSection, "lib.a(vdso.o)(.data..ro_after_init)", false}},
		{"thin archive", []string{"--objects", thin}, want{layout.CauseInputSection, objs[1] + "(.data..ro_after_init)", false}},
		{"map, objects and script", []string{"--map", mapFile, "--objects", archive, "--script", script},
			want{layout.CauseInputSection, "vdso.o(.data..ro_after_init)", false}},
	} {
		t.Run(c.name, func(t *testing.T) {
			lay := inspectJSON(t, append(c.args, img)...)
			h := holeBefore(t, lay, "vdso_flag")
			if h.Kind != c.want.kind || h.Input != c.want.input || h.Inferred != c.want.inferred || h.Align != 4096 || h.Size != 3776 {
				t.Errorf("hole before vdso_flag: %+v, want %+v", h, c.want)
			}
			if lay.Bytes.Total() != 0x3030 || lay.Bytes.Symbols != 4399 {
				t.Errorf("bytes %+v", lay.Bytes)
			}
		})
	}
	// With the script, the gap after .rodata cites its line; without it,
	// the map's text stands in; with the image alone it is inferred.
	gap := func(args ...string) layout.Hole {
		return holeBefore(t, inspectJSON(t, append(args, img)...), "start of .data")
	}
	if h, want := gap("--map", mapFile, "--script", script), alignAfterRodata(t, script); h.Script != want {
		t.Errorf("with the script: %+v, want %q", h, want)
	}
	if h := gap("--map", mapFile); h.Kind != layout.CauseScript || h.Script != ". = ALIGN (0x1000)" {
		t.Errorf("with the map: %+v", h)
	}
	if h := gap(); h.Kind != layout.CauseAlignment || !h.Inferred {
		t.Errorf("image alone: %+v", h)
	}
}

// TestInspectBadSources: a map, object or script that cannot be read, or
// is not one, is bad input: exit 2, one message naming the file.
func TestInspectBadSources(t *testing.T) {
	dir, img, _, _ := linkForInspect(t)
	junk := filepath.Join(dir, "junk")
	if err := os.WriteFile(junk, []byte("not a map\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lld := filepath.Join(dir, "lld.map")
	if err := os.WriteFile(lld, []byte("             VMA              LMA     Size Align Out     In      Symbol\nnot a line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--map", junk}, "--map " + junk + ": not a link map"},
		{[]string{"--map", lld}, "--map " + lld + ": line 2: not an lld map line"},
		{[]string{"--map", filepath.Join(dir, "none")}, "--map: " + filepath.Join(dir, "none") + ": no such file"},
		{[]string{"--objects", junk}, "--objects " + junk + ":"},
		{[]string{"--objects", img}, "not a relocatable object"},
		{[]string{"--script", filepath.Join(dir, "none")}, "--script: " + filepath.Join(dir, "none") + ": no such file"},
		{[]string{"--page-size", "3"}, "--page-size"},
	} {
		rc, out, errs := runCmd(run, append(append([]string{"inspect"}, c.args...), img)...)
		if rc != exitUsage || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("inspect %q: rc %d, stderr %q, want exit %d and %q", c.args, rc, errs, exitUsage, c.want)
		}
	}
}
