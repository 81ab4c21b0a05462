package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/benchreport"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

// synthesis compares Build+Objects with the target's GNU as on the same
// units: one unit, and a 200-unit scenario per unit.
func (r *report) synthesis(a *arches.Arch) error {
	r.header(fmt.Sprintf("synthesis vs GNU as (%s, per unit)", a.Name))
	one, err := synthPerUnit(a, 1)
	if err != nil {
		return err
	}
	many, err := synthPerUnit(a, 200)
	if err != nil {
		return err
	}
	as, viaLdrun, err := asPerUnit(a)
	if err != nil {
		return err
	}
	r.line("1-unit scenario vs as", one, as, true, aimSynth)
	r.line("200-unit scenario vs as", many, as, true, aimSynth)
	r.line("1-unit scenario vs ldrun.Assemble", one, viaLdrun, true, aimSynth)
	return nil
}

// synthPerUnit is the time Build plus Objects take per unit of an n-unit
// scenario, run for about a second.
func synthPerUnit(a *arches.Arch, n int) (sample, error) {
	s := benchreport.Units(n)
	// Warm up first: the heap's growth and the first page faults are not
	// per-unit costs.
	for start := time.Now(); time.Since(start) < 200*time.Millisecond; {
		if _, err := synth.Build(s, a, 0); err != nil {
			return sample{}, err
		}
	}
	ops := 0
	c0, start := cpuTime(), time.Now()
	for time.Since(start) < time.Second {
		plan, err := synth.Build(s, a, 0)
		if err == nil {
			_, err = plan.Objects()
		}
		if err != nil {
			return sample{}, err
		}
		ops++
	}
	per := time.Duration(ops * n)
	return sample{wall: time.Since(start) / per, cpu: (cpuTime() - c0) / per}, nil
}

// asPerUnit times the target's GNU as on the one-unit scenario's source:
// bare (source written once, as run in its directory), and through
// ldrun.Assemble (which adds a temporary directory per call).
func asPerUnit(a *arches.Arch) (bare, viaLdrun sample, err error) {
	path, err := exec.LookPath(a.Tool("as"))
	if err != nil {
		return bare, viaLdrun, fmt.Errorf("GNU as for %s: %v", a.Name, err)
	}
	plan, err := synth.Build(benchreport.Units(1), a, 0)
	if err != nil {
		return bare, viaLdrun, err
	}
	src := plan.Asm()[0].Text
	dir, err := os.MkdirTemp("", "elfsynth-bench-")
	if err != nil {
		return bare, viaLdrun, err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "u.s"), src, 0o644); err != nil {
		return bare, viaLdrun, err
	}
	args := append(append([]string{}, a.AsFlags...), "-o", "u.o", "u.s")
	ds, err := measure(*reps, func() error {
		cmd := exec.Command(path, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", path, err, out)
		}
		return nil
	}, func() error {
		_, err := ldrun.Assemble(quiet, a, src)
		return err
	})
	if err != nil {
		return bare, viaLdrun, err
	}
	bare, viaLdrun = ds[0], ds[1]
	return bare, viaLdrun, err
}
