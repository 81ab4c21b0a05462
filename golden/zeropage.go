package golden

import (
	"context"
	"embed"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

//go:embed testdata/scenarios/zero-page-before.yaml testdata/scenarios/zero-page-after.yaml
var zeroPageFS embed.FS

// Variant is one placement of empty_zero_page that the founding case
// compares: a scenario and the linker script it is linked with.
type Variant struct {
	Name        string
	Scenario    string // file in golden/testdata/scenarios
	Script      string // built-in script name
	Description string
}

// ZeroPageVariants are the placements a reviewer would ask about.
var ZeroPageVariants = []Variant{
	{"before", "zero-page-before.yaml", ldrun.ScriptKernel,
		"__ro_after_init __aligned(PAGE_SIZE): in .data..ro_after_init after zero_page_pfn"},
	{"after", "zero-page-after.yaml", ldrun.ScriptKernelFixed,
		"in .rodata..page_aligned, placed right after __start_rodata = .;"},
	{"no-script-line", "zero-page-after.yaml", ldrun.ScriptKernel,
		"in .rodata..page_aligned, without the script line: *(.rodata.*) picks it up"},
	{"sort-by-alignment", "zero-page-before.yaml", ldrun.ScriptKernelSorted,
		"as before, with SORT_BY_ALIGNMENT(.data..ro_after_init) in the script"},
	{"own-section", "zero-page-after.yaml", ldrun.ScriptKernelOwnSection,
		"in .rodata..page_aligned, a page-aligned output section of its own before .rodata"},
}

// ReproRow is one link of the founding case's matrix.
type ReproRow struct {
	Arch     string `json:"arch"`
	Linker   string `json:"linker"`
	PageSize uint64 `json:"page_size"`
	Variant  string `json:"variant"`
	// Padding is the sum of holes an alignment of at least a page caused
	// (script statements aside).
	Padding     uint64     `json:"padding"`
	Addr        ldrun.Addr `json:"empty_zero_page_addr"`
	Section     string     `json:"empty_zero_page_section"`
	Perm        string     `json:"empty_zero_page_perm"`
	RuntimePerm string     `json:"empty_zero_page_runtime_perm"`
	// Error is set when the link failed; the other fields are then empty.
	Error string `json:"error,omitempty"`
}

// ReproOptions select the matrix; empty means all.
type ReproOptions struct {
	Arches    []*arches.Arch
	Linkers   []arches.Linker
	PageSizes []uint64 // each target keeps those it has
	Workers   int      // parallel links; zero means one per core
	// Timeout bounds each link; zero means ldrun.DefaultTimeout.
	Timeout time.Duration
	// Progress, when set, is called after each link.
	Progress func(done, total int)
}

// reproJob is one link of the matrix with what it stands for.
type reproJob struct {
	row ReproRow
	job ldrun.Job
}

// ZeroPage links every variant for every selected target, installed linker
// that takes scripts, and page size, and reports where empty_zero_page went
// and how much page-alignment padding each placement costs. Missing linkers
// are left out; it fails only when nothing is left.
func ZeroPage(ctx context.Context, opt ReproOptions) ([]ReproRow, error) {
	jobs, err := zeroPageJobs(opt)
	if err != nil {
		return nil, err
	}
	if len(jobs) == 0 {
		return nil, fmt.Errorf("no linker installed for the selected targets (make toolchains)")
	}
	ljobs := make([]ldrun.Job, len(jobs))
	for i, j := range jobs {
		ljobs[i] = j.job
	}
	rows := make([]ReproRow, len(jobs))
	finished := 0
	ldrun.LinkAll(ctx, ljobs, opt.Workers, func(i int, r *ldrun.Result, err error) {
		rows[i] = jobs[i].row
		if err != nil {
			rows[i].Error = err.Error()
		} else {
			fillRow(&rows[i], r.Layout)
		}
		if finished++; opt.Progress != nil {
			opt.Progress(finished, len(jobs))
		}
	})
	return rows, nil
}

func zeroPageJobs(opt ReproOptions) ([]reproJob, error) {
	scenarios := map[string]*synth.Scenario{}
	for _, v := range ZeroPageVariants {
		if scenarios[v.Scenario] != nil {
			continue
		}
		name := path.Join("testdata/scenarios", v.Scenario)
		src, err := zeroPageFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		if scenarios[v.Scenario], err = synth.Parse(name, src); err != nil {
			return nil, err
		}
	}
	var jobs []reproJob
	// Linkers of one target and page size share the objects.
	inputs := map[string][]ldrun.Input{}
	for _, a := range opt.Arches {
		for _, l := range availableScriptLinkers(a, opt.Linkers) {
			for _, ps := range pageSizesOf(a, opt.PageSizes) {
				for _, v := range ZeroPageVariants {
					key := fmt.Sprint(a.Name, ps, v.Scenario)
					if inputs[key] == nil {
						in, err := zeroPageInputs(a, ps, scenarios[v.Scenario])
						if err != nil {
							return nil, err
						}
						inputs[key] = in
					}
					jobs = append(jobs, reproJob{
						row: ReproRow{Arch: a.Name, Linker: l.String(), PageSize: ps, Variant: v.Name},
						job: ldrun.Job{Options: ldrun.Options{Arch: a, Linker: l, PageSize: ps, Script: v.Script, Timeout: opt.Timeout}, Inputs: inputs[key]},
					})
				}
			}
		}
	}
	return jobs, nil
}

// availableScriptLinkers are the installed linkers of a that take linker
// scripts (mold does not).
func availableScriptLinkers(a *arches.Arch, want []arches.Linker) []arches.Linker {
	var out []arches.Linker
	for _, l := range ldrun.Available(a) {
		if l != arches.Mold && (len(want) == 0 || slices.Contains(want, l)) {
			out = append(out, l)
		}
	}
	return out
}

func pageSizesOf(a *arches.Arch, want []uint64) []uint64 {
	if len(want) == 0 {
		return a.PageSizes
	}
	var out []uint64
	for _, p := range a.PageSizes {
		if slices.Contains(want, p) {
			out = append(out, p)
		}
	}
	return out
}

func zeroPageInputs(a *arches.Arch, ps uint64, s *synth.Scenario) ([]ldrun.Input, error) {
	plan, err := synth.Build(s, a, ps)
	if err != nil {
		return nil, err
	}
	in, _, err := Inputs(plan)
	return in, err
}

// fillRow reads the padding and empty_zero_page's place from a layout.
func fillRow(r *ReproRow, lay *ldrun.Layout) {
	r.Padding = lay.AlignmentPadding(r.PageSize)
	for _, s := range lay.Symbols {
		if s.Name == "empty_zero_page" {
			r.Addr, r.Section, r.Perm, r.RuntimePerm = s.Addr, s.Section, s.Perm, s.RuntimePerm
		}
	}
}

// WriteReproTable prints rows as a table a kernel developer can paste into
// a reply: one line per target, linker and page size, a column per
// variant with its padding in bytes.
func WriteReproTable(w io.Writer, rows []ReproRow) error {
	type key struct {
		arch, linker string
		page         uint64
	}
	var keys []key
	cells := map[key]map[string]string{}
	for _, r := range rows {
		k := key{r.Arch, r.Linker, r.PageSize}
		if cells[k] == nil {
			cells[k] = map[string]string{}
			keys = append(keys, k)
		}
		cell := fmt.Sprint(r.Padding)
		if r.Error != "" {
			cell = "link failed"
		}
		cells[k][r.Variant] = cell
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := []string{"arch", "linker", "page"}
	for _, v := range ZeroPageVariants {
		header = append(header, v.Name)
	}
	fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
	for _, k := range keys {
		line := []string{k.arch, k.linker, fmt.Sprintf("%dK", k.page>>10)}
		for _, v := range ZeroPageVariants {
			line = append(line, cells[k][v.Name])
		}
		fmt.Fprintln(tw, strings.Join(line, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, v := range ZeroPageVariants {
		fmt.Fprintln(w, summarize(v.Name, rows))
	}
	fmt.Fprintln(w, "\npadding = bytes of holes caused by an alignment of at least a page (input sections and symbols; script statements aside)")
	for _, v := range ZeroPageVariants {
		fmt.Fprintf(w, "  %-18s %s\n", v.Name+":", v.Description)
	}
	return writeFailures(w, rows)
}

// summarize is one line on a variant: over how many links, the least and
// most padding, and on how many links it was at least a page.
func summarize(variant string, rows []ReproRow) string {
	n, pages := 0, 0
	lo, hi := ^uint64(0), uint64(0)
	for _, r := range rows {
		if r.Variant != variant || r.Error != "" {
			continue
		}
		n++
		lo, hi = min(lo, r.Padding), max(hi, r.Padding)
		if r.Padding >= r.PageSize {
			pages++
		}
	}
	if n == 0 {
		return fmt.Sprintf("%-18s no links", variant+":")
	}
	return fmt.Sprintf("%-18s %d links, padding %d to %d bytes, at least a page on %d of them", variant+":", n, lo, hi, pages)
}

func writeFailures(w io.Writer, rows []ReproRow) error {
	var failed []string
	for _, r := range rows {
		if r.Error != "" {
			failed = append(failed, fmt.Sprintf("%s %s %dK %s: %s", r.Arch, r.Linker, r.PageSize>>10, r.Variant, r.Error))
		}
	}
	sort.Strings(failed)
	for _, f := range failed {
		if _, err := fmt.Fprintln(w, "\nfailed: "+f); err != nil {
			return err
		}
	}
	return nil
}
