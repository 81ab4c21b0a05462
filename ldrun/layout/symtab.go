package layout

import (
	"cmp"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"
)

// readSymbols reads the image's symbol table through r, in chunks: a
// distro kernel's 117,000 symbols cost one string table and one slice,
// not a string and a struct each as debug/elf's Symbols makes.
func (l *Layout) readSymbols(f *elf.File, r io.ReaderAt) error {
	var symtab *elf.Section
	for _, s := range f.Sections {
		if s.Type == elf.SHT_SYMTAB {
			symtab = s
			break
		}
	}
	if symtab == nil || symtab.Link == 0 || int(symtab.Link) >= len(f.Sections) {
		return nil
	}
	strs, err := readAll(r, f.Sections[symtab.Link])
	if err != nil {
		return fmt.Errorf("reading the symbol names: %v", err)
	}
	// Where each section index is in l.Sections, for names and segments.
	where := make([]int32, len(f.Sections))
	for i := range where {
		where[i] = -1
	}
	for i, s := range l.Sections {
		where[s.index] = int32(i)
	}
	entSize := uint64(elf.Sym64Size)
	if f.Class == elf.ELFCLASS32 {
		entSize = elf.Sym32Size
	}
	n := symtab.Size / entSize
	if n > 0 {
		// The table's own size bounds how many symbols it can hold; a
		// header claiming more than the file has fails on reading.
		l.Symbols = make([]Symbol, 0, min(n, 1<<22))
	}
	chunk := make([]byte, 4096*entSize)
	for first := uint64(1); first < n; first += 4096 {
		count := min(4096, n-first)
		b := chunk[:count*entSize]
		if _, err := r.ReadAt(b, int64(symtab.Offset+first*entSize)); err != nil {
			return fmt.Errorf("reading the symbol table: %v", err)
		}
		for i := uint64(0); i < count; i++ {
			e := decodeSym(b[i*entSize:(i+1)*entSize], f.Class, f.ByteOrder)
			l.addSymbol(e, strs, where)
		}
	}
	l.sortSymbols()
	return nil
}

// sortSymbols puts the symbols in address order, then size, then name,
// keeping the symbol table's order among equals. It sorts indexes and
// moves each symbol once: moving 117,000 symbols about in a sort costs
// more than the rest of reading them.
func (l *Layout) sortSymbols() {
	ys := l.Symbols
	order := make([]int32, len(ys))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
		a, b := &ys[i], &ys[j]
		if c := cmp.Compare(a.Addr, b.Addr); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Size, b.Size); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(i, j)
	})
	sorted := make([]Symbol, len(ys))
	for k, i := range order {
		sorted[k] = ys[i]
	}
	l.Symbols = sorted
}

// rawSym is one symbol table entry.
type rawSym struct {
	name        uint32
	info        byte
	shndx       elf.SectionIndex
	value, size uint64
}

func decodeSym(b []byte, class elf.Class, order binary.ByteOrder) rawSym {
	if class == elf.ELFCLASS32 {
		return rawSym{name: order.Uint32(b[0:]), value: uint64(order.Uint32(b[4:])), size: uint64(order.Uint32(b[8:])),
			info: b[12], shndx: elf.SectionIndex(order.Uint16(b[14:]))}
	}
	return rawSym{name: order.Uint32(b[0:]), info: b[4], shndx: elf.SectionIndex(order.Uint16(b[6:])),
		value: order.Uint64(b[8:]), size: order.Uint64(b[16:])}
}

// addSymbol keeps named data, code and script symbols; it drops file and
// section symbols, undefined and common ones, mapping symbols ($d, $x),
// and symbols "defined" in a symbol table or other unlisted section
// (mold's __start_PHDR and friends), which are placeholders.
func (l *Layout) addSymbol(e rawSym, strs string, where []int32) {
	name := cString(strs, e.name)
	t := elf.ST_TYPE(e.info)
	switch {
	case name == "", t == elf.STT_FILE, t == elf.STT_SECTION, strings.HasPrefix(name, "$"):
		return
	case e.shndx == elf.SHN_UNDEF || e.shndx == elf.SHN_COMMON:
		return
	}
	sec, seg := absSection, -1
	if e.shndx != elf.SHN_ABS {
		if int(e.shndx) >= len(where) || where[e.shndx] < 0 {
			return
		}
		s := &l.Sections[where[e.shndx]]
		sec = s.Name
		seg = s.Segment
		if seg >= 0 {
			p := l.Segments[seg]
			if e.value < uint64(p.Vaddr) || e.value+e.size > uint64(p.Vaddr)+p.Memsz {
				seg = -1
			}
		}
	}
	if seg < 0 {
		// A symbol at the end of one segment and the start of the next
		// belongs with its section; failing that, with the segment that
		// holds it.
		seg = l.segmentOf(e.value, e.size)
	}
	l.Symbols = append(l.Symbols, Symbol{Name: name, Addr: Addr(e.value), Size: e.size, Section: sec, Segment: seg, shndx: e.shndx})
}

// cString is the NUL-terminated string at off in a string table; a
// substring, so that names share the table's memory.
func cString(strs string, off uint32) string {
	if int(off) >= len(strs) {
		return ""
	}
	s := strs[off:]
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// readAll reads a section's bytes through r in steps, so that a section
// header claiming more bytes than the file has fails at the end of the
// file instead of allocating them first.
func readAll(r io.ReaderAt, s *elf.Section) (string, error) {
	if s.Type == elf.SHT_NOBITS {
		return "", nil
	}
	const step = 1 << 20
	var b strings.Builder
	buf := make([]byte, min(step, s.Size))
	for off := uint64(0); off < s.Size; off += step {
		n := min(step, s.Size-off)
		if _, err := r.ReadAt(buf[:n], int64(s.Offset+off)); err != nil {
			return "", err
		}
		b.Write(buf[:n])
	}
	return b.String(), nil
}
