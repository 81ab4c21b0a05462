package ldrun

import (
	"context"
	"embed"
	"fmt"
	"path"
	"slices"
	"time"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/synth"
)

// The founding case's scenarios are product data: the repro command reads
// them, and the golden tests pin every variant.
//
//go:embed founding/*.yaml
var foundingFS embed.FS

// Variant is one placement of empty_zero_page that the founding case
// compares: a scenario and the linker script it is linked with.
type Variant struct {
	Name        string
	Scenario    string // file in ldrun/founding
	Script      string // built-in script name
	Description string
}

// ZeroPageVariants are the placements a reviewer would ask about.
func ZeroPageVariants() []Variant {
	return []Variant{
		{"before", "zero-page-before.yaml", ScriptKernel,
			"__ro_after_init __aligned(PAGE_SIZE): in .data..ro_after_init after zero_page_pfn"},
		{"after", "zero-page-after.yaml", ScriptKernelFixed,
			"in .rodata..page_aligned, placed right after __start_rodata = .;"},
		{"no-script-line", "zero-page-after.yaml", ScriptKernel,
			"in .rodata..page_aligned, without the script line: *(.rodata.*) picks it up"},
		{"sort-by-alignment", "zero-page-before.yaml", ScriptKernelSorted,
			"as before, with SORT_BY_ALIGNMENT(.data..ro_after_init) in the script"},
		{"own-section", "zero-page-after.yaml", ScriptKernelOwnSection,
			"in .rodata..page_aligned, a page-aligned output section of its own before .rodata"},
	}
}

// FoundingScenario returns one of the founding case's scenarios by file
// name ("zero-page-before.yaml"), parsed.
func FoundingScenario(file string) (*synth.Scenario, error) {
	name := path.Join("founding", file)
	src, err := foundingFS.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return synth.Parse(name, src)
}

// ReproRow is one link of the founding case's matrix.
type ReproRow struct {
	Arch     string `json:"arch"`
	Linker   string `json:"linker"`
	PageSize uint64 `json:"page_size"`
	Variant  string `json:"variant"`
	// Script is the linker script the variant linked under, as the user
	// knows it: a built-in name, or their file's name and what was
	// spliced into it.
	Script string `json:"script"`
	// Padding is the sum of holes an alignment of at least a page caused
	// (script statements aside).
	Padding     uint64      `json:"padding"`
	Addr        layout.Addr `json:"empty_zero_page_addr"`
	Section     string      `json:"empty_zero_page_section"`
	Perm        layout.Perm `json:"empty_zero_page_perm"`
	RuntimePerm layout.Perm `json:"empty_zero_page_runtime_perm"`
	// Error is set when the link failed; the other fields are then empty.
	Error string `json:"error,omitempty"`
	// ComparedWith names the reference linker of the row's target, page
	// size and variant: the first that linked. Differences are how this
	// row's layout differs from its layout, in the records of
	// layout.Diff, and Hidden counts those of ignored kinds.
	ComparedWith string                    `json:"compared_with,omitempty"`
	Differences  []layout.Change           `json:"differences,omitempty"`
	Hidden       map[layout.ChangeKind]int `json:"hidden,omitempty"`
}

// ReproOptions select the matrix; empty means all.
type ReproOptions struct {
	Arches    []*arches.Arch
	Linkers   []arches.Linker
	PageSizes []uint64 // each target keeps those it has
	Workers   int      // parallel links; zero means one per core
	// Timeout bounds each link; zero means DefaultTimeout.
	Timeout time.Duration
	// Progress, when set, is called after each link.
	Progress func(done, total int)
	// Ignore are the kinds of difference between linkers that rows count
	// but do not list (see layout.CosmeticKinds).
	Ignore []layout.ChangeKind
	// Script, when set, is the user's own linker script for the one
	// selected target (see userscript.go): the variants run under it
	// instead of the built-in scripts, the page size is the target's
	// default unless PageSizes says otherwise, and no Linkers means GNU
	// ld and lld. FixedScript is the user's script with the fix, for the
	// "after" variant; without it, the fix's line is spliced into Script.
	Script, FixedScript string
}

// reproJob is one link of the matrix with what it stands for.
type reproJob struct {
	row ReproRow
	job Job
}

// ZeroPage links every variant for every selected target, installed linker
// that takes scripts, and page size, and reports where empty_zero_page went
// and how much page-alignment padding each placement costs. Missing linkers
// are left out; it fails only when nothing is left.
func ZeroPage(ctx context.Context, opt ReproOptions) ([]ReproRow, error) {
	vs, cleanup, err := reproVariants(&opt)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	jobs, err := zeroPageJobs(opt, vs)
	if err != nil {
		return nil, err
	}
	if len(jobs) == 0 {
		return nil, fmt.Errorf("no linker installed for the selected targets (make toolchains)")
	}
	ljobs := make([]Job, len(jobs))
	for i, j := range jobs {
		ljobs[i] = j.job
	}
	rows := make([]ReproRow, len(jobs))
	cmp := newLinkerComparer(rows, ljobs, opt.Ignore)
	for i, j := range jobs {
		cmp.register(i, reproGroup{j.row.Arch, j.row.Variant, j.row.PageSize})
	}
	finished := 0
	LinkAll(ctx, ljobs, opt.Workers, func(i int, r *Result, err error) {
		rows[i] = jobs[i].row
		if err != nil {
			rows[i].Error = err.Error()
		} else {
			fillRow(&rows[i], r.Layout)
		}
		cmp.done(i, r)
		if finished++; opt.Progress != nil {
			opt.Progress(finished, len(jobs))
		}
	})
	return rows, nil
}

// MatrixJobs are the links ZeroPage runs, in its order: what a benchmark
// of the matrix links.
func MatrixJobs(opt ReproOptions) ([]Job, error) {
	if opt.Script != "" {
		return nil, fmt.Errorf("MatrixJobs covers the built-in scripts; ZeroPage runs a user's")
	}
	jobs, err := zeroPageJobs(opt, builtinVariants())
	if err != nil {
		return nil, err
	}
	out := make([]Job, len(jobs))
	for i, j := range jobs {
		out[i] = j.job
	}
	return out, nil
}

func zeroPageJobs(opt ReproOptions, variants []userVariant) ([]reproJob, error) {
	scenarios := map[string]*synth.Scenario{}
	for _, v := range variants {
		if scenarios[v.Scenario] != nil {
			continue
		}
		s, err := FoundingScenario(v.Scenario)
		if err != nil {
			return nil, err
		}
		scenarios[v.Scenario] = s
	}
	var jobs []reproJob
	// Linkers of one target and page size share the objects.
	inputs := map[string]*synth.Inputs{}
	for _, a := range opt.Arches {
		linkers := availableScriptLinkers(a, opt.Linkers)
		if opt.Script != "" {
			linkers = kernelLinkers(a, opt.Linkers)
		}
		for _, l := range linkers {
			for _, ps := range pageSizesOf(a, opt.PageSizes) {
				for _, v := range variants {
					key := fmt.Sprint(a.Name, ps, v.Scenario)
					if inputs[key] == nil {
						in, err := synth.BuildInputs(scenarios[v.Scenario], a, ps)
						if err != nil {
							return nil, err
						}
						inputs[key] = in
					}
					jobs = append(jobs, reproJob{
						row: ReproRow{Arch: a.Name, Linker: l.String(), PageSize: ps, Variant: v.Name, Script: v.shown},
						job: Job{Options: Options{Arch: a, Linker: l, PageSize: ps, Script: v.Script, Timeout: opt.Timeout}, Inputs: inputs[key]},
					})
				}
			}
		}
	}
	return jobs, nil
}

// availableScriptLinkers are the installed linkers of a that take linker
// scripts (mold does not), narrowed to want: a kind there ("lld") stands
// for its default version, a versioned name ("lld-16") for itself.
func availableScriptLinkers(a *arches.Arch, want []arches.Linker) []arches.Linker {
	var out []arches.Linker
	if len(want) == 0 {
		for _, l := range Available(a) {
			if l.Kind() != arches.LinkerMold {
				out = append(out, l)
			}
		}
		return out
	}
	for _, l := range want {
		if l.Kind() == arches.LinkerMold || !a.Supports(l) {
			continue
		}
		if prog, _ := program(a, l); lookable(prog) {
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

// fillRow reads the padding and empty_zero_page's place from a layout.
func fillRow(r *ReproRow, lay *layout.Layout) {
	r.Padding = lay.AlignmentPadding(r.PageSize)
	if s, ok := lay.Symbol("empty_zero_page"); ok {
		r.Addr, r.Section, r.Perm, r.RuntimePerm = s.Addr, s.Section, s.Perm, s.RuntimePerm
	}
}
