package layout

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortInPlace: sorting holes in their one chunk orders them as the
// copying sort does, equal addresses in the order added.
func TestSortInPlace(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 50 {
		xs := make([]Hole, n)
		for i := range xs {
			xs[i] = Hole{Addr: Addr(r.IntN(8)), Size: uint64(i)}
		}
		addr := func(h *Hole) Addr { return h.Addr }
		want := sortedByAddr(slices.Clone(xs), addr)
		var c chunks[Hole]
		c.reserve(n)
		for _, h := range xs {
			c.add(h)
		}
		if got := c.sortedByAddr(addr); !slices.Equal(got, want) {
			t.Fatalf("%d holes: %v, want %v", n, got, want)
		}
	}
}
