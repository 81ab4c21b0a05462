package layout

import (
	"debug/elf"
	"fmt"
	"sort"

	"github.com/elfsynth/elfsynth/arches"
)

// Symbols of the kernel's scripts that bound its permissions at run time.
const (
	startRodata  = "__start_rodata"
	endRodata    = "__end_rodata"
	startROAfter = "__start_ro_after_init"
	endROAfter   = "__end_ro_after_init"
	initBegin    = "__init_begin"
	initEnd      = "__init_end"
	startData    = "_sdata"
)

// PermInit is what the kernel's init memory, [__init_begin, __init_end),
// gets while it boots: everything, until the memory is freed.
const PermInit = PermR | PermW | PermX

// PermUnprotected is what every byte of a kernel gets when the kernel
// gives its parts no permissions of their own (no STRICT_KERNEL_RWX).
const PermUnprotected = PermR | PermW | PermX

// kernelRules say how a kernel-shaped image is mapped once booted. A
// layout is kernel-shaped when it has __start_rodata and __end_rodata.
type kernelRules struct {
	// marks are the addresses of the boundary symbols present.
	marks map[string]uint64
	// strict is true when the kernel maps text, rodata, init memory and
	// data with permissions of their own (STRICT_KERNEL_RWX).
	strict bool
}

// has reports whether boundary symbol name is in the image.
func (k *kernelRules) has(name string) bool {
	_, ok := k.marks[name]
	return ok
}

// inInit reports whether a lies in the init memory the kernel frees after
// boot.
func (k *kernelRules) inInit(a uint64) bool {
	return k.has(initBegin) && k.has(initEnd) && a >= k.marks[initBegin] && a < k.marks[initEnd]
}

// perm is what the kernel maps address a with once booted, given the
// permissions link of the segment holding it.
func (k *kernelRules) perm(a uint64, link Perm) Perm {
	if !k.strict {
		return PermUnprotected
	}
	switch {
	case k.inInit(a):
		return PermInit
	case a < k.marks[startRodata]:
		if link&PermX != 0 {
			return PermText
		}
		return link
	case a >= k.marks[endRodata]:
		return PermRW
	}
	s, ok1 := k.marks[startROAfter]
	e, ok2 := k.marks[endROAfter]
	if ok1 && ok2 && a >= s && a < e {
		return PermROAfterInit
	}
	return PermRO
}

// runtime fills in every symbol's permissions, link-time and at run time,
// and finds pages that would need two permissions at run time. It returns
// the kernel's rules, or nil for an image that is not kernel-shaped.
func (l *Layout) runtime(a *arches.Arch, script string) *kernelRules {
	k := l.kernelRules(a, script)
	for i := range l.Symbols {
		y := &l.Symbols[i]
		if y.Segment >= 0 {
			y.Perm = l.Segments[y.Segment].Flags
		}
		y.RuntimePerm = y.Perm
		if k != nil && y.Segment >= 0 {
			y.RuntimePerm = k.perm(uint64(y.Addr), y.Perm)
		}
	}
	switch {
	case l.PageSize == 0:
	case k == nil:
		l.checkSegments(l.PageSize)
	case k.strict:
		for _, name := range []string{startRodata, endRodata, initBegin, initEnd} {
			if k.has(name) {
				l.checkBoundary(k, name)
			}
		}
	}
	return k
}

// kernelRules reads the boundary symbols of a kernel-shaped image and
// decides whether the target's rules give its parts permissions of their
// own; nil when the image is not kernel-shaped.
func (l *Layout) kernelRules(a *arches.Arch, script string) *kernelRules {
	k := &kernelRules{marks: map[string]uint64{}}
	for _, y := range l.Symbols {
		switch y.Name {
		case startRodata, endRodata, startROAfter, endROAfter, initBegin, initEnd, startData:
			if _, seen := k.marks[y.Name]; !seen {
				k.marks[y.Name] = uint64(y.Addr)
			}
		}
	}
	if !k.has(startRodata) || !k.has(endRodata) {
		return nil
	}
	switch {
	case a == nil || a.KernelRWX == arches.RWXAlways:
		k.strict = true
	case a.KernelRWX == arches.RWXOptional:
		k.strict = l.strictRWX(k, script)
	}
	return k
}

// strictRWX decides, for a target where STRICT_KERNEL_RWX is optional,
// whether this kernel has it. With it, the script aligns the boundaries
// between text, rodata, init memory and data to a page or more (riscv:
// SECTION_ALIGN, 2 MiB); without it, to a cache line (tinyconfig: 64
// bytes). With a script its `. = ALIGN(N)` before the boundary symbols
// tells; without one, or when the script's alignments cannot be read, a
// boundary symbol on a page boundary does.
func (l *Layout) strictRWX(k *kernelRules, script string) bool {
	if script != "" {
		if aligns, ok := scriptAlignsBoundaries(script, l.PageSize); ok {
			return aligns
		}
	}
	for _, name := range []string{initBegin, startData, endRodata} {
		if v, ok := k.marks[name]; ok && l.PageSize != 0 && v%l.PageSize == 0 {
			return true
		}
	}
	return false
}

// checkBoundary finds a boundary symbol off a page boundary where the
// permissions below and above it differ: its page would need both.
func (l *Layout) checkBoundary(k *kernelRules, name string) {
	a, page := k.marks[name], l.PageSize
	if a%page == 0 || a == 0 {
		return
	}
	below, above := k.perm(a-1, l.linkPerm(a-1)), k.perm(a, l.linkPerm(a))
	if below == above {
		return
	}
	pg := a &^ (page - 1)
	l.addFinding(Finding{Kind: FindingMixedPermissions, Page: Addr(pg), Symbols: []string{name},
		Sections: l.sectionsOn(pg, pg+page),
		Message: fmt.Sprintf("%s at %s is not on a page boundary (page size %d): page %s would need both %s and %s",
			name, Addr(a), page, Addr(pg), below, above)})
}

// linkPerm is the permissions of the PT_LOAD holding address a, or none.
func (l *Layout) linkPerm(a uint64) Perm {
	if i := l.segmentOf(a, 1); i >= 0 {
		return l.Segments[i].Flags
	}
	return 0
}

// checkSegments finds loadable segments with different permissions that
// share a page: the rule for images that are not kernel-shaped, mapped by
// their program headers.
func (l *Layout) checkSegments(page uint64) {
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
			l.addFinding(Finding{Kind: FindingMixedPermissions, Page: Addr(lastPage), Symbols: []string{},
				Sections: l.sectionsOn(lastPage, lastPage+page),
				Message: fmt.Sprintf("segments at %s (%s) and %s (%s) share page %s (page size %d)",
					p.Vaddr, p.Flags, s.Vaddr, s.Flags, Addr(lastPage), page)})
		}
	}
}
