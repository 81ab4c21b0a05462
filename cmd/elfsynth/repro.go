package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/report"
)

func init() {
	register(&command{name: "repro", args: "zero-page",
		summary: "reproduce the founding case: empty_zero_page's page-alignment padding before and after the fix, and other placements",
		flags: func(fs *flagSet) {
			fs.String("arch", "all", "target `name`, or all")
			fs.String("linker", "all", "`linker`: bfd, gold, lld, lld-NN, or all (every installed one; mold takes no scripts)")
			fs.String("page-size", "all", "page `size`, or all: each target's kernel page sizes")
			fs.Bool("json", false, "print JSON rows")
			fs.Duration("timeout", ldrun.DefaultTimeout, "stop a linker that runs longer than this")
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
	if opt.Timeout = c.duration("timeout"); opt.Timeout <= 0 {
		return fail(c.stderr, usagef("--timeout %v: want a positive duration such as 30s", opt.Timeout))
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
	} else if err := report.ReproTable(c.stdout, rows); err != nil {
		return fail(c.stderr, err)
	}
	for _, r := range rows {
		if r.Error != "" {
			return exitFail
		}
	}
	return exitOK
}

func reproOptions(archName, linkerName, pageSize string) (ldrun.ReproOptions, error) {
	var opt ldrun.ReproOptions
	if archName == "all" {
		opt.Arches = arches.All()
	} else {
		a, err := lookupArch(archName)
		if err != nil {
			return opt, err
		}
		opt.Arches = []*arches.Arch{a}
	}
	if linkerName != "all" {
		l, err := parseLinker(linkerName)
		if err != nil {
			return opt, err
		}
		if l.Kind() == arches.LinkerMold {
			return opt, usagef("--linker mold: mold takes no linker scripts; want bfd, gold, lld, lld-NN or all")
		}
		opt.Linkers = []arches.Linker{l}
	}
	if pageSize != "all" {
		ps, err := parsePageSize(pageSize)
		if err != nil {
			return opt, err
		}
		if len(opt.Arches) == 1 && !opt.Arches[0].HasPageSize(ps) {
			return opt, usagef("--page-size %s: %s kernels use %s", pageSize, opt.Arches[0].Name, pageSizes(opt.Arches[0].PageSizes))
		}
		opt.PageSizes = []uint64{ps}
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
