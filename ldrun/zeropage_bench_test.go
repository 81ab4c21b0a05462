package ldrun_test

import (
	"context"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/toolcheck"
	"github.com/elfsynth/elfsynth/ldrun"
)

// BenchmarkZeroPageMatrix runs `elfsynth repro zero-page`'s whole matrix:
// every target, installed linker that takes scripts, page size and
// placement, one link per core at a time.
func BenchmarkZeroPageMatrix(b *testing.B) {
	opt := ldrun.ReproOptions{Arches: arches.All()}
	links := 0
	for _, a := range opt.Arches {
		for _, l := range ldrun.Available(a) {
			if l != arches.LinkerMold {
				links += len(a.PageSizes) * len(ldrun.ZeroPageVariants())
			}
		}
	}
	if links == 0 {
		toolcheck.Missing(b, "no linker installed for any target (make toolchains)")
	}
	for b.Loop() {
		rows, err := ldrun.ZeroPage(context.Background(), opt)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rows {
			if r.Error != "" {
				b.Fatalf("%s %s %d %s: %s", r.Arch, r.Linker, r.PageSize, r.Variant, r.Error)
			}
		}
	}
	b.ReportMetric(float64(links), "links/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*links), "ns/link")
}
