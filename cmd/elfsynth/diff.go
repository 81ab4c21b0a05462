package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/ldrun/report"
)

func init() {
	register(&command{name: "diff", args: "OLD NEW  |  --arch NAME SCENARIO [NEW-SCENARIO]",
		summary: "compare two layouts, two images or a scenario linked two ways: padding holes, sections, pages per permission and symbols, by delta",
		doc: `Each side is an image (a vmlinux, say), read as inspect reads it. With --arch the sides are
scenarios instead, linked as --linker, --script and --page-size say; --old-X and --new-X set X for
one side only, so that one scenario can be compared under two scripts or two linkers:
  elfsynth diff --arch x86_64 --old-script kernel --new-script kernel-fixed SCENARIO
  elfsynth diff --arch arm64 --linker lld before.yaml after.yaml

Symbols match by name and are compared by their offset in their output section, sections by
their size, holes by what follows them: when something grows, what follows it moves without
being a change, and a run of symbols that moved together is one line. --json gives every
difference as a record {kind, section, symbol, old, new, delta, cause}.

Exit status: 0 when the layouts were compared, whether or not they differ (a difference is not
a failure); 1 when a linker or the environment failed; 2 on bad input.`,
		flags: func(fs *flagSet) {
			fs.String("arch", "", "target `name`: the sides are scenarios, linked for it")
			for _, side := range []string{"", "old-", "new-"} {
				what := "both sides"
				if side != "" {
					what = "the " + strings.TrimSuffix(side, "-") + " side"
				}
				fs.String(side+"linker", "", "`linker` for "+what+" (default bfd): bfd, gold, lld, lld-NN or mold")
				fs.String(side+"script", "", "linker script for "+what+": a built-in name or a `file`; default: the scenario's")
				fs.String(side+"page-size", "", "page `size` for "+what+"; default: the scenario's, else the target's")
			}
			fs.String("old-map", "", "the old image's link `map` (GNU ld or lld -Map output)")
			fs.String("new-map", "", "the new image's link `map`")
			fs.Var(&stringList{}, "old-objects", "an `object` the old image was linked from (repeatable)")
			fs.Var(&stringList{}, "new-objects", "an `object` the new image was linked from (repeatable)")
			fs.Var(&stringList{}, "ignore", "leave out changes of this `kind` and count them in a footer (repeatable): "+kindNames())
			fs.Bool("json", false, "print the comparison as JSON")
			fs.Duration("timeout", ldrun.DefaultTimeout, "stop a linker that runs longer than this")
		},
		run: cmdDiff})
}

// cmdDiff reads or links both sides and prints how they differ.
func cmdDiff(c *call) int {
	// diff hides nothing unless asked; "default" names the kinds that
	// linker comparisons hide.
	var ignore []layout.ChangeKind
	var err error
	if list := c.list("ignore"); len(list) > 0 {
		if ignore, err = parseIgnore(list, layout.CosmeticKinds(true)); err != nil {
			return fail(c.stderr, err)
		}
	}
	ctx := newInterruptible()
	var sides [2]*diffSide
	if c.str("arch") == "" {
		sides, err = imageSides(c)
	} else {
		sides, err = scenarioSides(ctx, c)
	}
	if sig := ctx.status(); sig != 0 {
		fmt.Fprintln(c.stderr, "elfsynth: interrupted")
		return sig
	}
	if err != nil {
		return fail(c.stderr, err)
	}
	comparison := layout.Compare(sides[0].name, sides[0].lay, sides[1].name, sides[1].lay, ignore)
	if c.bool("json") {
		return writeJSON(c, comparison)
	}
	if err := report.Diff(c.stdout, comparison); err != nil {
		return fail(c.stderr, err)
	}
	return exitOK
}

// diffSide is one side of a diff: what it is called and its layout.
type diffSide struct {
	name string
	lay  *layout.Layout
}

// scenarioOnly are the flags that make sense only when the sides are
// scenarios.
var scenarioOnly = []string{"linker", "script", "page-size", "old-linker", "old-script", "old-page-size",
	"new-linker", "new-script", "new-page-size"}

// imageSides reads OLD and NEW as images, with their maps and objects.
func imageSides(c *call) ([2]*diffSide, error) {
	var sides [2]*diffSide
	for _, f := range scenarioOnly {
		if c.str(f) != "" {
			return sides, usagef("--%s needs --arch: with it the sides are scenarios; without it, images", f)
		}
	}
	if len(c.args) != 2 {
		return sides, usagef("want two images, OLD NEW, got %d arguments (or --arch NAME and scenarios)", len(c.args))
	}
	for i, side := range []string{"old", "new"} {
		lay, err := readImage(c.args[i], c.str(side+"-map"), c.list(side+"-objects"), "--"+side+"-")
		if err != nil {
			return sides, err
		}
		sides[i] = &diffSide{name: c.args[i], lay: lay}
	}
	return sides, nil
}

// readImage reads an image's layout, with its link map and objects when
// given, as inspect does. A file that cannot be read or is not what it
// should be is bad input.
func readImage(path, mapFile string, objects []string, prefix string) (*layout.Layout, error) {
	var src layout.Sources
	if err := addSources(&src, mapFile, "", objects, prefix); err != nil {
		return nil, err
	}
	return readLayout(path, src)
}

// scenarioSides links the scenario (or the two scenarios) once per side.
func scenarioSides(ctx context.Context, c *call) ([2]*diffSide, error) {
	var sides [2]*diffSide
	if c.str("old-map") != "" || c.str("new-map") != "" || len(c.list("old-objects"))+len(c.list("new-objects")) > 0 {
		return sides, usagef("--old-map, --new-map, --old-objects and --new-objects are for images; with --arch the sides are scenarios")
	}
	if len(c.args) != 1 && len(c.args) != 2 {
		return sides, usagef("with --arch, want SCENARIO or OLD-SCENARIO NEW-SCENARIO, got %d arguments", len(c.args))
	}
	a, err := lookupArch(c.str("arch"))
	if err != nil {
		return sides, err
	}
	for i, side := range []string{"old", "new"} {
		path := c.args[min(i, len(c.args)-1)]
		spec := func(flag string) string { return firstSet(c.str(side+"-"+flag), c.str(flag)) }
		if sides[i], err = linkSide(ctx, a, path, spec("linker"), spec("script"), spec("page-size"), c); err != nil {
			return sides, err
		}
	}
	return sides, nil
}

// firstSet is the first of its arguments that is not empty.
func firstSet(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// linkSide links one side's scenario and names the side by how.
func linkSide(ctx context.Context, a *arches.Arch, path, linkerName, script, pageSize string, c *call) (*diffSide, error) {
	l, err := parseLinker(firstSet(linkerName, string(arches.LinkerBFD)))
	if err != nil {
		return nil, err
	}
	if !a.Supports(l) {
		return nil, usagef("--linker %s does not link for %s (it links with %s)", l, a.Name, linkerNames(a.Linkers))
	}
	ps, err := pageSizeFor(a, pageSize)
	if err != nil {
		return nil, err
	}
	s, err := readScenario(path)
	if err != nil {
		return nil, err
	}
	if script == "" {
		script = ldrun.ScriptOf(s)
	}
	if err := ldrun.CheckScript(script); err != nil {
		return nil, usagef("--script: %v", err)
	}
	if err := linkerScriptError(l, script); err != nil {
		return nil, err
	}
	timeout, err := timeoutFlag(c)
	if err != nil {
		return nil, err
	}
	res, err := ldrun.LinkScenario(ctx, s, ldrun.Options{Arch: a, Linker: l, PageSize: ps, Script: script, Timeout: timeout})
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s %s %dK %s, script %s", a.Name, l, res.Layout.PageSize>>10, path, script)
	return &diffSide{name: name, lay: res.Layout}, nil
}

// kindNames lists the kinds --ignore takes.
func kindNames() string {
	return kindList(layout.ChangeKinds()) + "; none (hide nothing) or default (what link --linker all hides)"
}

// kindList writes kinds separated by commas.
func kindList(kinds []layout.ChangeKind) string {
	var names []string
	for _, k := range kinds {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// parseIgnore reads --ignore: kinds, "none" to hide nothing, "default"
// for the command's own default set. Without any, the default holds.
func parseIgnore(vals []string, defaults []layout.ChangeKind) ([]layout.ChangeKind, error) {
	if len(vals) == 0 {
		return defaults, nil
	}
	out := []layout.ChangeKind{}
	for _, v := range vals {
		for _, name := range strings.Split(v, ",") {
			switch name = strings.TrimSpace(name); name {
			case "none":
			case "default":
				out = append(out, defaults...)
			default:
				k := layout.ChangeKind(name)
				if !containsKind(layout.ChangeKinds(), k) {
					return nil, usagef("--ignore %q: not a kind of change; kinds: %s", name, kindNames())
				}
				out = append(out, k)
			}
		}
	}
	return out, nil
}

func containsKind(ks []layout.ChangeKind, k layout.ChangeKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}
