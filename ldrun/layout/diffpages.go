package layout

import (
	"debug/elf"
	"slices"
	"sort"
)

// PermPages is how many pages have one runtime permission.
type PermPages struct {
	Perm  Perm   `json:"perm"`
	Pages uint64 `json:"pages"`
}

// permOrder is the order reports list permissions in: text, read-only,
// read-only after init, writable, then anything else.
var permOrder = []Perm{PermText, PermRO, PermROAfterInit, PermRW}

// PagesPerPerm counts the pages the allocated sections occupy, per the
// permission the kernel maps them with once booted (Symbol.RuntimePerm),
// or the segment's where no symbol says. A page that needs two
// permissions counts under each; the findings name such pages.
//
// TODO(issue 11): Layout gets the pages per permission of its own; read
// them from there and drop this.
func PagesPerPerm(l *Layout) []PermPages {
	if l.PageSize == 0 || l.PageSize&(l.PageSize-1) != 0 {
		return []PermPages{}
	}
	spans := map[Perm][][2]uint64{} // page number ranges, inclusive
	mark := func(lo, hi uint64, p Perm) {
		if hi > lo {
			spans[p] = append(spans[p], [2]uint64{lo / l.PageSize, (hi - 1) / l.PageSize})
		}
	}
	for _, s := range l.Sections {
		if !s.Alloc() || s.Size == 0 || s.Segment < 0 || s.Type == elf.SHT_NOBITS && s.Flags.Has(elf.SHF_TLS) {
			continue
		}
		lo, end := uint64(s.Addr), s.End()
		if end < lo {
			continue // wraps around: no pages to count
		}
		perm := l.permBefore(s.Addr, s.Segment)
		first := sort.Search(len(l.Symbols), func(i int) bool { return l.Symbols[i].Addr > s.Addr })
		for _, y := range l.Symbols[first:] {
			if uint64(y.Addr) >= end {
				break
			}
			if y.Segment == s.Segment && y.RuntimePerm != perm {
				mark(lo, uint64(y.Addr), perm)
				lo, perm = uint64(y.Addr), y.RuntimePerm
			}
		}
		mark(lo, end, perm)
	}
	out := []PermPages{}
	for p, rs := range spans {
		out = append(out, PermPages{Perm: p, Pages: pageCount(rs)})
	}
	rank := func(p Perm) int {
		if i := slices.Index(permOrder, p); i >= 0 {
			return i
		}
		return len(permOrder) + int(p)
	}
	sort.Slice(out, func(i, j int) bool { return rank(out[i].Perm) < rank(out[j].Perm) })
	return out
}

// permBefore is the runtime permission at address a of segment seg: the
// last symbol's at or before a in that segment, else the segment's own.
func (l *Layout) permBefore(a Addr, seg int) Perm {
	i := sort.Search(len(l.Symbols), func(i int) bool { return l.Symbols[i].Addr > a })
	for i--; i >= 0; i-- {
		if y := l.Symbols[i]; y.Segment == seg {
			return y.RuntimePerm
		}
	}
	return l.Segments[seg].Flags
}

// pageCount is the number of pages the ranges cover together.
func pageCount(rs [][2]uint64) uint64 {
	sort.Slice(rs, func(i, j int) bool { return rs[i][0] < rs[j][0] })
	var n uint64
	var end uint64
	for i, r := range rs {
		switch {
		case i == 0 || r[0] > end:
			n += r[1] - r[0] + 1
			end = r[1]
		case r[1] > end:
			n += r[1] - end
			end = r[1]
		}
	}
	return n
}
