package main

import (
	"fmt"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/atomicfile"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/synth"
)

// reproLink is one linker's command in a reproducer.
type reproLink struct {
	linker  arches.Linker
	command string
}

// reproAllFiles are link.lds and a repro.sh that links with every
// installed linker of the target that takes the script, one after the
// other, and prints each image's headers: one run of it shows how the
// linkers lay the same objects out.
func reproAllFiles(u *unitFlags, scriptFlag string) ([]atomicfile.File, error) {
	a := u.plan.Arch
	script := firstSet(scriptFlag, ldrun.ScriptOf(u.scenario))
	if err := ldrun.CheckScript(script); err != nil {
		return nil, usagef("--script: %v", err)
	}
	in, err := u.plan.Inputs()
	if err != nil {
		return nil, err
	}
	var links []reproLink
	scriptText := ""
	for _, l := range ldrun.Available(a) {
		if ldrun.CheckLinkerScript(l, script) != nil {
			continue // mold takes no script
		}
		r, err := ldrun.NewReproducer(ldrun.Options{Arch: a, Linker: l, PageSize: u.plan.PageSize, Script: script}, in)
		if err != nil {
			return nil, usagef("%v", err)
		}
		scriptText = r.Script
		links = append(links, reproLink{l, r.Command})
	}
	if len(links) == 0 {
		return nil, fmt.Errorf("no linker for %s that takes script %s is installed (make toolchains)", a.Name, script)
	}
	var out []atomicfile.File
	if scriptText != "" {
		out = append(out, atomicfile.File{Name: "link.lds", Data: []byte(scriptText), Perm: 0o644})
	}
	return append(out, atomicfile.File{Name: "repro.sh", Data: reproAllScript(u.plan, script, links), Perm: 0o755}), nil
}

// reproAllScript assembles the units, then links them with each linker
// into image.LINKER and prints the image's program and section headers
// (readelf -lSW; READELF names another readelf). A linker that fails says
// so and the others still run; the script fails only when all do.
func reproAllScript(p *synth.Plan, script string, links []reproLink) []byte {
	var names []string
	for _, l := range links {
		names = append(names, l.linker.String())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# elfsynth reproducer: scenario %q for %s, page size %d, script %s, linkers %s.\n",
		p.Name, p.Arch.Name, p.PageSize, script, strings.Join(names, " "))
	fmt.Fprintf(&b, "# Assembles every unit with GNU as, then links them with each linker as elfsynth does into\n")
	fmt.Fprintf(&b, "# image.LINKER and prints its program and section headers: the layouts side by side.\n")
	fmt.Fprintf(&b, "set -e\ncd \"$(dirname \"$0\")\"\n")
	for _, u := range p.Units {
		fmt.Fprintln(&b, synth.AssembleCommand(p.Arch, u.Name))
	}
	b.WriteString(`READELF=${READELF:-readelf}
linked=0
# link NAME COMMAND...: link into image.NAME and print its headers.
link() {
	name=$1
	shift
	echo "=== $name"
	rm -f image
	if "$@"; then
		mv image "image.$name"
		"$READELF" -lSW "image.$name"
		linked=$((linked + 1))
	else
		echo "=== $name: the link failed"
	fi
}
`)
	for _, l := range links {
		fmt.Fprintf(&b, "link %s %s\n", l.linker, l.command)
	}
	b.WriteString("[ \"$linked\" -gt 0 ]\n")
	return []byte(b.String())
}
