package main

import (
	"io"
	"path/filepath"

	"github.com/elfsynth/elfsynth/internal/bounded"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/ldrun/region"
	"github.com/elfsynth/elfsynth/synth"
)

func init() {
	register(&command{name: "scenario", args: "",
		summary: "write a scenario that reproduces one region of a real image: the input sections around a symbol with their real sizes, alignments and symbols, the rest of its output section summarised",
		flags: func(fs *flagSet) {
			fs.String("from", "", "the linked `image` (a vmlinux)")
			fs.String("map", "", "the image's link `map` (GNU ld or lld -Map; a kernel's vmlinux.map with CONFIG_VMLINUX_MAP=y)")
			fs.Var(&stringList{}, "objects", "an object `file` the image was linked from, for exact input section alignments (repeatable; a comma-separated list works too)")
			fs.String("around", "", "the `symbol` the region is around")
			fs.String("section", "", "its output `section`; default: the one holding the symbol")
			fs.Int("context", region.DefaultContext, "how many input sections on each side of the symbol's become units of their own")
			fs.String("o", "", "write the scenario to this `file` instead of standard output")
		},
		run: cmdScenario})
}

// cmdScenario writes the scenario of a region of a real image.
func cmdScenario(c *call) int {
	opt, image, err := scenarioOptions(c)
	if err != nil {
		return fail(c.stderr, err)
	}
	defer image.Close()
	res, err := region.Extract(opt)
	if err != nil {
		return fail(c.stderr, usagef("%s: %v", c.str("from"), err))
	}
	out := synth.Format(res.Scenario, res.Comment)
	if o := c.str("o"); o != "" {
		if err := writeOutput(o, out); err != nil {
			return fail(c.stderr, err)
		}
		return exitOK
	}
	if _, err := c.stdout.Write(out); err != nil {
		return fail(c.stderr, err)
	}
	return exitOK
}

// scenarioOptions reads the flags and the files they name; a file that
// cannot be read as what it should be is bad input. The image stays open
// until the caller closes it.
func scenarioOptions(c *call) (region.Options, io.Closer, error) {
	opt := region.Options{Around: c.str("around"), Section: c.str("section"), Context: c.int("context")}
	switch {
	case len(c.args) > 0:
		return opt, nil, usagef("scenario takes no arguments, only flags; got %q", c.args)
	case c.str("from") == "":
		return opt, nil, usagef("--from IMAGE is required")
	case opt.Around == "":
		return opt, nil, usagef("--around SYMBOL is required")
	case c.str("map") == "":
		return opt, nil, usagef("--map MAP is required: the link map says which input sections lie around %s (a kernel writes vmlinux.map with CONFIG_VMLINUX_MAP=y)", opt.Around)
	case opt.Context < 1:
		return opt, nil, usagef("--context %d: want at least 1", opt.Context)
	}
	f, _, err := bounded.Open(c.str("from"), bounded.ImageBytes)
	if err != nil {
		return opt, nil, inputError("--from", err)
	}
	opt.Image, opt.ImageName = f, filepath.Base(c.str("from"))
	var src layout.Sources
	if err := addSources(&src, c.str("map"), "", c.list("objects"), "--"); err != nil {
		f.Close()
		return opt, nil, err
	}
	opt.Map, opt.Objects = src.Map, src.Objects
	return opt, f, nil
}
