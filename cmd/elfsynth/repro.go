package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/ldrun/report"
)

func init() {
	register(&command{name: "repro", args: "zero-page",
		summary: "reproduce the founding case: empty_zero_page's page-alignment padding before and after the fix, and other placements",
		doc: `Links every variant of the founding case for each target, linker and page size asked for, in
parallel, and prints a table of their padding; then how each linker's layout differs from the
reference linker's (the first that linked the same target, page size and variant), known
cosmetic differences hidden and counted (see --ignore). A link that fails is a row with its
error; the others still link and are compared.

Exit status: 0 when at least one link succeeded; 1 when every link failed, or a tool or the
environment failed; 2 on bad input; 130/143 when interrupted.`,
		flags: func(fs *flagSet) {
			fs.String("arch", "all", "target `name`, a comma list, or all")
			fs.String("linker", "all", "`linker`: bfd, gold, lld, lld-NN, a comma list, or all (every installed one; mold takes no scripts)")
			fs.String("page-size", "all", "page `size`, a comma list, or all: each target's kernel page sizes")
			fs.Bool("json", false, "print JSON rows")
			fs.Duration("timeout", ldrun.DefaultTimeout, "stop a linker that runs longer than this")
			fs.Var(&stringList{}, "ignore", "leave out differences between linkers of this `kind` (repeatable); default: "+
				kindList(layout.CosmeticKinds(true))+"; none shows all")
			fs.String("script", "", "your kernel's preprocessed linker script `file` (vmlinux.lds), for one --arch: the variants run under it, "+
				"at the target's default page size, with bfd and lld (Linux does not link with gold); "+
				"after gets it with "+ldrun.FixLine+" spliced in right after __start_rodata = .; unless --fixed-script is given")
			fs.String("fixed-script", "", "your kernel's linker script `file` with the fix, for the after variant (with --script)")
		},
		run: cmdRepro})
}

func cmdRepro(c *call) int {
	if len(c.args) != 1 || c.args[0] != "zero-page" {
		return fail(c.stderr, usagef("repro knows one case: zero-page"))
	}
	opt, err := reproOptions(c.str("arch"), c.str("linker"), c.str("page-size"))
	if err != nil {
		return fail(c.stderr, err)
	}
	if opt.Timeout, err = timeoutFlag(c); err != nil {
		return fail(c.stderr, err)
	}
	if opt.Ignore, err = parseIgnore(c.list("ignore"), layout.CosmeticKinds(true)); err != nil {
		return fail(c.stderr, err)
	}
	if opt.Script, opt.FixedScript = c.str("script"), c.str("fixed-script"); opt.Script != "" || opt.FixedScript != "" {
		if err := checkReproScripts(opt, c.str("arch")); err != nil {
			return fail(c.stderr, err)
		}
	}
	opt.Progress = progressTo(c.stderr)
	ctx := newInterruptible()
	rows, err := ldrun.ZeroPage(ctx, opt)
	if sig := ctx.status(); sig != 0 {
		fmt.Fprintln(c.stderr, "elfsynth: interrupted; no table")
		return sig
	}
	if err != nil {
		return fail(c.stderr, err)
	}
	if c.bool("json") {
		if rc := writeJSON(c, rows); rc != exitOK {
			return rc
		}
	} else if err := writeReproTable(c, rows); err != nil {
		return fail(c.stderr, err)
	}
	return anyLinked(c, len(rows), func(i int) string { return rows[i].Error }, "link")
}

// writeReproTable prints the table and the differences between linkers.
func writeReproTable(c *call, rows []ldrun.ReproRow) error {
	if err := report.ReproTable(c.stdout, rows); err != nil {
		return err
	}
	return report.ReproDifferences(c.stdout, rows)
}

func reproOptions(archName, linkerName, pageSize string) (ldrun.ReproOptions, error) {
	var opt ldrun.ReproOptions
	var err error
	if opt.Arches, err = parseArchList(archName); err != nil {
		return opt, err
	}
	if opt.Linkers, err = parseLinkerList(linkerName); err != nil {
		return opt, err
	}
	for _, l := range opt.Linkers {
		if l.Kind() == arches.LinkerMold {
			return opt, usagef("--linker mold: mold takes no linker scripts; want bfd, gold, lld, lld-NN or all")
		}
	}
	if pageSize != "all" {
		for _, s := range strings.Split(pageSize, ",") {
			ps, err := parsePageSize(strings.TrimSpace(s))
			if err != nil {
				return opt, err
			}
			if len(opt.Arches) == 1 && !opt.Arches[0].HasPageSize(ps) {
				return opt, usagef("--page-size %s: %s kernels use %s", s, opt.Arches[0].Name, pageSizes(opt.Arches[0].PageSizes))
			}
			opt.PageSizes = append(opt.PageSizes, ps)
		}
	}
	return opt, nil
}

// progressTo reports progress on a terminal, and nothing when w is a pipe
// or a file.
func progressTo(w io.Writer) func(done, total int) {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	info, err := f.Stat()
	if err != nil || info.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return func(done, total int) {
		fmt.Fprintf(f, "\r%d/%d links", done, total)
		if done == total {
			fmt.Fprint(f, "\r"+strings.Repeat(" ", 24)+"\r")
		}
	}
}

// checkReproScripts checks --script and --fixed-script before anything
// links: files that exist, for one target, and a script the fix's line
// can be spliced into when no fixed script is given.
func checkReproScripts(opt ldrun.ReproOptions, archName string) error {
	switch {
	case opt.Script == "":
		return usagef("--fixed-script goes with --script, the script it fixes")
	case len(opt.Arches) != 1:
		return usagef("--script %s: give --arch, the target the script is for", opt.Script)
	case ldrun.IsBuiltinScript(opt.Script) || ldrun.IsBuiltinScript(opt.FixedScript):
		return usagef("--script takes your kernel's script file; without it repro runs the built-in scripts")
	}
	for _, f := range []struct{ flag, path string }{{"--script", opt.Script}, {"--fixed-script", opt.FixedScript}} {
		if f.path == "" {
			continue
		}
		if err := ldrun.CheckScript(f.path); err != nil {
			return usagef("%s: %v", f.flag, err)
		}
	}
	if opt.FixedScript != "" {
		return nil
	}
	text, err := ldrun.Script(opt.Script, nil, 0)
	if err != nil {
		return usagef("--script: %v", err)
	}
	if _, err := ldrun.SpliceFix(text); err != nil {
		return usagef("--script %s: %v (or give --fixed-script)", opt.Script, err)
	}
	return nil
}
