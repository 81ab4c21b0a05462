// Command report measures elfsynth against the tools it stands in for or
// drives, on this machine and in one run, and prints issue 7's ratios:
// synthesis against GNU as, `elfsynth link` against the bare linker, the
// zero-page matrix against its bare-link floor, and the matrix's peak
// memory. `make bench` runs it from the module root after building
// bin/elfsynth. It asserts nothing: a ratio that misses its aim is marked.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

// Aims are issue 7's targets.
const (
	aimSynth  = 100 // GNU as time / synthesis time, at least
	aimLink   = 1.3 // elfsynth link time / bare linker time, at most
	aimMatrix = 1.3 // matrix time / bare-link floor, at most
	aimRSS    = 64 << 20
)

var (
	bin       = flag.String("bin", "bin/elfsynth", "the elfsynth `binary` to time end to end")
	scenarios = flag.String("scenarios", "ldrun/founding", "the founding case's scenario `dir`, for the CLI runs")
	archName  = flag.String("arch", "x86_64", "target of the per-unit and per-link comparisons")
	reps      = flag.Int("n", 40, "`runs` of each timed command")
)

func main() {
	flag.Parse()
	a, err := arches.Lookup(*archName)
	if err != nil {
		fatal(err)
	}
	r := &report{tw: tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("elfsynth benchmark report: %s/%s, %d cores, %s, load average %s\n", runtime.GOOS, runtime.GOARCH,
		runtime.NumCPU(), time.Now().UTC().Format(time.RFC3339), bytes.Join(bytes.Fields(load)[:min(3, len(bytes.Fields(load)))], []byte(" ")))
	fmt.Println("wall times are medians of runs taken in turns; CPU times (user+system, with children) are means and move less with load")
	fmt.Println()
	for _, step := range []func(*arches.Arch) error{r.synthesis, r.links, r.matrix} {
		if err := step(a); err != nil {
			fatal(err)
		}
	}
	r.flush()
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "report:", err)
	os.Exit(1)
}

// report collects table lines: what, elfsynth's figure, the reference
// figure, their ratio and whether it meets its aim.
type report struct {
	tw      *tabwriter.Writer
	started bool
	notes   []string
}

func (r *report) header(title string) {
	if r.started {
		fmt.Fprintln(r.tw, "\t\t\t\t\t\t\t")
	}
	r.started = true
	fmt.Fprintf(r.tw, "%s\telfsynth\treference\tratio\taim\tCPU elfsynth\tCPU reference\tCPU ratio\n", title)
}

// line prints one comparison of wall times, and of CPU times; ratio is
// ours/reference unless invert, where it is reference/ours ("times
// faster"). The verdict is on the wall-time ratio.
func (r *report) line(what string, ours, ref sample, invert bool, aim float64) {
	ratio := float64(ours.wall) / float64(ref.wall)
	cpu := float64(ours.cpu) / float64(ref.cpu)
	verdict := fmt.Sprintf("<= %.1fx", aim)
	ok := ratio <= aim
	if invert {
		ratio, cpu = 1/ratio, 1/cpu
		verdict = fmt.Sprintf(">= %.0fx", aim)
		ok = ratio >= aim
	}
	if !ok {
		verdict += "  MISSED"
	}
	fmt.Fprintf(r.tw, "  %s\t%s\t%s\t%.2fx\t%s\t%s\t%s\t%.2fx\n", what, dur(ours.wall), dur(ref.wall), ratio, verdict,
		dur(ours.cpu), dur(ref.cpu), cpu)
}

// detail prints a part of a figure above it: its wall and CPU time.
func (r *report) detail(what string, s sample) {
	fmt.Fprintf(r.tw, "    %s\t%s\t\t\t\t%s\t\t\n", what, dur(s.wall), dur(s.cpu))
}

// note adds a line printed under the table.
func (r *report) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func (r *report) flush() {
	r.tw.Flush()
	fmt.Println()
	for _, n := range r.notes {
		fmt.Println(n)
	}
}

func dur(d time.Duration) string {
	switch {
	case d < 10*time.Microsecond:
		return fmt.Sprintf("%.2fµs", float64(d)/1e3)
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1fµs", float64(d)/1e3)
	case d < 10*time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// sample is one function's figures over a measurement: its median wall
// time, and its mean CPU time (user plus system, of this process and the
// children it waited for), which other load on the machine moves less.
type sample struct {
	wall, cpu time.Duration
}

func (s *sample) add(t sample) {
	s.wall += t.wall
	s.cpu += t.cpu
}

// measure runs each f in turn, n rounds. Taking turns exposes them all
// alike to whatever else the machine is doing, and a stray slow run does
// not move a median.
func measure(n int, fs ...func() error) ([]sample, error) {
	walls := make([][]time.Duration, len(fs))
	cpus := make([]time.Duration, len(fs))
	for range n {
		for i, f := range fs {
			c0, start := cpuTime(), time.Now()
			if err := f(); err != nil {
				return nil, err
			}
			walls[i] = append(walls[i], time.Since(start))
			cpus[i] += cpuTime() - c0
		}
	}
	out := make([]sample, len(fs))
	for i, w := range walls {
		sort.Slice(w, func(a, b int) bool { return w[a] < w[b] })
		out[i] = sample{wall: w[n/2], cpu: cpus[i] / time.Duration(n)}
	}
	return out, nil
}

// cpuTime is the user and system time this process and its waited-for
// children have used so far.
func cpuTime() time.Duration {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	return tv(self.Utime) + tv(self.Stime) + tv(kids.Utime) + tv(kids.Stime)
}

func tv(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }

func loadScenario(name string) (*synth.Scenario, error) {
	return ldrun.FoundingScenario(name)
}

// quiet is a context for links that have no reason to be cancelled.
var quiet = context.Background()

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
