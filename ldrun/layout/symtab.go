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
		// Room for a distro kernel's symbols at once; a header claiming
		// more than the file has fails on reading, not on allocating.
		l.Symbols = make([]Symbol, 0, min(n, 1<<17))
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
// keeping the symbol table's order among equals. A radix sort of the
// addresses, then a sort of each run of equal addresses, then one move of
// each symbol: comparison-sorting 117,000 symbols cost more than the rest
// of reading them.
func (l *Layout) sortSymbols() {
	ys := l.Symbols
	n := len(ys)
	keys := make([]uint64, n)
	order, tmp := make([]int32, n), make([]int32, n)
	for i := range ys {
		keys[i], order[i] = uint64(ys[i].Addr), int32(i)
	}
	if n < 1<<12 {
		// Few symbols (elfsynth's own links): a comparison sort costs
		// less than the radix sort's counts.
		slices.SortFunc(order, func(i, j int32) int { return cmp.Compare(keys[i], keys[j]) })
	}
	var count []int
	if n >= 1<<12 {
		count = make([]int, 1<<16)
	}
	for shift := 0; shift < 64 && n >= 1<<12; shift += 16 {
		clear(count)
		for _, i := range order {
			count[keys[i]>>shift&0xffff]++
		}
		if count[keys[order[0]]>>shift&0xffff] == n {
			continue // one digit for all: nothing to move
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, i := range order {
			d := keys[i] >> shift & 0xffff
			tmp[count[d]] = i
			count[d]++
		}
		order, tmp = tmp, order
	}
	for a := 0; a < n; {
		b := a + 1
		for b < n && keys[order[b]] == keys[order[a]] {
			b++
		}
		if b-a > 1 {
			slices.SortFunc(order[a:b], func(i, j int32) int {
				if c := cmp.Compare(ys[i].Size, ys[j].Size); c != 0 {
					return c
				}
				if c := strings.Compare(ys[i].Name, ys[j].Name); c != 0 {
					return c
				}
				return cmp.Compare(i, j)
			})
		}
		a = b
	}
	// Move each symbol to its place in ys itself, a cycle of the
	// permutation at a time (a place done is marked by order[k] == k):
	// a sorted copy would be another 7 MB of fresh memory.
	for k := range order {
		if order[k] == int32(k) {
			continue
		}
		first, j := ys[k], k
		for {
			i := int(order[j])
			order[j] = int32(j)
			if i == k {
				ys[j] = first
				break
			}
			ys[j] = ys[i]
			j = i
		}
	}
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

// addSymbol keeps named symbols (see NamedSymbol), but not those
// "defined" in a symbol table or other unlisted section (mold's
// __start_PHDR and friends), which are placeholders.
func (l *Layout) addSymbol(e rawSym, strs string, where []int32) {
	name := cString(strs, e.name)
	if !namedSymbol(name, e.info, e.shndx) {
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
	// Room for up to 16 MiB at once (a distro kernel's names take 2.4 MB);
	// beyond, the bytes read so far pay for growing.
	b := make([]byte, 0, min(s.Size, 16<<20))
	for off := uint64(0); off < s.Size; off += step {
		n := int(min(step, s.Size-off))
		b = slices.Grow(b, n)
		if _, err := r.ReadAt(b[len(b):len(b)+n], int64(s.Offset+off)); err != nil {
			return "", err
		}
		b = b[:len(b)+n]
	}
	return string(b), nil
}
