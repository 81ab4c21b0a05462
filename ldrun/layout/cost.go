package layout

import (
	"cmp"
	"debug/elf"
	"slices"
)

// countPages counts, for every allocated section, every PT_LOAD segment
// and the whole image, the pages touched under each runtime permission.
func (l *Layout) countPages() {
	l.Pages = Pages{}
	if l.PageSize == 0 {
		return
	}
	marks, kernel := l.kernelMarks()
	all := map[Perm][][2]uint64{}
	for i := range l.Sections {
		s := &l.Sections[i]
		if !s.Alloc() || s.Segment < 0 || s.Size == 0 || s.Flags.Has(elf.SHF_TLS) && s.Type == elf.SHT_NOBITS {
			continue
		}
		s.Pages = Pages{}
		for _, r := range l.permRanges(uint64(s.Addr), s.End(), l.Segments[s.Segment].Flags, marks, kernel) {
			first, last := r.lo/l.PageSize, (r.hi-1)/l.PageSize
			s.Pages[r.perm] += last - first + 1
			all[r.perm] = append(all[r.perm], [2]uint64{first, last})
		}
	}
	for i := range l.Segments {
		p := &l.Segments[i]
		if p.Type != SegmentType(elf.PT_LOAD) || p.Memsz == 0 {
			continue
		}
		p.Pages = Pages{}
		for _, r := range l.permRanges(uint64(p.Vaddr), uint64(p.Vaddr)+p.Memsz, p.Flags, marks, kernel) {
			p.Pages[r.perm] += (r.hi-1)/l.PageSize - r.lo/l.PageSize + 1
		}
	}
	for perm, rs := range all {
		l.Pages[perm] = unionLen(rs)
	}
}

// permRange is a run of addresses with one runtime permission.
type permRange struct {
	lo, hi uint64
	perm   Perm
}

// permRanges splits [lo, hi) where the kernel's runtime permission
// changes: at __start_rodata, __end_rodata and the ro_after_init bounds.
func (l *Layout) permRanges(lo, hi uint64, segPerm Perm, marks map[string]uint64, kernel bool) []permRange {
	if hi <= lo {
		return nil
	}
	if !kernel {
		return []permRange{{lo, hi, segPerm}}
	}
	cuts := []uint64{lo}
	for _, m := range marks {
		if m > lo && m < hi {
			cuts = append(cuts, m)
		}
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	var out []permRange
	for i, c := range cuts {
		end := hi
		if i+1 < len(cuts) {
			end = cuts[i+1]
		}
		perm := kernelPerm(c, marks, segPerm)
		if n := len(out); n > 0 && out[n-1].perm == perm {
			out[n-1].hi = end
			continue
		}
		out = append(out, permRange{c, end, perm})
	}
	return out
}

// kernelMarks are the addresses of the symbols that bound the kernel's
// runtime permissions, and whether the image has __start_rodata and
// __end_rodata at all.
func (l *Layout) kernelMarks() (map[string]uint64, bool) {
	marks := map[string]uint64{}
	for _, y := range l.Symbols {
		switch y.Name {
		case startRodata, endRodata, startROAfter, endROAfter:
			if _, ok := marks[y.Name]; !ok {
				marks[y.Name] = uint64(y.Addr)
			}
		}
	}
	_, s := marks[startRodata]
	_, e := marks[endRodata]
	return marks, s && e
}

// unionLen is how many page numbers the inclusive ranges cover.
func unionLen(rs [][2]uint64) uint64 {
	slices.SortFunc(rs, func(a, b [2]uint64) int { return cmp.Compare(a[0], b[0]) })
	var n, next uint64
	for i, r := range rs {
		lo := r[0]
		if i > 0 && lo < next {
			lo = next
		}
		if r[1]+1 > lo {
			n += r[1] + 1 - lo
			next = r[1] + 1
		}
	}
	return n
}
