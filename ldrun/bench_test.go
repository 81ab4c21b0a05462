package ldrun_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/elfsynth/elfsynth/internal/linkertest"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/benchreport"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/synth"
)

// benchLinkers are the linkers the link benchmarks compare, on x86_64.
var benchLinkers = []arches.Linker{arches.LinkerBFD, arches.LinkerGold, arches.LinkerLLD}

// foundingInputs synthesizes the founding case (before the fix) for a.
func foundingInputs(b *testing.B, a *arches.Arch) *synth.Inputs {
	return scenarioInputs(b, "zero-page-before.yaml", a, 0)
}

func x86(b *testing.B) *arches.Arch {
	a, err := arches.Lookup("x86_64")
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// linkOnce links in with l, skipping b when l is not installed.
func linkOnce(b *testing.B, opt ldrun.Options, in *synth.Inputs) *ldrun.Result {
	b.Helper()
	linkertest.Need(b, opt.Arch, opt.Linker)
	r, err := ldrun.Link(context.Background(), opt, in)
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// BenchmarkLink is one end-to-end ldrun.Link of the founding case: write
// the inputs and script, run the linker, read the layout back.
func BenchmarkLink(b *testing.B) {
	a := x86(b)
	in := foundingInputs(b, a)
	for _, l := range benchLinkers {
		b.Run(l.String(), func(b *testing.B) {
			opt := ldrun.Options{Arch: a, Linker: l}
			linkOnce(b, opt, in)
			for b.Loop() {
				if _, err := ldrun.Link(context.Background(), opt, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBareLink runs the exact command BenchmarkLink's links run, on
// the same files, with nothing around it: the floor ldrun.Link is
// compared with.
func BenchmarkBareLink(b *testing.B) {
	a := x86(b)
	in := foundingInputs(b, a)
	for _, l := range benchLinkers {
		b.Run(l.String(), func(b *testing.B) {
			opt := ldrun.Options{Arch: a, Linker: l}
			r := linkOnce(b, opt, in)
			bare, err := benchreport.NewBare(b.TempDir(), r.Layout, opt, in)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := bare.Run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRead reads a linked image back into a layout.
func BenchmarkRead(b *testing.B) {
	a := x86(b)
	in := foundingInputs(b, a)
	r := linkOnce(b, ldrun.Options{Arch: a, Linker: arches.LinkerBFD}, in)
	b.SetBytes(int64(len(r.Image)))
	b.ReportAllocs()
	for b.Loop() {
		objs, err := layout.ReadObjects(in.Objects)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := layout.Read(bytes.NewReader(r.Image), layout.Sources{Arch: a, Objects: objs}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGNUAsUnit runs x86_64 GNU as on one kernel-shaped unit's
// source (benchreport.Units(1)): what synth.BenchmarkSynthesizeUnit
// stands in for.
func BenchmarkGNUAsUnit(b *testing.B) {
	a := x86(b)
	as := toolcheck.Require(b, a.Tool("as"))
	plan, err := synth.Build(benchreport.Units(1), a, 0)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "u.s"), plan.Asm()[0].Text, 0o644); err != nil {
		b.Fatal(err)
	}
	args := append(append([]string{}, a.AsFlags...), "-o", "u.o", "u.s")
	for b.Loop() {
		cmd := exec.Command(as, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
}

// BenchmarkAssembleUnit is BenchmarkGNUAsUnit through ldrun.Assemble,
// which adds a temporary directory per call.
func BenchmarkAssembleUnit(b *testing.B) {
	a := x86(b)
	toolcheck.Require(b, a.Tool("as"))
	plan, err := synth.Build(benchreport.Units(1), a, 0)
	if err != nil {
		b.Fatal(err)
	}
	src := plan.Asm()[0].Text
	for b.Loop() {
		if _, err := ldrun.Assemble(context.Background(), a, src); err != nil {
			b.Fatal(err)
		}
	}
}
