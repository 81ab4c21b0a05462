package synth_test

import (
	"testing"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/benchreport"
	"github.com/elfsynth/elfsynth/synth"
)

// benchSynth times Build plus Objects on an n-unit scenario for x86_64
// and reports the time per unit, the figure `make bench` compares with
// GNU as on the same unit.
func benchSynth(b *testing.B, n int) {
	a, err := arches.Lookup("x86_64")
	if err != nil {
		b.Fatal(err)
	}
	s := benchreport.Units(n)
	b.ReportAllocs()
	for b.Loop() {
		plan, err := synth.Build(s, a, 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := plan.Objects(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/unit")
}

// BenchmarkSynthesizeUnit synthesizes one kernel-shaped unit.
func BenchmarkSynthesizeUnit(b *testing.B) { benchSynth(b, 1) }

// BenchmarkSynthesize200Units synthesizes a 200-unit scenario.
func BenchmarkSynthesize200Units(b *testing.B) { benchSynth(b, 200) }

// BenchmarkAsm200Units writes a 200-unit scenario as GNU as source.
func BenchmarkAsm200Units(b *testing.B) {
	a, err := arches.Lookup("x86_64")
	if err != nil {
		b.Fatal(err)
	}
	plan, err := synth.Build(benchreport.Units(200), a, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		plan.Asm()
	}
}

// TestUnitsBuildEverywhere makes sure the benchmark scenario is valid on
// every target, so that the benchmarks measure real work.
func TestUnitsBuildEverywhere(t *testing.T) {
	for _, a := range arches.All() {
		plan, err := synth.Build(benchreport.Units(3), a, 0)
		if err != nil {
			t.Fatalf("%s: %v", a.Name, err)
		}
		objs, err := plan.Objects()
		if err != nil || len(objs) != 3 {
			t.Fatalf("%s: %d objects, %v", a.Name, len(objs), err)
		}
	}
}
