package layout

import "github.com/elfsynth/elfsynth/internal/lds"

// The boundary symbols whose alignment in a script tells whether the
// kernel has STRICT_KERNEL_RWX.
var rwxBoundaries = []string{initBegin, startData, endRodata, startRodata}

// scriptAlignsBoundaries reports whether script aligns one of the boundary
// symbols (__init_begin, _sdata, __end_rodata, __start_rodata) to at least
// page. ok is false when the script assigns none of them right after an
// alignment it can read.
func scriptAlignsBoundaries(script string, page uint64) (aligns, ok bool) {
	for name, align := range boundaryAligns(script, page) {
		if !isBoundary(name) || align == 0 {
			continue
		}
		ok = true
		if page != 0 && align >= page {
			return true, true
		}
	}
	return false, ok
}

func isBoundary(name string) bool {
	for _, b := range rwxBoundaries {
		if b == name {
			return true
		}
	}
	return false
}

// boundaryAligns maps each symbol the script sets to the location counter
// (`NAME = .;`) to the alignment the counter is known to have there: the
// largest `. = ALIGN(N)`, or output section ALIGN(N), since the last
// statement that may have moved it. Zero means none is known.
func boundaryAligns(script string, page uint64) map[string]uint64 {
	out := map[string]uint64{}
	var pending uint64
	for _, it := range readLDS("", script, page).items {
		switch it.kind {
		case ldsAlign:
			if it.align == 0 {
				pending = 0 // an alignment the reader cannot evaluate
			} else {
				pending = max(pending, it.align)
			}
		case ldsSymbol:
			if id, ok := it.expr.(*lds.Ident); ok && id.Name == "." {
				out[it.name] = pending
			}
		case ldsStart:
			// Opening an output section keeps the counter where its
			// header's ALIGN put it.
		default:
			// Input sections, data statements, other moves of `.`, the
			// end of an output section: the counter may have moved.
			pending = 0
		}
	}
	return out
}
