package layout

import (
	"fmt"
	"sort"
)

// Diff lists how layout b differs from layout a: sections kept by one
// linker and dropped by the other, sections and symbols at other addresses
// or sizes, symbols of another kind (in a section or absolute), segments
// and padding. Each line names both linkers.
func Diff(a, b *Layout) []string {
	na, nb := label(a, "a"), label(b, "b")
	var out []string
	sa, sb := sectionMap(a), sectionMap(b)
	for _, name := range unionKeys(sa, sb) {
		x, okx := sa[name]
		y, oky := sb[name]
		switch {
		case !oky:
			out = append(out, fmt.Sprintf("section %s: kept by %s, dropped by %s", name, na, nb))
		case !okx:
			out = append(out, fmt.Sprintf("section %s: kept by %s, dropped by %s", name, nb, na))
		case x.Addr != y.Addr || x.Size != y.Size || x.Flags != y.Flags:
			out = append(out, fmt.Sprintf("section %s: %s %s size %#x %s, %s %s size %#x %s",
				name, na, x.Addr, x.Size, x.Flags, nb, y.Addr, y.Size, y.Flags))
		}
	}
	ya, yb := symbolMap(a), symbolMap(b)
	for _, name := range unionKeys(ya, yb) {
		x, okx := ya[name]
		y, oky := yb[name]
		switch {
		case !oky:
			out = append(out, fmt.Sprintf("symbol %s: only in %s", name, na))
		case !okx:
			out = append(out, fmt.Sprintf("symbol %s: only in %s", name, nb))
		case x.Addr != y.Addr || x.Size != y.Size || x.Section != y.Section:
			out = append(out, fmt.Sprintf("symbol %s: %s %s size %d in %s, %s %s size %d in %s",
				name, na, x.Addr, x.Size, x.Section, nb, y.Addr, y.Size, y.Section))
		}
	}
	if len(a.Segments) != len(b.Segments) {
		out = append(out, fmt.Sprintf("segments: %s has %d, %s has %d", na, len(a.Segments), nb, len(b.Segments)))
	}
	if a.Padding != b.Padding {
		out = append(out, fmt.Sprintf("padding: %s %d bytes, %s %d bytes", na, a.Padding, nb, b.Padding))
	}
	return out
}

func label(l *Layout, def string) string {
	if l.Linker.Name != "" {
		return l.Linker.Name
	}
	return def
}

func sectionMap(l *Layout) map[string]Section {
	m := map[string]Section{}
	for _, s := range l.Sections {
		if s.Alloc() {
			m[s.Name] = s
		}
	}
	return m
}

// symbolMap keys symbols by name; of same-named locals the first wins.
func symbolMap(l *Layout) map[string]Symbol {
	m := map[string]Symbol{}
	for _, s := range l.Symbols {
		if _, ok := m[s.Name]; !ok {
			m[s.Name] = s
		}
	}
	return m
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}
