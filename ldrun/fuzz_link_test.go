package ldrun

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/hostile"
	"github.com/elfsynth/elfsynth/synth"
)

// fakeModes are what the fuzzed fake linker does, chosen by the input:
// each a way a linker ends. Hanging is left to TestLinkerProcessGroupKilled:
// every hang would cost the fuzzer a timeout.
var fakeModes = []string{
	`cp "$IMAGE" image`,
	`echo 'ld: cannot link that' >&2; exit 1`,
	`exit 0`,
	`printf '\177ELF garbage' > image`,
	`mkfifo image`,
	`yes 'ld: warning: flood' | head -c 200000 >&2; cp "$IMAGE" image`,
	`echo $$ > "$PIDS"; sleep 1000 >&2 & cp "$IMAGE" image`,
	`echo 'ld: warning: fine' >&2; cp "$IMAGE" image; exit 3`,
}

// FuzzLinkScenario drives the whole path of a user's scenario: parse,
// build, objects, Link, read the image back, with a fake fast linker
// whose ending the input also picks (fakeModes). Whatever the scenario
// and the linker do, Link returns a result or an error: it never panics
// or hangs, and leaves no folder and no process behind.
//
//	go test ./ldrun -run '^$' -fuzz '^FuzzLinkScenario$' -fuzztime 30s
//
// Most mutations of a scenario's text are refused by the parser; to count
// the links that ran, set ELFSYNTH_FUZZ_LINKS to a file, to which each run
// of the fake linker adds a line.
func FuzzLinkScenario(f *testing.F) {
	for _, tool := range []string{"sh", "cp", "yes", "head", "mkfifo", "sleep"} {
		if _, err := lookPath(tool); err != nil {
			f.Skipf("%s not found: the fake linker needs it", tool)
		}
	}
	image, err := filepath.Abs("testdata/junk.x86_64.image")
	if err != nil {
		f.Fatal(err)
	}
	pids := filepath.Join(f.TempDir(), "pids")
	bin := f.TempDir()
	script := fmt.Sprintf("#!/bin/sh\nIMAGE=%s\nPIDS=%s\n", image, pids) +
		"if [ \"$1\" = --version ]; then echo 'fake ld 1.0'; exit 0; fi\n" +
		"if [ -n \"$ELFSYNTH_FUZZ_LINKS\" ]; then echo >> \"$ELFSYNTH_FUZZ_LINKS\"; fi\n" +
		"mode=0\nfor a; do case $a in --fake-mode=*) mode=${a#--fake-mode=};; esac; done\ncase $mode in\n"
	for i, m := range fakeModes {
		script += fmt.Sprintf("%d) %s;;\n", i, m)
	}
	script += "esac\n"
	if err := os.WriteFile(filepath.Join(bin, "x86_64-linux-gnu-ld.bfd"), []byte(script), 0o755); err != nil {
		f.Fatal(err)
	}
	f.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	tmp := f.TempDir()
	f.Setenv("TMPDIR", tmp)

	for _, dir := range []string{"founding", "../golden/testdata/scenarios"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for i, file := range files {
			src, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(src, uint8(i))
		}
	}
	f.Add([]byte("units: [{name: x.o, sections: [{name: .data, symbols: [{name: x, size: 8}]}]}]\nscript: none\n"), uint8(0))

	x86, err := arches.Lookup("x86_64")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src []byte, mode uint8) {
		s, err := synth.Parse("fuzz.yaml", src)
		if err != nil {
			return
		}
		os.Remove(pids)
		m := int(mode) % len(fakeModes)
		opt := Options{Arch: x86, Linker: arches.LinkerBFD, Timeout: 20 * time.Second,
			Flags: []string{"--fake-mode=" + strconv.Itoa(m)}}
		res, err := LinkScenario(context.Background(), s, opt)
		if err == nil && (res.Layout == nil || len(res.Image) == 0) {
			t.Fatalf("mode %d: no error and no image", m)
		}
		if err != nil && strings.Contains(err.Error(), "linker stopped") {
			t.Fatalf("mode %d: the fake linker ran out of time: %v", m, err)
		}
		if es, _ := os.ReadDir(tmp); len(es) != 0 {
			t.Fatalf("mode %d: left in TMPDIR: %v", m, es)
		}
		if b, err := os.ReadFile(pids); err == nil {
			pgid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			hostile.RequireGone(t, pgid)
		}
	})
}
