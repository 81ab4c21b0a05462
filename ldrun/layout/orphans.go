package layout

import (
	"debug/elf"
	"path"
	"regexp"
	"sort"
	"strings"
)

var patternRE = regexp.MustCompile(`\*\(([^()]*)\)`)

// orphans lists the allocated, non-empty input sections that no
// `*(pattern ...)` of script places, as "obj(section)"; the linker puts
// them where it likes.
func orphans(script string, objs []*Object) []string {
	out := []string{}
	for _, o := range orphanInputs(script, objs) {
		out = append(out, o.obj.Name+"("+o.sec.Name+")")
	}
	sort.Strings(out)
	return out
}

// orphanInput is an input section no script rule places.
type orphanInput struct {
	obj   *Object
	sec   ObjectSection
	index int // in obj.Sections
}

// orphanInputs lists the orphans of script among objs, in link order.
func orphanInputs(script string, objs []*Object) []orphanInput {
	var pats []string
	for _, m := range patternRE.FindAllStringSubmatch(script, -1) {
		pats = append(pats, strings.Fields(m[1])...)
	}
	var out []orphanInput
	for _, o := range objs {
		for i, s := range o.Sections {
			if !s.Flags.Has(elf.SHF_ALLOC) || s.Size == 0 || matchAny(pats, s.Name) {
				continue
			}
			out = append(out, orphanInput{o, s, i})
		}
	}
	return out
}

func matchAny(pats []string, name string) bool {
	for _, p := range pats {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}
