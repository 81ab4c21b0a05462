package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/benchreport"
	"github.com/elfsynth/elfsynth/ldrun"
)

// matrix compares the whole zero-page matrix, in process and as
// `elfsynth repro zero-page`, with its floor: the sum of each link's bare
// linker time divided by the cores; and reports the command's peak memory.
func (r *report) matrix(*arches.Arch) error {
	jobs, err := benchreport.MatrixJobs()
	if err != nil {
		return err
	}
	cores := time.Duration(runtime.NumCPU())
	r.header(fmt.Sprintf("zero-page matrix (%d links, %d cores)", len(jobs), cores))
	link, bare, per, err := serialTimes(jobs)
	if err != nil {
		return err
	}
	floor := sample{wall: bare.wall / cores, cpu: bare.cpu}
	inProc, err := once(func() error {
		_, err := ldrun.ZeroPage(quiet, ldrun.ReproOptions{Arches: arches.All()})
		return err
	})
	if err != nil {
		return err
	}
	cli, rss, rssAll, err := reproCommand()
	if err != nil {
		return err
	}
	r.line("ldrun.ZeroPage vs floor", inProc, floor, false, aimMatrix)
	r.line("elfsynth repro zero-page vs floor", cli, floor, false, aimMatrix)
	r.line("one at a time: sum of ldrun.Link vs sum of bare", link, bare, false, aimLink)
	for _, l := range sortedLinkers(per) {
		r.detail(fmt.Sprintf("bare %s: %d links, sum", l, per[l].n), per[l].bare)
	}
	verdict := fmt.Sprintf("< %s", mib(aimRSS))
	if rss >= aimRSS {
		verdict += "  MISSED"
	}
	fmt.Fprintf(r.tw, "  peak memory of elfsynth repro zero-page\t%s\t\t\t%s\t\t\t\n", mib(rss), verdict)
	fmt.Fprintf(r.tw, "    with its linkers (wait4 ru_maxrss: the largest process)\t%s\t\t\t\t\t\t\n", mib(rssAll))
	r.note("matrix floor: wall = sum of the bare links' wall times (each run once, alone) / cores;")
	r.note("  CPU = sum of the bare links' CPU times, to compare with the matrix's whole CPU time.")
	return nil
}

// linkerSum is one linker's share of the matrix, timed one link at a time.
type linkerSum struct {
	n    int
	bare sample
}

// serialTimes links each job alone, once through ldrun.Link and once bare,
// and sums the figures of each, and the bare ones per linker.
func serialTimes(jobs []ldrun.Job) (link, bare sample, per map[arches.Linker]*linkerSum, err error) {
	per = map[arches.Linker]*linkerSum{}
	for _, j := range jobs {
		b, err := bareFor(j.Options, j.Inputs)
		if err != nil {
			return link, bare, per, err
		}
		ds, err := measure(1, b.Run, func() error {
			_, err := ldrun.Link(quiet, j.Options, j.Inputs)
			return err
		})
		os.RemoveAll(b.Dir)
		if err != nil {
			return link, bare, per, err
		}
		bare.add(ds[0])
		link.add(ds[1])
		p := per[j.Options.Linker]
		if p == nil {
			p = &linkerSum{}
			per[j.Options.Linker] = p
		}
		p.n++
		p.bare.add(ds[0])
	}
	return link, bare, per, nil
}

// reproCommand runs `elfsynth repro zero-page` as a child and returns its
// wall and CPU time (with its linkers') and its peak resident memory: its
// own, and the largest of it and its linkers (what wait4 reports).
func reproCommand() (t sample, own, withLinkers uint64, err error) {
	cmd := exec.Command(*bin, "repro", "zero-page")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return t, 0, 0, err
	}
	done := make(chan struct{})
	peak := make(chan uint64)
	go watchHWM(cmd.Process.Pid, done, peak)
	err = cmd.Wait()
	t.wall = time.Since(start)
	close(done)
	own = <-peak
	if err != nil {
		return t, 0, 0, fmt.Errorf("%s: %v\n%s", cmd, err, out.String())
	}
	ps := cmd.ProcessState
	t.cpu = ps.UserTime() + ps.SystemTime()
	return t, own, benchreport.MaxRSS(ps), nil
}

// watchHWM reads the process's own peak resident memory (VmHWM, which
// only grows) every few milliseconds until done, and sends the last value
// read. Linkers are other processes and do not count.
func watchHWM(pid int, done <-chan struct{}, peak chan<- uint64) {
	var last uint64
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	status := fmt.Sprintf("/proc/%d/status", pid)
	for {
		if b, err := os.ReadFile(status); err == nil {
			if v := vmHWM(b); v > last {
				last = v
			}
		}
		select {
		case <-done:
			peak <- last
			return
		case <-tick.C:
		}
	}
}

// vmHWM picks "VmHWM:  1234 kB" out of /proc/PID/status, in bytes.
func vmHWM(status []byte) uint64 {
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb uint64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}

func sortedLinkers(per map[arches.Linker]*linkerSum) []arches.Linker {
	var ls []arches.Linker
	for l := range per {
		ls = append(ls, l)
	}
	slices.Sort(ls)
	return ls
}
