// Package region writes a scenario that reproduces one region of a real
// linked image: the input sections around a symbol, with their real sizes,
// alignments and symbols, and the rest of the symbol's output section
// summarised into units of the right sizes and alignments. Linked under
// the image's own linker script, the scenario lays the region out as the
// image has it, to the byte; edited, it shows what a change would do in
// milliseconds instead of a kernel rebuild.
//
// It is pure code: it reads an image, a link map and objects, and runs
// nothing.
package region

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"path"
	"sort"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/synth"
)

// DefaultContext is how many input sections on each side of the symbol's
// own become units of their own when Options.Context is zero.
const DefaultContext = 2

// Options say which region of which image to take.
type Options struct {
	// Image is the linked image; ImageName names it in the scenario's
	// comment.
	Image     io.ReaderAt
	ImageName string
	// Map is the image's link map: where each input section went.
	Map *layout.LinkMap
	// Objects are some or all of the objects the image was linked from:
	// they give input sections' exact alignments, which a GNU ld map
	// does not (lld's does); without them alignments are inferred from
	// addresses.
	Objects []*layout.Object
	// Around is the symbol the region is around.
	Around string
	// Section is its output section; empty means the one holding Around.
	Section string
	// Context is how many input sections on each side of Around's own
	// become units with their symbols; zero means DefaultContext.
	Context int
}

// Result is the scenario with what a reader of it needs to know.
type Result struct {
	Scenario *synth.Scenario
	// Arch is the image's target.
	Arch *arches.Arch
	// Comment says where the scenario comes from and how it was made,
	// for the head of its file.
	Comment string
}

// input is one input section the map places in the output section.
type input struct {
	layout.MapItem
	// align is its alignment when the objects or the map say (exact),
	// else the least alignment that puts it where it is.
	align uint64
	exact bool
	// prev is where the location counter was before it: the end of the
	// input section or script statement before it.
	prev uint64
}

// Extract writes the scenario of the region opt selects.
func Extract(opt Options) (*Result, error) {
	if opt.Map == nil {
		return nil, errors.New("a link map is needed: it says which input sections lie where")
	}
	if opt.Context <= 0 {
		opt.Context = DefaultContext
	}
	img, err := readImage(opt.Image)
	if err != nil {
		return nil, err
	}
	sym, out, err := img.find(opt.Around, opt.Section)
	if err != nil {
		return nil, err
	}
	ins, err := inputsOf(opt.Map, out, opt.Objects)
	if err != nil {
		return nil, err
	}
	k := -1
	for i, in := range ins {
		if sym.Value >= in.Addr && sym.Value < in.Addr+in.Size {
			k = i
		}
	}
	if k < 0 {
		return nil, fmt.Errorf("%s at %#x is in no input section of %s in the map", opt.Around, sym.Value, out.Name)
	}
	lo, hi := max(0, k-opt.Context), min(len(ins), k+opt.Context+1)
	b := &builder{img: img, out: out, unitNames: map[string]bool{}, globals: map[string]bool{}}
	b.summarise("rest-before", ins[:lo])
	for _, in := range ins[lo:hi] {
		b.window(in)
	}
	b.summarise("rest-after", ins[hi:])
	s := &synth.Scenario{Name: "around-" + opt.Around, PageSize: img.arch.DefaultPageSize(), Units: b.units}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("the region makes no valid scenario: %v", err)
	}
	return &Result{Scenario: s, Arch: img.arch, Comment: b.comment(opt, ins, lo, hi)}, nil
}

// image is what Extract reads of an image.
type image struct {
	arch     *arches.Arch
	sections []*elf.Section
	symbols  []elf.Symbol // named data and code symbols, by address
}

func readImage(r io.ReaderAt) (img *image, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("malformed ELF image: %v", p)
		}
	}()
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a := arches.ForELF(f.Machine, f.Class, f.ByteOrder)
	if a == nil {
		return nil, fmt.Errorf("no target elfsynth knows is %v %v", f.Machine, f.Class)
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, err
	}
	img = &image{arch: a, sections: f.Sections}
	for _, s := range syms {
		if !layout.NamedSymbol(s) || s.Section >= elf.SHN_LORESERVE || int(s.Section) >= len(f.Sections) {
			continue
		}
		img.symbols = append(img.symbols, s)
	}
	sort.SliceStable(img.symbols, func(i, j int) bool {
		a, b := img.symbols[i], img.symbols[j]
		if a.Value != b.Value {
			return a.Value < b.Value
		}
		return a.Size > b.Size
	})
	return img, nil
}

// find returns the symbol called name, and its output section: the one
// called section when that is given.
func (img *image) find(name, section string) (elf.Symbol, *elf.Section, error) {
	var found []elf.Symbol
	for _, s := range img.symbols {
		if s.Name == name && (section == "" || img.sections[s.Section].Name == section) {
			found = append(found, s)
		}
	}
	switch {
	case len(found) == 0 && section != "":
		return elf.Symbol{}, nil, fmt.Errorf("no symbol %s in section %s of the image", name, section)
	case len(found) == 0:
		return elf.Symbol{}, nil, fmt.Errorf("no symbol %s in the image", name)
	case len(found) > 1:
		return elf.Symbol{}, nil, fmt.Errorf("%d symbols are called %s; name the output section", len(found), name)
	}
	return found[0], img.sections[found[0].Section], nil
}

// inputsOf lists the non-empty input sections the map places in out, in
// map order, each with its alignment and where the one before it ended.
func inputsOf(m *layout.LinkMap, out *elf.Section, objs []*layout.Object) ([]input, error) {
	var ins []input
	in, seen := false, false
	dot := out.Addr
	for _, it := range m.Items() {
		if it.Kind == layout.MapOutput {
			in = it.Name == out.Name && it.Addr == out.Addr
			if in && it.Size != out.Size {
				return nil, fmt.Errorf("the map's %s is %d bytes, the image's %d: is it the image's map?", out.Name, it.Size, out.Size)
			}
			seen, dot = seen || in, it.Addr
			continue
		}
		if !in {
			continue
		}
		switch {
		case it.Kind == layout.MapInput && it.Size > 0:
			ins = append(ins, alignInput(it, dot, objs))
			dot = it.Addr + it.Size
		case it.Kind == layout.MapInput:
		default: // a script statement: where it left the location counter
			dot = it.Addr
		}
	}
	if !seen {
		return nil, fmt.Errorf("the map has no output section %s at %#x: is it the image's map?", out.Name, out.Addr)
	}
	return ins, nil
}

// alignInput finds an input section's alignment in the objects, else in
// the map (lld's); else it is the least that explains the gap before it.
func alignInput(it layout.MapItem, prev uint64, objs []*layout.Object) input {
	if o := objectOf(it.Object, objs); o != nil {
		for _, s := range o.Sections {
			if s.Name == it.Name && s.Size == it.Size {
				return input{MapItem: it, align: max(s.Align, 1), exact: true, prev: prev}
			}
		}
	}
	if it.Align > 0 {
		return input{MapItem: it, align: it.Align, exact: true, prev: prev}
	}
	return input{MapItem: it, align: leastAlign(it.Addr, prev), prev: prev}
}

// objectOf finds the object a map names ("mm/mm_init.o",
// "vmlinux.a(mm_init.o)") among objs, by path, by the path with "/" as
// "__" (as kernel fixtures flatten them) or by file name.
func objectOf(name string, objs []*layout.Object) *layout.Object {
	if i := strings.LastIndexByte(name, '('); i >= 0 && strings.HasSuffix(name, ")") {
		name = name[i+1 : len(name)-1]
	}
	flat := strings.ReplaceAll(name, "/", "__")
	for _, want := range []string{name, flat, path.Base(name)} {
		for _, o := range objs {
			if o.Name == want || path.Base(o.Name) == want {
				return o
			}
		}
	}
	return nil
}

// addrAlign is the largest power of two that divides addr, at most limit
// (at least 1).
func addrAlign(addr, limit uint64) uint64 {
	limit = max(limit, 1)
	if addr == 0 {
		return limit
	}
	return min(uint64(1)<<bits.TrailingZeros64(addr), limit)
}

// leastAlign is the least alignment that moves the location counter from
// prev to at: the smallest power of two dividing at that is larger than
// the gap; 1 with no gap. A gap no alignment explains (a statement that
// moved the counter, say) gets the largest power of two dividing at.
func leastAlign(at, prev uint64) uint64 {
	if at <= prev {
		return 1
	}
	for a := uint64(1); a != 0 && at%a == 0; a <<= 1 {
		if a > at-prev {
			return a
		}
	}
	return addrAlign(at, 1<<63)
}

// natural is the alignment a compiler gives an object of size bytes, as
// far as the size tells: the largest power of two not over the size, at
// most a pointer's (the widest scalar).
func natural(size, ptr uint64) uint64 {
	if size == 0 {
		return 1
	}
	return min(uint64(1)<<(63-bits.LeadingZeros64(size)), ptr)
}
