package layout

import (
	"reflect"
	"testing"
)

// TestPageAlignedOffsets: which symbols of a page-aligned input section
// asked for the page alignment. A symbol that follows a page-sized one at
// a page multiple did not (the founding case's __zero_page after
// empty_zero_page); without padding anywhere, the first symbol did.
func TestPageAlignedOffsets(t *testing.T) {
	const page = 4096
	obj := &Object{Name: "mm_init.o", Sections: []ObjectSection{{}, {Name: ".data..ro_after_init", Align: page}, {Name: ".bss..page_aligned", Align: page}},
		Symbols: []ObjectSymbol{
			{Name: "zero_page_pfn", Section: 1, Value: 0, Size: 8},
			{Name: "empty_zero_page", Section: 1, Value: page, Size: page},
			{Name: "__zero_page", Section: 1, Value: 2 * page, Size: 8},
			{Name: "big_array", Section: 2, Value: 0, Size: 3*page + 100},
			{Name: "second", Section: 2, Value: 3*page + 104, Size: 8},
		}}
	for index, want := range map[int]map[uint64]bool{1: {page: true}, 2: {0: true}} {
		if got := pageAlignedOffsets(obj, index, page); !reflect.DeepEqual(got, want) {
			t.Errorf("section %d: page-aligned offsets %v, want %v", index, got, want)
		}
	}
}
