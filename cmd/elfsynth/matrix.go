package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/ldrun/report"
	"github.com/elfsynth/elfsynth/synth"
)

// linkDoc is what `elfsynth help link` says beyond the flags.
const linkDoc = `--arch, --linker and --page-size each take one value, a comma list (--linker lld-16,lld-19) or
all: all targets, every installed linker of each target (bfd, gold, every lld-NN, mold; mold only
with --script none), every kernel page size of each target. With more than one combination, link
prints a row per combination (its padding, its memory, its number of differences from the
reference linker of its target and page size, the first that linked) and, for each linker, how
its layout differs from the reference's, in the records of elfsynth diff. With one target and
page size the layouts come first. Known cosmetic differences are hidden and counted in a footer
(see --ignore). A combination that fails is a row with its error; the others still link.

Exit status: 0 when at least one combination linked; 1 when every one failed, or a tool or the
environment failed; 2 on bad input.`

// isMatrix reports whether link was asked for more than one combination.
func isMatrix(c *call) bool {
	for _, f := range []string{"arch", "linker", "page-size"} {
		if v := c.str(f); v == "all" || strings.Contains(v, ",") {
			return true
		}
	}
	return false
}

// matrixFlags are link's arguments for a matrix.
type matrixFlags struct {
	scenario *synth.Scenario
	combos   []ldrun.Combination
	skipped  []string
	// single is true for one target and page size: the layouts are shown.
	single bool
	opt    ldrun.MatrixOptions
	ignore []layout.ChangeKind
	asJSON bool
	out    string
}

// matrixResult is what link prints for a matrix with --json.
type matrixResult struct {
	Rows []ldrun.MatrixRow `json:"rows"`
	// Skipped names combinations not run, with why.
	Skipped []string `json:"skipped"`
	// Comparisons hold each linker's differences from the reference.
	Comparisons []ldrun.LinkerComparison `json:"comparisons"`
}

// cmdLinkMatrix links a scenario for every combination asked for, in
// parallel, and compares the linkers of each target and page size.
func cmdLinkMatrix(c *call) int {
	mf, err := parseMatrixFlags(c)
	if err != nil {
		return fail(c.stderr, err)
	}
	ctx := newInterruptible()
	mf.opt.Progress = progressTo(c.stderr)
	rows := ldrun.LinkMatrix(ctx, mf.scenario, mf.combos, mf.opt)
	if sig := ctx.status(); sig != 0 {
		fmt.Fprintln(c.stderr, "elfsynth: interrupted; no table")
		return sig
	}
	if err := writeMatrixImages(mf, rows); err != nil {
		return fail(c.stderr, err)
	}
	cmps := ldrun.CompareLinkers(rows, mf.ignore)
	if mf.asJSON {
		if rc := writeJSON(c, matrixResult{Rows: rows, Skipped: nonNilStrings(mf.skipped), Comparisons: cmps}); rc != exitOK {
			return rc
		}
	} else if err := writeMatrix(c, mf, rows, cmps); err != nil {
		return fail(c.stderr, err)
	}
	return anyLinked(c, len(rows), func(i int) string { return rows[i].Error }, "combination")
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeMatrix(c *call, mf *matrixFlags, rows []ldrun.MatrixRow, cmps []ldrun.LinkerComparison) error {
	if mf.single {
		for _, r := range rows {
			if r.Layout == nil {
				continue
			}
			if err := report.Layout(c.stdout, r.Layout); err != nil {
				return err
			}
			fmt.Fprintln(c.stdout)
		}
	}
	return report.Matrix(c.stdout, rows, cmps, mf.skipped)
}

// writeMatrixImages writes each image where -o says: IMAGE.LINKER for one
// target and page size, else IMAGE.ARCH.LINKER.PAGEk.
func writeMatrixImages(mf *matrixFlags, rows []ldrun.MatrixRow) error {
	if mf.out == "" {
		return nil
	}
	for _, r := range rows {
		if r.Image == nil {
			continue
		}
		path := mf.out + "." + r.Linker
		if !mf.single {
			path = fmt.Sprintf("%s.%s.%s.%dk", mf.out, r.Arch, r.Linker, r.PageSize>>10)
		}
		if err := writeOutput(path, r.Image); err != nil {
			return err
		}
	}
	return nil
}

func parseMatrixFlags(c *call) (*matrixFlags, error) {
	path, err := onePositional(c.args, "SCENARIO")
	if err != nil {
		return nil, err
	}
	mf := &matrixFlags{asJSON: c.bool("json"), out: c.str("o"),
		opt: ldrun.MatrixOptions{Flags: c.list("ld-flag"), KeepImages: c.str("o") != ""}}
	if mf.opt.Timeout, err = timeoutFlag(c); err != nil {
		return nil, err
	}
	if mf.out == "-" {
		return nil, usagef("-o -: a matrix makes many images; give a path prefix")
	}
	as, err := parseArchList(c.str("arch"))
	if err != nil {
		return nil, err
	}
	if mf.scenario, err = readScenario(path); err != nil {
		return nil, err
	}
	script := firstSet(c.str("script"), ldrun.ScriptOf(mf.scenario))
	if err := ldrun.CheckScript(script); err != nil {
		return nil, usagef("--script: %v", err)
	}
	mf.opt.Script = script
	if mf.ignore, err = parseIgnore(c.list("ignore"), layout.CosmeticKinds(script != ldrun.ScriptNone)); err != nil {
		return nil, err
	}
	if err := mf.addCombinations(as, c.str("linker"), c.str("page-size"), script); err != nil {
		return nil, err
	}
	if err := mf.dropUnbuildable(len(as) == 1); err != nil {
		return nil, err
	}
	if len(mf.combos) == 0 {
		return nil, usagef("nothing to link: %s", strings.Join(mf.skipped, "; "))
	}
	return mf, nil
}

// addCombinations crosses the targets with their linkers and page sizes;
// what a target cannot do is skipped, and is bad input when only one
// target was asked for.
func (mf *matrixFlags) addCombinations(as []*arches.Arch, linkerArg, pageArg, script string) error {
	ls, err := parseLinkerList(linkerArg)
	if err != nil {
		return err
	}
	groups := 0
	for _, a := range as {
		pages, err := pageSizesFor(a, pageArg, len(as) == 1)
		if err != nil {
			return err
		}
		if len(pages) == 0 {
			mf.skipped = append(mf.skipped, fmt.Sprintf("%s: no kernel page size %s", a.Name, pageArg))
			continue
		}
		linkers, err := mf.linkersFor(a, ls, script, len(as) == 1)
		if err != nil {
			return err
		}
		if len(linkers) > 0 {
			groups += len(pages)
		}
		for _, ps := range pages {
			for _, l := range linkers {
				mf.combos = append(mf.combos, ldrun.Combination{Arch: a, Linker: l, PageSize: ps})
			}
		}
	}
	mf.single = groups == 1
	return nil
}

// dropUnbuildable skips the targets and page sizes the scenario cannot be
// built for (code on a target without code generation): they are not
// combinations elfsynth can link. With one target that is bad input.
func (mf *matrixFlags) dropUnbuildable(only bool) error {
	type key struct {
		arch string
		page uint64
	}
	failed := map[key]bool{}
	var kept []ldrun.Combination
	for _, c := range mf.combos {
		k := key{c.Arch.Name, c.PageSize}
		if _, seen := failed[k]; !seen {
			_, err := synth.Build(mf.scenario, c.Arch, c.PageSize)
			if err != nil && only {
				return err
			}
			if failed[k] = err != nil; err != nil {
				mf.skipped = append(mf.skipped, fmt.Sprintf("%s: the scenario cannot be built for it: %s", c.Arch.Name, buildReason(err)))
			}
		}
		if !failed[k] {
			kept = append(kept, c)
		}
	}
	mf.combos = kept
	return nil
}

// buildReason is why a scenario cannot be built, without the file and
// field a bad-input message names.
func buildReason(err error) string {
	var se *synth.Error
	if errors.As(err, &se) {
		reason, _, _ := strings.Cut(se.Msg, ";")
		return reason
	}
	return err.Error()
}

// linkersFor is the linkers of a that the matrix runs: every installed one
// for "all", else those asked for that link for a and take the script.
func (mf *matrixFlags) linkersFor(a *arches.Arch, asked []arches.Linker, script string, only bool) ([]arches.Linker, error) {
	if asked == nil {
		asked = ldrun.Available(a)
		if len(asked) == 0 {
			mf.skipped = append(mf.skipped, fmt.Sprintf("%s: no linker for it is installed (make toolchains)", a.Name))
		}
	}
	var out []arches.Linker
	for _, l := range asked {
		switch {
		case !a.Supports(l) && only:
			return nil, usagef("--linker %s does not link for %s (it links with %s)", l, a.Name, linkerNames(a.Linkers))
		case !a.Supports(l):
			mf.skipped = append(mf.skipped, fmt.Sprintf("%s %s: does not link for it", a.Name, l))
		case ldrun.CheckLinkerScript(l, script) != nil:
			mf.skipped = append(mf.skipped, fmt.Sprintf("%s mold: takes no linker script (use --script none)", a.Name))
		default:
			out = append(out, l)
		}
	}
	return out, nil
}

// parseArchList reads --arch: a name, a comma list, or all.
func parseArchList(v string) ([]*arches.Arch, error) {
	if v == "all" {
		return arches.All(), nil
	}
	var out []*arches.Arch
	seen := map[string]bool{}
	for _, name := range strings.Split(v, ",") {
		a, err := lookupArch(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		if !seen[a.Name] {
			seen[a.Name] = true
			out = append(out, a)
		}
	}
	return out, nil
}

// parseLinkerList reads --linker: a name, a comma list, or all (nil).
func parseLinkerList(v string) ([]arches.Linker, error) {
	if v == "all" {
		return nil, nil
	}
	var out []arches.Linker
	for _, name := range strings.Split(v, ",") {
		l, err := parseLinker(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out, nil
}

// pageSizesFor reads --page-size for a: all of a's, those of a comma list
// that a has, or 0 (the scenario's, else a's default) when not given. A
// size a lacks is bad input when a is the only target.
func pageSizesFor(a *arches.Arch, v string, only bool) ([]uint64, error) {
	switch v {
	case "":
		return []uint64{0}, nil
	case "all":
		return a.PageSizes, nil
	}
	var out []uint64
	for _, s := range strings.Split(v, ",") {
		ps, err := parsePageSize(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		switch {
		case !a.HasPageSize(ps) && only:
			return nil, usagef("--page-size %s: %s kernels use %s", s, a.Name, pageSizes(a.PageSizes))
		case a.HasPageSize(ps) && !slices.Contains(out, ps):
			out = append(out, ps)
		}
	}
	return out, nil
}

// anyLinked is the exit status of a matrix of n rows, errAt(i) the error
// of row i: success when at least one row linked, a failure (said once,
// naming what a row is) when every one failed.
func anyLinked(c *call, n int, errAt func(int) string, row string) int {
	for i := range n {
		if errAt(i) == "" {
			return exitOK
		}
	}
	fmt.Fprintf(c.stderr, "elfsynth: every %s failed\n", row)
	return exitFail
}
