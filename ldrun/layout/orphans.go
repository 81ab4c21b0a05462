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
// `*(pattern ...)` of script places; the linker puts them where it likes.
func orphans(script string, objs []*Object) []string {
	var pats []string
	for _, m := range patternRE.FindAllStringSubmatch(script, -1) {
		pats = append(pats, strings.Fields(m[1])...)
	}
	out := []string{}
	for _, o := range objs {
		for _, s := range o.Sections {
			if !s.Flags.Has(elf.SHF_ALLOC) || s.Size == 0 || matchAny(pats, s.Name) {
				continue
			}
			out = append(out, o.Name+"("+s.Name+")")
		}
	}
	sort.Strings(out)
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
