package synth

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/arches"
)

// onePageSymbol is a unit whose one symbol is size and align.
func onePageSymbol(size, align Amount) *Scenario {
	return &Scenario{File: "o.yaml", Units: []Unit{{Name: "a.o", Sections: []Section{{Name: ".data",
		Symbols: []Symbol{{Name: "x", Size: size, Align: align, Pos: Pos{3, 5}}}}}}}}
}

// TestBuildPageSizeOverflow: Build takes a page size from its caller (the
// --page-size flag) that Validate did not know; amounts that overflow 64
// bits with it are errors, not wrapped-around sizes.
func TestBuildPageSizeOverflow(t *testing.T) {
	a, err := arches.Lookup("x86_64")
	require.NoError(t, err)
	for _, tc := range []struct {
		s        *Scenario
		pageSize uint64
		want     string
	}{
		{onePageSymbol(Pages(4), Amount{}), 1 << 62, "o.yaml:3:5: units[0].sections[0].symbols[0].size: 4*page with page = 4611686018427387904 is over 1 GiB"},
		{onePageSymbol(Amount{Bytes: 1, Pages: 1}, Amount{}), 1 << 63, "o.yaml:3:5: units[0].sections[0].symbols[0].size: page+1 with page = 9223372036854775808 is over 1 GiB"},
		{onePageSymbol(Bytes(8), Pages(2)), 1 << 63, "o.yaml:3:5: units[0].sections[0].symbols[0].align: 2*page with page = 9223372036854775808 is over 1 GiB"},
		{onePageSymbol(Pages(2), Amount{}), 1 << 30, "o.yaml:3:5: units[0].sections[0].symbols[0].size: 2*page with page = 1073741824 is over 1 GiB"},
	} {
		_, err := Build(tc.s, a, tc.pageSize)
		require.EqualError(t, err, tc.want)
	}
	s := onePageSymbol(Bytes(8), Amount{})
	s.Units[0].Sections[0].Align = Pages(4)
	_, err = Build(s, a, 1<<62)
	require.EqualError(t, err, "o.yaml: units[0].sections[0].align: 4*page with page = 4611686018427387904 is over 1 GiB")

	// Within range, the same page size is fine.
	plan, err := Build(onePageSymbol(Pages(1), Amount{}), a, 1<<30)
	require.NoError(t, err)
	require.Equal(t, uint64(1<<30), plan.Units[0].section(".data").Symbols[0].Size)
}

// TestBuildTotalWithPageSize: the 2 GiB bound on all sizes and alignments
// together holds with Build's page size too, not only with the one Validate
// assumed (the scenario's, else 256 KiB).
func TestBuildTotalWithPageSize(t *testing.T) {
	a, err := arches.Lookup("x86_64")
	require.NoError(t, err)
	// Three sections of a page each: a section alone is bounded to 1 GiB.
	s := onePageSymbol(Pages(1), Amount{})
	secs := &s.Units[0].Sections
	*secs = append(*secs,
		Section{Name: ".data.y", Symbols: []Symbol{{Name: "y", Size: Pages(1), Pos: Pos{4, 5}}}},
		Section{Name: ".data.z", Symbols: []Symbol{{Name: "z", Size: Pages(1), Pos: Pos{5, 5}}}})
	require.NoError(t, s.Validate(), "3 pages of 256 KiB")
	_, err = Build(s, a, 1<<29)
	require.NoError(t, err, "3 pages of 512 MiB: 1.5 GiB")
	_, err = Build(s, a, 1<<30)
	require.EqualError(t, err, "o.yaml:5:5: units[0].sections[2].symbols[0]: the symbols' sizes and alignments add up to over 2 GiB with page = 1073741824")
}

// TestResolve: Resolve refuses what does not fit 64 bits.
func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		a    Amount
		page uint64
		want uint64
		ok   bool
	}{
		{Amount{Bytes: 100, Pages: 3}, 4096, 12388, true},
		{Pages(1 << 52), 1 << 12, 0, false},
		{Amount{Bytes: 1<<64 - 1 - 4096, Pages: 1}, 4096, 1<<64 - 1, true},
		{Amount{Bytes: 1<<64 - 4096, Pages: 1}, 4096, 0, false},
		{Pages(1<<64 - 1), 1, 1<<64 - 1, true},
		{Pages(2), 1 << 63, 0, false},
	} {
		got, err := tc.a.Resolve(tc.page)
		if !tc.ok {
			require.ErrorContains(t, err, "does not fit 64 bits", tc.a)
			continue
		}
		require.NoError(t, err, tc.a)
		require.Equal(t, tc.want, got, tc.a)
	}
}
