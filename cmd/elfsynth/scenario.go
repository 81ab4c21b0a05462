package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"

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
	opt, err := scenarioOptions(c)
	if err != nil {
		return fail(c.stderr, err)
	}
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
// cannot be read as what it should be is bad input.
func scenarioOptions(c *call) (region.Options, error) {
	opt := region.Options{Around: c.str("around"), Section: c.str("section"), Context: c.intFlag("context")}
	switch {
	case len(c.args) > 0:
		return opt, usagef("scenario takes no arguments, only flags; got %q", c.args)
	case c.str("from") == "":
		return opt, usagef("--from IMAGE is required")
	case opt.Around == "":
		return opt, usagef("--around SYMBOL is required")
	case c.str("map") == "":
		return opt, usagef("--map MAP is required: the link map says which input sections lie around %s (a kernel writes vmlinux.map with CONFIG_VMLINUX_MAP=y)", opt.Around)
	case opt.Context < 1:
		return opt, usagef("--context %d: want at least 1", opt.Context)
	}
	image, err := os.ReadFile(c.str("from"))
	if err != nil {
		return opt, usagef("--from: %v", err)
	}
	opt.Image, opt.ImageName = bytes.NewReader(image), filepath.Base(c.str("from"))
	if opt.Map, err = readMapFile(c.str("map")); err != nil {
		return opt, err
	}
	for _, list := range c.list("objects") {
		for _, p := range strings.Split(list, ",") {
			o, err := readObjectFile(p)
			if err != nil {
				return opt, err
			}
			opt.Objects = append(opt.Objects, o)
		}
	}
	return opt, nil
}

func readMapFile(path string) (*layout.LinkMap, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("--map: %v", err)
	}
	defer f.Close()
	m, err := layout.ReadMap(f)
	if err != nil {
		return nil, usagef("--map %s: %v", path, err)
	}
	return m, nil
}

func readObjectFile(path string) (*layout.Object, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--objects: %v", err)
	}
	o, err := layout.ReadObject(filepath.Base(path), data)
	if err != nil {
		return nil, usagef("--objects: %v", err)
	}
	return o, nil
}

// intFlag is the value of an int flag.
func (c *call) intFlag(name string) int { return c.fs.Lookup(name).Value.(flag.Getter).Get().(int) }
