package layout

import (
	"debug/elf"
	"fmt"
	"sort"
)

// Symbols of the kernel's scripts that bound its permissions at run time.
const (
	startRodata    = "__start_rodata"
	endRodata      = "__end_rodata"
	startROAfter   = "__start_ro_after_init"
	endROAfter     = "__end_ro_after_init"
	findingPageFmt = "%s at %s is not on a page boundary (page size %d): page %s would need both %s and %s"
)

// runtime fills in every symbol's permissions and the findings: pages
// that would need two permissions.
func (l *Layout) runtime(pageSize uint64) {
	marks := map[string]uint64{}
	for _, y := range l.Symbols {
		switch y.Name {
		case startRodata, endRodata, startROAfter, endROAfter:
			marks[y.Name] = uint64(y.Addr)
		}
	}
	_, hasStart := marks[startRodata]
	_, hasEnd := marks[endRodata]
	kernel := hasStart && hasEnd
	for i := range l.Symbols {
		y := &l.Symbols[i]
		if y.Segment >= 0 {
			y.Perm = l.Segments[y.Segment].Flags
		}
		y.RuntimePerm = y.Perm
		if kernel && y.Segment >= 0 {
			y.RuntimePerm = kernelPerm(uint64(y.Addr), marks, y.Perm)
		}
	}
	l.Findings = []string{}
	if kernel && pageSize != 0 {
		l.checkBoundary(startRodata, marks[startRodata], pageSize, PermText, PermRO)
		l.checkBoundary(endRodata, marks[endRodata], pageSize, PermRO, PermRW)
	}
	l.checkSegments(pageSize)
	for _, s := range l.Sections {
		if s.Alloc() && s.Align > 1 && uint64(s.Addr)%s.Align != 0 {
			l.Findings = append(l.Findings, fmt.Sprintf("section %s at %s is not aligned to its alignment %d", s.Name, s.Addr, s.Align))
		}
	}
}

func kernelPerm(a uint64, marks map[string]uint64, perm Perm) Perm {
	switch {
	case a < marks[startRodata]:
		if perm&PermX != 0 {
			return PermText
		}
		return perm
	case a >= marks[endRodata]:
		return PermRW
	}
	s, ok1 := marks[startROAfter]
	e, ok2 := marks[endROAfter]
	if ok1 && ok2 && a >= s && a < e {
		return PermROAfterInit
	}
	return PermRO
}

func (l *Layout) checkBoundary(name string, a, page uint64, below, above Perm) {
	if a%page != 0 {
		l.Findings = append(l.Findings, fmt.Sprintf(findingPageFmt, name, Addr(a), page, Addr(a&^(page-1)), below, above))
	}
}

// checkSegments finds loadable segments with different permissions that
// share a page.
func (l *Layout) checkSegments(page uint64) {
	if page == 0 {
		return
	}
	var loads []Segment
	for _, s := range l.Segments {
		if s.Type == SegmentType(elf.PT_LOAD) && s.Memsz > 0 {
			loads = append(loads, s)
		}
	}
	sort.SliceStable(loads, func(i, j int) bool { return loads[i].Vaddr < loads[j].Vaddr })
	for i := 1; i < len(loads); i++ {
		p, s := loads[i-1], loads[i]
		lastPage := (uint64(p.Vaddr) + p.Memsz - 1) &^ (page - 1)
		if p.Flags != s.Flags && lastPage == uint64(s.Vaddr)&^(page-1) {
			l.Findings = append(l.Findings, fmt.Sprintf("segments at %s (%s) and %s (%s) share page %s (page size %d)",
				p.Vaddr, p.Flags, s.Vaddr, s.Flags, Addr(lastPage), page))
		}
	}
}
