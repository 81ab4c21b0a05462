package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/golden"
	"github.com/elfsynth/elfsynth/ldrun"
)

func init() {
	register(command{name: "repro", usage: "repro zero-page [--arch A|all] [--linker L|all] [--page-size N|all] [--json] [--timeout D]",
		summary: "reproduce the founding case: empty_zero_page's page-alignment padding before and after the fix, and other placements",
		run:     cmdRepro})
}

func cmdRepro(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("repro", stderr)
	archName := fs.String("arch", "all", "target `name`, or all")
	linkerName := fs.String("linker", "all", "bfd, gold, lld, or all (mold takes no scripts)")
	pageSize := fs.String("page-size", "all", "page `size`, or all: each target's kernel page sizes")
	asJSON := fs.Bool("json", false, "print JSON rows")
	timeout := fs.Duration("timeout", ldrun.DefaultTimeout, "stop a linker that runs longer than this")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return fail(stderr, usagef("%v", err))
	}
	if len(pos) != 1 || pos[0] != "zero-page" {
		return fail(stderr, usagef("repro knows one case: zero-page"))
	}
	opt, err := reproOptions(*archName, *linkerName, *pageSize)
	if err != nil {
		return fail(stderr, err)
	}
	if *timeout <= 0 {
		return fail(stderr, usagef("--timeout %v: want a positive duration such as 30s", *timeout))
	}
	opt.Timeout = *timeout
	opt.Progress = progressTo(stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rows, err := golden.ZeroPage(ctx, opt)
	if ctx.Err() != nil {
		return fail(stderr, fmt.Errorf("interrupted; no table"))
	}
	if err != nil {
		return fail(stderr, err)
	}
	if *asJSON {
		if rc := writeJSON(stdout, stderr, rows); rc != exitOK {
			return rc
		}
	} else if err := golden.WriteReproTable(stdout, rows); err != nil {
		return fail(stderr, err)
	}
	for _, r := range rows {
		if r.Error != "" {
			return exitFail
		}
	}
	return exitOK
}

func reproOptions(archName, linkerName, pageSize string) (golden.ReproOptions, error) {
	var opt golden.ReproOptions
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
		l, ok := arches.ParseLinker(linkerName)
		if !ok || l == arches.Mold {
			return opt, usagef("--linker %q: want bfd, gold, lld or all (mold takes no linker scripts)", linkerName)
		}
		opt.Linkers = []arches.Linker{l}
	}
	if pageSize != "all" {
		ps, err := parsePageSize(pageSize)
		if err != nil {
			return opt, err
		}
		if len(opt.Arches) == 1 && !opt.Arches[0].HasPageSize(ps) {
			return opt, usagef("--page-size %d: %s kernels use %s", ps, opt.Arches[0].Name, pageSizes(opt.Arches[0].PageSizes))
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
