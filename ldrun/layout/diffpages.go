package layout

import (
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

// PagesPerPerm lists Layout.Pages in report order: text, read-only,
// read-only after init, writable, then the rest.
func PagesPerPerm(l *Layout) []PermPages {
	out := []PermPages{}
	for p, n := range l.Pages {
		out = append(out, PermPages{Perm: p, Pages: n})
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
