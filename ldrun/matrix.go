package ldrun

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/synth"
)

// Job is one link of a matrix.
type Job struct {
	Options Options
	Inputs  *synth.Inputs
}

// LinkAll runs every job, at most workers at a time (zero means one per
// core). done is called as each job finishes, with its index, its result
// or error; calls never overlap, and LinkAll keeps nothing, so a caller
// that drops images keeps a matrix of any size in little memory.
func LinkAll(ctx context.Context, jobs []Job, workers int, done func(i int, r *Result, err error)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := 0; w < min(workers, len(jobs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := Link(ctx, jobs[i].Options, jobs[i].Inputs)
				mu.Lock()
				done(i, r, err)
				mu.Unlock()
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
}

// Combination is one cell of a scenario's matrix: a target, a linker and a
// page size (zero: the scenario's, else the target's).
type Combination struct {
	Arch     *arches.Arch
	Linker   arches.Linker
	PageSize uint64
}

// MatrixOptions say how LinkMatrix links every combination.
type MatrixOptions struct {
	// Script is a built-in script name or a file; empty means the
	// scenario's (see ScriptOf).
	Script string
	// Flags are extra linker flags, after the target's own.
	Flags []string
	// Timeout bounds each link; zero means DefaultTimeout.
	Timeout time.Duration
	// Workers are the parallel links; zero means one per core.
	Workers int
	// KeepImages keeps each row's image (for -o); without it only the
	// layouts stay in memory.
	KeepImages bool
	// Progress, when set, is called after each link.
	Progress func(done, total int)
}

// MatrixRow is one combination of a matrix and what its link gave.
type MatrixRow struct {
	Arch     string `json:"arch"`
	Linker   string `json:"linker"`
	PageSize uint64 `json:"page_size"`
	Script   string `json:"script"`
	// Padding is the layout's padding, inside sections and between them
	// (Layout.TotalPadding).
	Padding uint64 `json:"padding"`
	// Error is why the combination could not be built or linked; Layout
	// is then nil.
	Error  string         `json:"error,omitempty"`
	Layout *layout.Layout `json:"layout"`
	// Image is the linked image, with MatrixOptions.KeepImages.
	Image []byte `json:"-"`
	// known are the symbols the inputs and the script define or name.
	known *knownSymbols
}

// knownSymbols are the symbols a link was asked for: those its inputs
// define, and the script's text, which names the rest.
type knownSymbols struct {
	inputs map[string]bool
	script string
}

// linkerDefined reports whether a linker defined name of its own accord:
// no input defines it and the script does not name it.
func (k *knownSymbols) linkerDefined(name string) bool {
	return k != nil && !k.inputs[name] && !namesSymbol(k.script, name)
}

// namesSymbol reports whether text holds name as a whole word.
func namesSymbol(text, name string) bool {
	ident := func(b byte) bool {
		return b == '_' || b == '.' || b == '$' || '0' <= b && b <= '9' || 'a' <= b|0x20 && b|0x20 <= 'z'
	}
	for i := 0; name != ""; {
		j := strings.Index(text[i:], name)
		if j < 0 {
			return false
		}
		lo, hi := i+j, i+j+len(name)
		if (lo == 0 || !ident(text[lo-1])) && (hi == len(text) || !ident(text[hi])) {
			return true
		}
		i = lo + 1
	}
	return false
}

// LinkMatrix links scenario s for every combination, at most
// opt.Workers at a time, building its objects once per target and page
// size. It returns a row per combination, in their order; a combination
// that cannot be built (its target lacks code generation the scenario
// needs) or linked (a linker refuses, is missing or times out) is a row
// with its error, and the others still link.
func LinkMatrix(ctx context.Context, s *synth.Scenario, combos []Combination, opt MatrixOptions) []MatrixRow {
	rows := make([]MatrixRow, len(combos))
	var jobs []Job
	var jobRow []int
	built := map[string]*builtInputs{}
	script := opt.Script
	if script == "" {
		script = ScriptOf(s)
	}
	for i, c := range combos {
		key := fmt.Sprint(c.Arch.Name, " ", c.PageSize)
		if built[key] == nil {
			built[key] = buildInputs(s, c, script)
		}
		b := built[key]
		rows[i] = MatrixRow{Arch: c.Arch.Name, Linker: c.Linker.String(), PageSize: b.pageSize, Script: script, known: b.known}
		if b.err != nil {
			rows[i].Error = b.err.Error()
			continue
		}
		jobs = append(jobs, Job{Options: Options{Arch: c.Arch, Linker: c.Linker, PageSize: b.pageSize, Script: script,
			Flags: opt.Flags, Timeout: opt.Timeout}, Inputs: b.in})
		jobRow = append(jobRow, i)
	}
	finished := 0
	LinkAll(ctx, jobs, opt.Workers, func(j int, r *Result, err error) {
		row := &rows[jobRow[j]]
		if err != nil {
			row.Error = err.Error()
		} else {
			row.Layout, row.Padding = r.Layout, r.Layout.TotalPadding()
			if opt.KeepImages {
				row.Image = r.Image
			}
		}
		if finished++; opt.Progress != nil {
			opt.Progress(finished, len(jobs))
		}
	})
	return rows
}

// builtInputs are a scenario's objects for one target and page size, or
// why they could not be made.
type builtInputs struct {
	pageSize uint64
	in       *synth.Inputs
	known    *knownSymbols
	err      error
}

// buildInputs builds s for a combination's target and page size, and
// notes what symbols its inputs and script define.
func buildInputs(s *synth.Scenario, c Combination, script string) *builtInputs {
	b := &builtInputs{pageSize: c.PageSize}
	plan, err := synth.Build(s, c.Arch, c.PageSize)
	if err != nil {
		b.err = err
		return b
	}
	b.pageSize = plan.PageSize
	if b.in, b.err = plan.Inputs(); b.err != nil {
		return b
	}
	b.known, b.err = knownFor(b.in, script, c.Arch, plan.PageSize)
	return b
}

// knownFor lists the symbols the inputs define and reads the script's
// text (none for ScriptNone).
func knownFor(in *synth.Inputs, script string, a *arches.Arch, pageSize uint64) (*knownSymbols, error) {
	k := &knownSymbols{inputs: map[string]bool{}}
	objs, err := layout.ReadObjects(in.Objects)
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		for _, y := range o.Symbols {
			k.inputs[y.Name] = true
		}
	}
	if script != ScriptNone {
		if k.script, err = Script(script, a, pageSize); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// LinkerComparison is how one linker's layout differs from the reference
// linker's, for one target and page size.
type LinkerComparison struct {
	Arch     string `json:"arch"`
	PageSize uint64 `json:"page_size"`
	*layout.Comparison
}

// CompareLinkers compares, for each target and page size, every row that
// linked with the first one that did: the reference. Changes of the kinds
// in ignore are counted, not listed.
func CompareLinkers(rows []MatrixRow, ignore []layout.ChangeKind) []LinkerComparison {
	type group struct {
		arch string
		page uint64
	}
	ref := map[group]*MatrixRow{}
	out := []LinkerComparison{}
	for i := range rows {
		r := &rows[i]
		if r.Layout == nil {
			continue
		}
		g := group{r.Arch, r.PageSize}
		base, ok := ref[g]
		if !ok {
			ref[g] = r
			continue
		}
		c := compareLinker(base.Linker, base.Layout, r.Linker, r.Layout, r.known, ignore)
		out = append(out, LinkerComparison{Arch: r.Arch, PageSize: r.PageSize, Comparison: c})
	}
	return out
}

// compareLinker is how linker name's layout differs from the reference
// linker's: symbols the linker defined of its own accord (known says
// which; nil when not known) are symbol-linker changes, and changes of the
// kinds in ignore are counted, not listed.
func compareLinker(refName string, ref *layout.Layout, name string, lay *layout.Layout, known *knownSymbols, ignore []layout.ChangeKind) *layout.Comparison {
	d := layout.Diff(ref, lay)
	markLinkerSymbols(d, known)
	return layout.NewComparison(refName, name, d, ignore)
}

// markLinkerSymbols makes the changes of symbols that a linker defined of
// its own accord changes of kind symbol-linker.
func markLinkerSymbols(d *layout.Delta, known *knownSymbols) {
	for i, c := range d.Changes {
		switch c.Kind {
		case layout.ChangeSymbolAdded, layout.ChangeSymbolRemoved, layout.ChangeSymbolSection, layout.ChangeSymbolValue:
			if known.linkerDefined(c.Symbol) {
				d.Changes[i].Kind = layout.ChangeSymbolLinker
			}
		}
	}
}

// linkerComparer compares the rows of the founding case's matrix that
// share a target, page size and variant with the first of them that
// linked, as soon as all of them are done, and then lets their layouts
// go: a matrix of any size keeps only the layouts of unfinished groups.
type linkerComparer struct {
	rows    []ReproRow
	jobs    []Job
	ignore  []layout.ChangeKind
	members map[reproGroup][]int
	left    map[reproGroup]int
	layouts map[int]*layout.Layout
}

type reproGroup struct {
	arch, variant string
	page          uint64
}

// newLinkerComparer compares the rows of jobs; register tells it their
// groups.
func newLinkerComparer(rows []ReproRow, jobs []Job, ignore []layout.ChangeKind) *linkerComparer {
	return &linkerComparer{rows: rows, jobs: jobs, ignore: ignore, members: map[reproGroup][]int{}, left: map[reproGroup]int{},
		layouts: map[int]*layout.Layout{}}
}

// register notes that row i, of the group its job makes, will finish.
func (c *linkerComparer) register(i int, g reproGroup) {
	c.members[g] = append(c.members[g], i)
	c.left[g]++
}

// done records row i's result; once its group is complete it compares it.
func (c *linkerComparer) done(i int, r *Result) {
	g := reproGroup{c.rows[i].Arch, c.rows[i].Variant, c.rows[i].PageSize}
	if r != nil {
		c.layouts[i] = r.Layout
	}
	if c.left[g]--; c.left[g] > 0 {
		return
	}
	ref := -1
	for _, j := range c.members[g] {
		lay := c.layouts[j]
		switch {
		case lay == nil:
		case ref < 0:
			ref = j
		default:
			o := c.jobs[j].Options
			known, _ := knownFor(c.jobs[j].Inputs, o.Script, o.Arch, o.PageSize)
			d := compareLinker(c.rows[ref].Linker, c.layouts[ref], c.rows[j].Linker, lay, known, c.ignore)
			c.rows[j].ComparedWith, c.rows[j].Differences, c.rows[j].Hidden = c.rows[ref].Linker, d.Changes, d.Hidden
		}
	}
	for _, j := range c.members[g] {
		delete(c.layouts, j)
	}
}
