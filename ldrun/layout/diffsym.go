package layout

import (
	"cmp"
	"debug/elf"
	"fmt"
	"slices"
)

// symbolPair is a symbol both sides have: the k-th of its name on each.
type symbolPair struct{ old, new Symbol }

// pairSymbols matches symbols by name; same-named ones (static symbols of
// different objects) pair up in address order.
func pairSymbols(old, new *Layout) (pairs []symbolPair, removed, added []Symbol) {
	byName := map[string][]Symbol{}
	for _, s := range new.Symbols {
		byName[s.Name] = append(byName[s.Name], s)
	}
	used := map[string]int{}
	for _, s := range old.Symbols {
		ns := byName[s.Name]
		if i := used[s.Name]; i < len(ns) {
			pairs = append(pairs, symbolPair{s, ns[i]})
			used[s.Name]++
			continue
		}
		removed = append(removed, s)
	}
	for name, ns := range byName {
		added = append(added, ns[used[name]:]...)
	}
	slices.SortFunc(added, func(a, b Symbol) int { return cmp.Or(cmp.Compare(a.Addr, b.Addr), cmp.Compare(a.Name, b.Name)) })
	return pairs, removed, added
}

// places says where symbols are in one layout: their offsets in their
// sections, the section boundaries at each address, and the anchors: the
// sections with contents that both layouts have, by address.
type places struct {
	secs    map[string]Section
	edges   map[Addr][]string
	anchors []Section
}

func newPlaces(l, other *Layout) places {
	p := places{secs: map[string]Section{}, edges: map[Addr][]string{}}
	theirs := map[string]bool{}
	for _, s := range other.Sections {
		if s.Alloc() && s.Size > 0 {
			theirs[s.Name] = true
		}
	}
	for _, s := range l.Sections {
		if _, dup := p.secs[s.Name]; !dup {
			p.secs[s.Name] = s
		}
		if !s.Alloc() {
			continue
		}
		p.edges[s.Addr] = append(p.edges[s.Addr], "start "+s.Name)
		p.edges[Addr(s.End())] = append(p.edges[Addr(s.End())], "end "+s.Name)
		if s.Size > 0 && theirs[s.Name] && !s.Flags.Has(elf.SHF_TLS) {
			p.anchors = append(p.anchors, s)
		}
	}
	return p
}

// offset is s's offset from the start of its section, negative for a
// symbol a linker counts in a section it lies before (GNU ld's
// __end_rodata in .data); false for an absolute symbol.
func (p places) offset(s Symbol) (int64, bool) {
	sec, ok := p.secs[s.Section]
	if !ok {
		return 0, false
	}
	return int64(s.Addr - sec.Addr), true
}

// where writes a symbol's place for a report: ".data+0x10", ".data-0x8",
// or the value of an absolute symbol.
func (p places) where(s Symbol) string {
	if off, ok := p.offset(s); ok {
		return s.Section + signedHex(off)
	}
	return fmt.Sprintf("%s %s", s.Section, s.Addr)
}

// signedHex writes n in hex with its sign: "+0x10", "-0x8".
func signedHex(n int64) string {
	if n < 0 {
		return fmt.Sprintf("-%#x", uint64(-n))
	}
	return fmt.Sprintf("+%#x", uint64(n))
}

// offsetValue is an offset for a change: hex, or a name when negative.
func offsetValue(n int64) Value {
	if n < 0 {
		return Text(signedHex(n))
	}
	return Hex(uint64(n))
}

// relation places an address against an anchor: inside it at an offset,
// after its end or before its start by a distance.
type relation struct {
	how     string
	section string
	dist    uint64
}

// relations are how address a relates to the anchors around it and to
// the anchor it is in.
func (p places) relations(a Addr) []relation {
	var out []relation
	var prev, next *Section
	for i := range p.anchors {
		s := &p.anchors[i]
		if s.Addr <= a && uint64(a) <= s.End() {
			out = append(out, relation{"in", s.Name, uint64(a - s.Addr)})
		}
		if s.End() <= uint64(a) && (prev == nil || s.End() > prev.End()) {
			prev = s
		}
		if s.Addr >= a && (next == nil || s.Addr < next.Addr) {
			next = s
		}
	}
	if prev != nil {
		out = append(out, relation{"after", prev.Name, uint64(a) - prev.End()})
	}
	if next != nil {
		out = append(out, relation{"before", next.Name, uint64(next.Addr - a)})
	}
	return out
}

// samePlace reports whether two symbols, each in its own layout, are at
// the same place: at the same section boundary, or placed alike against
// the sections both layouts have (at the same offset in one, or as far
// after one's end or before one's start). Which section a linker counts
// such a symbol in, if any, does not matter.
func samePlace(po places, o Symbol, pn places, n Symbol) bool {
	if sameEdge(po, o, pn, n) {
		return true
	}
	theirs := pn.relations(n.Addr)
	for _, r := range po.relations(o.Addr) {
		if slices.Contains(theirs, r) {
			return true
		}
	}
	return false
}

// sameEdge reports whether two symbols are at the same section boundary,
// each in its own layout: the end of one section or the start of another.
func sameEdge(po places, o Symbol, pn places, n Symbol) bool {
	for _, e := range po.edges[o.Addr] {
		if slices.Contains(pn.edges[n.Addr], e) {
			return true
		}
	}
	return false
}

// shiftable is a symbol that stayed in its section, with its offsets.
type shiftable struct {
	name           string
	oldOff, newOff int64
}

func diffSymbols(old, new *Layout) []Change {
	pairs, removed, added := pairSymbols(old, new)
	po, pn := newPlaces(old, new), newPlaces(new, old)
	var out []Change
	for _, s := range removed {
		out = append(out, Change{Kind: ChangeSymbolRemoved, Section: s.Section, Symbol: s.Name, Old: Text(po.where(s)), Delta: -int64(s.Size)})
	}
	for _, s := range added {
		out = append(out, Change{Kind: ChangeSymbolAdded, Section: s.Section, Symbol: s.Name, New: Text(pn.where(s)), Delta: int64(s.Size)})
	}
	stayed := map[string][]shiftable{}
	for _, p := range pairs {
		o, n := p.old, p.new
		if o.Size != n.Size {
			out = append(out, Change{Kind: ChangeSymbolSize, Section: n.Section, Symbol: n.Name, Old: Num(o.Size), New: Num(n.Size), Delta: delta(o.Size, n.Size)})
		}
		oo, ok1 := po.offset(o)
		no, ok2 := pn.offset(n)
		switch {
		case o.Section == n.Section && ok1 && ok2:
			if oo != no && !sameEdge(po, o, pn, n) {
				stayed[n.Section] = append(stayed[n.Section], shiftable{n.Name, oo, no})
			} else {
				// An anchor: it breaks a run of moved symbols.
				stayed[n.Section] = append(stayed[n.Section], shiftable{n.Name, no, no})
			}
		case o.Section == absSection && n.Section == absSection:
			if o.Addr != n.Addr && !samePlace(po, o, pn, n) {
				out = append(out, Change{Kind: ChangeSymbolValue, Symbol: n.Name, Section: absSection,
					Old: Hex(uint64(o.Addr)), New: Hex(uint64(n.Addr)), Delta: delta(uint64(o.Addr), uint64(n.Addr))})
			}
		default:
			out = append(out, movedSection(po, o, pn, n))
		}
	}
	return append(out, shiftRuns(stayed)...)
}

// movedSection is a symbol counted in another section: cosmetic when it
// is at the same boundary on both sides.
func movedSection(po places, o Symbol, pn places, n Symbol) Change {
	c := Change{Kind: ChangeSymbolSection, Section: n.Section, Symbol: n.Name, Old: Text(po.where(o)), New: Text(pn.where(n))}
	if samePlace(po, o, pn, n) {
		c.Kind = ChangeSymbolBoundary
		if o.Section == absSection || n.Section == absSection {
			c.Kind = ChangeSymbolAbsolute
		}
	}
	return c
}

// shiftRuns turns the symbols of each section, in the new address order,
// into runs that moved by the same amount: a symbol-shift per run.
func shiftRuns(stayed map[string][]shiftable) []Change {
	var out []Change
	for _, sec := range sortedKeys(stayed) {
		ss := stayed[sec]
		slices.SortStableFunc(ss, func(a, b shiftable) int {
			return cmp.Or(cmp.Compare(a.newOff, b.newOff), cmp.Compare(a.oldOff, b.oldOff), cmp.Compare(a.name, b.name))
		})
		for i := 0; i < len(ss); {
			j := i + 1
			d := ss[i].newOff - ss[i].oldOff
			for j < len(ss) && ss[j].newOff-ss[j].oldOff == d {
				j++
			}
			if d != 0 {
				c := Change{Kind: ChangeSymbolShift, Section: sec, Symbol: ss[i].name, Count: j - i,
					Old: offsetValue(ss[i].oldOff), New: offsetValue(ss[i].newOff), Delta: d}
				if j-i > 1 {
					c.Last = ss[j-1].name
				}
				out = append(out, c)
			}
			i = j
		}
	}
	return out
}
