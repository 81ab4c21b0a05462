package layout

import (
	"cmp"
	"debug/elf"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Delta is how a new layout differs from an old one: the changes, each a
// structured record, and the totals a reviewer reads first.
type Delta struct {
	Old Totals `json:"old"`
	New Totals `json:"new"`
	// Changes are every difference, grouped by what changed (holes,
	// sections, segments, pages, the image, symbols, findings), each group
	// sorted by the size of its delta, largest first.
	Changes []Change `json:"changes"`
}

// Totals are one side's figures a diff puts side by side.
type Totals struct {
	// Padding is the layout's padding, inside sections and in the gaps
	// between them (Layout.TotalPadding).
	Padding uint64 `json:"padding"`
	// LoadSize is the memory of the loadable segments (see LoadSize).
	LoadSize uint64 `json:"load_size"`
	// Pages are the pages of each runtime permission.
	Pages []PermPages `json:"pages"`
}

// Change is one difference between two layouts.
type Change struct {
	Kind ChangeKind `json:"kind"`
	// Section names the output section the change is in, or is about.
	Section string `json:"section,omitempty"`
	// Symbol names the symbol the change is about; for a hole, the symbol
	// the hole comes before.
	Symbol string `json:"symbol,omitempty"`
	// Segment names a loadable segment by the first section it holds:
	// "LOAD .rodata", or "LOAD (headers)" for one that holds none.
	Segment string `json:"segment,omitempty"`
	// Perm is the runtime permission a pages change counts, or a
	// segment's permission (the new side's when it has the segment).
	Perm Perm `json:"perm,omitempty"`
	// Place says where a hole is: "before empty_zero_page", "at the end
	// of .rodata", "before .data".
	Place string `json:"place,omitempty"`
	// Old and New are the two sides' values: sizes, offsets and counts as
	// numbers, addresses as hex strings, names as strings; null on the
	// side that lacks the thing.
	Old Value `json:"old"`
	New Value `json:"new"`
	// Delta is New minus Old for numbers (zero for names).
	Delta int64 `json:"delta"`
	// OldCause and Cause explain a hole on each side; for a section, Cause
	// is how much of its change is padding.
	OldCause string `json:"old_cause,omitempty"`
	Cause    string `json:"cause,omitempty"`
	// Count and Last, for a symbol-shift: how many symbols moved together
	// by Delta, from Symbol to Last in address order.
	Count int    `json:"count,omitempty"`
	Last  string `json:"last,omitempty"`
}

// ChangeKind says what sort of difference a Change is.
type ChangeKind string

// The kinds of change. Holes count only holes that are padding.
const (
	ChangeHoleAdded   ChangeKind = "hole-added"
	ChangeHoleRemoved ChangeKind = "hole-removed"
	ChangeHoleGrown   ChangeKind = "hole-grown"
	ChangeHoleShrunk  ChangeKind = "hole-shrunk"
	// ChangeHoleCause: a hole of the same size with another cause, both
	// causes known (not inferred).
	ChangeHoleCause ChangeKind = "hole-cause"

	ChangeSectionAdded   ChangeKind = "section-added"
	ChangeSectionRemoved ChangeKind = "section-removed"
	ChangeSectionGrown   ChangeKind = "section-grown"
	ChangeSectionShrunk  ChangeKind = "section-shrunk"
	// ChangeSectionEmpty: an empty section one side keeps and the other
	// drops, or whose flags or alignment differ where it is empty on both.
	ChangeSectionEmpty ChangeKind = "section-empty"
	ChangeSectionFlags ChangeKind = "section-flags"
	ChangeSectionAlign ChangeKind = "section-align"
	// ChangeSectionOrder: a section follows another section (among those
	// both sides have) than it did.
	ChangeSectionOrder ChangeKind = "section-order"

	ChangeSegmentAdded   ChangeKind = "segment-added"
	ChangeSegmentRemoved ChangeKind = "segment-removed"
	ChangeSegmentGrown   ChangeKind = "segment-grown"
	ChangeSegmentShrunk  ChangeKind = "segment-shrunk"
	// ChangeSegmentFlags: a segment with other permissions.
	ChangeSegmentFlags ChangeKind = "segment-flags"
	// ChangeSegmentEmpty: a loadable segment of no memory that one side
	// has and the other not.
	ChangeSegmentEmpty ChangeKind = "segment-empty"
	// ChangeSegmentHeaders: a loadable segment that holds no section, only
	// the ELF headers, that one side maps and the other not (gold maps
	// them a page below the script's first address).
	ChangeSegmentHeaders ChangeKind = "segment-headers"

	// ChangePages: the pages of a runtime permission.
	ChangePages ChangeKind = "pages"
	// ChangeLoadSize: the memory of the loadable segments that hold
	// sections, in total.
	ChangeLoadSize ChangeKind = "load-size"
	// ChangeBaseAddress: the address of the lowest loadable segment that
	// holds a section.
	ChangeBaseAddress ChangeKind = "base-address"
	// ChangeLandmark: a kernel landmark (Landmarks: __init_begin, _sdata,
	// _end, ...) at another address: what a few bytes of padding can
	// cost in whole pages or segment alignments.
	ChangeLandmark ChangeKind = "landmark"

	ChangeSymbolAdded   ChangeKind = "symbol-added"
	ChangeSymbolRemoved ChangeKind = "symbol-removed"
	ChangeSymbolSize    ChangeKind = "symbol-size"
	// ChangeSymbolShift: a run of symbols whose offsets in their output
	// section all moved by the same amount: one record for all of them.
	ChangeSymbolShift ChangeKind = "symbol-shift"
	// ChangeSymbolSection: a symbol in another section, at another place.
	ChangeSymbolSection ChangeKind = "symbol-section"
	// ChangeSymbolValue: an absolute symbol with another value.
	ChangeSymbolValue ChangeKind = "symbol-value"
	// ChangeSymbolAbsolute: the same place, absolute on one side and
	// section-relative on the other (gold's __end_rodata).
	ChangeSymbolAbsolute ChangeKind = "symbol-absolute"
	// ChangeSymbolBoundary: the same place, counted in a neighbouring or
	// empty section (_stext in .rodata when an empty .text is dropped).
	ChangeSymbolBoundary ChangeKind = "symbol-boundary"
	// ChangeSymbolLinker: a symbol that neither the inputs nor the script
	// define, which a linker adds, drops or places by its own convention
	// (_end, __bss_start, _GLOBAL_OFFSET_TABLE_). Diff cannot tell; a
	// caller that knows the inputs sets it (see ldrun.CompareLinkers).
	ChangeSymbolLinker ChangeKind = "symbol-linker"

	ChangeFindingAdded   ChangeKind = "finding-added"
	ChangeFindingRemoved ChangeKind = "finding-removed"
)

// ChangeKinds lists every kind, in the order Diff groups changes.
func ChangeKinds() []ChangeKind {
	return []ChangeKind{
		ChangeHoleAdded, ChangeHoleRemoved, ChangeHoleGrown, ChangeHoleShrunk, ChangeHoleCause,
		ChangeSectionAdded, ChangeSectionRemoved, ChangeSectionGrown, ChangeSectionShrunk,
		ChangeSectionEmpty, ChangeSectionFlags, ChangeSectionAlign, ChangeSectionOrder,
		ChangeSegmentAdded, ChangeSegmentRemoved, ChangeSegmentGrown, ChangeSegmentShrunk, ChangeSegmentFlags,
		ChangeSegmentEmpty, ChangeSegmentHeaders,
		ChangePages, ChangeLoadSize, ChangeBaseAddress, ChangeLandmark,
		ChangeSymbolAdded, ChangeSymbolRemoved, ChangeSymbolSize, ChangeSymbolShift,
		ChangeSymbolSection, ChangeSymbolValue, ChangeSymbolAbsolute, ChangeSymbolBoundary, ChangeSymbolLinker,
		ChangeFindingAdded, ChangeFindingRemoved,
	}
}

// CosmeticKinds are the kinds a comparison of linkers hides unless asked:
// the same address written as absolute or section-relative, or counted in
// a neighbouring section; empty sections and segments kept or dropped,
// and the ELF headers mapped or not; symbols a linker defines by its own
// convention. When no script sets the base address (a linker's default
// layout), where the image starts is each linker's own choice too.
func CosmeticKinds(scriptSetsBase bool) []ChangeKind {
	kinds := []ChangeKind{ChangeSymbolAbsolute, ChangeSymbolBoundary, ChangeSymbolLinker, ChangeSectionEmpty,
		ChangeSegmentEmpty, ChangeSegmentHeaders}
	if !scriptSetsBase {
		kinds = append(kinds, ChangeBaseAddress)
	}
	return kinds
}

// Comparison is a Delta between two named layouts, its changes of ignored
// kinds counted rather than listed: what a report prints.
type Comparison struct {
	// OldName and NewName say what each side is: "bfd", or an image's path.
	OldName string `json:"old_name"`
	NewName string `json:"new_name"`
	*Delta
	// Hidden counts the changes left out, by kind.
	Hidden map[ChangeKind]int `json:"hidden"`
}

// Compare diffs two layouts and leaves out the changes of the kinds in
// ignore.
func Compare(oldName string, old *Layout, newName string, new *Layout, ignore []ChangeKind) *Comparison {
	return NewComparison(oldName, newName, Diff(old, new), ignore)
}

// NewComparison names the sides of a delta and leaves out the changes of
// the kinds in ignore.
func NewComparison(oldName, newName string, d *Delta, ignore []ChangeKind) *Comparison {
	c := &Comparison{OldName: oldName, NewName: newName, Delta: d}
	d.Changes, c.Hidden = Hide(d.Changes, ignore)
	return c
}

// Hide splits changes into those to show and a count, by kind, of those
// of an ignored kind.
func Hide(changes []Change, ignore []ChangeKind) (shown []Change, hidden map[ChangeKind]int) {
	shown, hidden = []Change{}, map[ChangeKind]int{}
	for _, c := range changes {
		if slices.Contains(ignore, c.Kind) {
			hidden[c.Kind]++
			continue
		}
		shown = append(shown, c)
	}
	return shown, hidden
}

// Diff compares two layouts of the same program. Addresses are compared
// where they mean something: a symbol by its offset in its output section,
// a section by its size, a hole by the symbol or section it precedes. So
// when one thing grows, what follows it moves but is not a change; a run
// of symbols that all move by the same amount inside a section is one
// change. Diff of a layout with itself has no changes.
func Diff(old, new *Layout) *Delta {
	d := &Delta{Old: totals(old), New: totals(new)}
	holes := diffHoles(old, new)
	d.Changes = append(d.Changes, holes...)
	d.Changes = append(d.Changes, diffSections(old, new, holes)...)
	d.Changes = append(d.Changes, diffSegments(old, new)...)
	d.Changes = append(d.Changes, diffPages(d.Old.Pages, d.New.Pages)...)
	d.Changes = append(d.Changes, diffImage(old, new, d)...)
	d.Changes = append(d.Changes, diffSymbols(old, new)...)
	d.Changes = append(d.Changes, diffFindings(old, new)...)
	order := map[ChangeKind]int{}
	for i, k := range ChangeKinds() {
		order[k] = i
	}
	slices.SortStableFunc(d.Changes, func(a, b Change) int {
		return cmp.Or(cmp.Compare(group(a.Kind), group(b.Kind)), cmp.Compare(abs(b.Delta), abs(a.Delta)),
			cmp.Compare(order[a.Kind], order[b.Kind]), cmp.Compare(a.Section, b.Section), cmp.Compare(a.Symbol, b.Symbol))
	})
	return d
}

// group is the heading a kind is listed under: its name up to the dash.
func group(k ChangeKind) int {
	head, _, _ := strings.Cut(string(k), "-")
	return slices.Index([]string{"hole", "section", "segment", "pages", "load", "base", "landmark", "symbol", "finding"}, head)
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func delta(old, new uint64) int64 { return int64(new - old) }

func totals(l *Layout) Totals {
	return Totals{Padding: l.TotalPadding(), LoadSize: LoadSize(l), Pages: PagesPerPerm(l)}
}

// LoadSize is the memory of the loadable segments that hold sections: a
// segment of the ELF headers alone does not count.
func LoadSize(l *Layout) uint64 {
	var n uint64
	for _, s := range loadSegments(l) {
		if s.first != "" {
			n += s.Memsz
		}
	}
	return n
}

// holeKey names a hole by what follows it, so that the same hole is found
// on both sides wherever the addresses moved: "sym NAME", "start SECTION"
// or "end SECTION", with an ordinal for holes that share it.
type holeKey struct {
	after string
	n     int
}

func keyedHoles(l *Layout) (map[holeKey]Hole, []holeKey) {
	m := map[holeKey]Hole{}
	var keys []holeKey
	seen := map[string]int{}
	for _, h := range l.Holes {
		after := holeAfter(l, h)
		k := holeKey{after, seen[after]}
		seen[after]++
		m[k] = h
		keys = append(keys, k)
	}
	return m, keys
}

// holeAfter normalizes what a hole precedes. A hole before an empty
// section is the hole before the next section with contents at the same
// address, whether the linker kept the empty section or not.
func holeAfter(l *Layout, h Hole) string {
	if name, ok := strings.CutPrefix(h.After, "start of "); ok {
		end := uint64(h.Addr) + h.Size
		if s, ok := l.Section(name); ok && s.Size == 0 {
			for _, t := range l.Sections {
				if t.Alloc() && t.Size > 0 && uint64(t.Addr) == end {
					name = t.Name
					break
				}
			}
		}
		return "start " + name
	}
	if name, ok := strings.CutPrefix(h.After, "end of "); ok {
		return "end " + name
	}
	return "sym " + h.After
}

// holePlace is how a report names where a hole is.
func holePlace(after string) (place, section, symbol string) {
	kind, name, _ := strings.Cut(after, " ")
	switch kind {
	case "start":
		return "before " + name, name, ""
	case "end":
		return "at the end of " + name, name, ""
	}
	return "before " + name, "", name
}

func diffHoles(old, new *Layout) []Change {
	om, okeys := keyedHoles(old)
	nm, nkeys := keyedHoles(new)
	var out []Change
	for _, k := range unionHoleKeys(okeys, nkeys) {
		o, inOld := om[k]
		n, inNew := nm[k]
		c := Change{}
		c.Place, c.Section, c.Symbol = holePlace(k.after)
		switch {
		case !inNew:
			c.Kind, c.Old, c.New, c.Delta, c.OldCause = ChangeHoleRemoved, Num(o.Size), Value{}, -int64(o.Size), o.Cause
		case !inOld:
			c.Kind, c.Old, c.New, c.Delta, c.Cause = ChangeHoleAdded, Value{}, Num(n.Size), int64(n.Size), n.Cause
		case o.Size == n.Size && (o.Inferred || n.Inferred):
			// The same hole, explained with less certainty on one side:
			// a guess that differs is not a change of the layout.
			continue
		case o.Size != n.Size || o.Cause != n.Cause:
			c.Kind = ChangeHoleCause
			if n.Size > o.Size {
				c.Kind = ChangeHoleGrown
			} else if n.Size < o.Size {
				c.Kind = ChangeHoleShrunk
			}
			c.Old, c.New, c.Delta, c.OldCause, c.Cause = Num(o.Size), Num(n.Size), delta(o.Size, n.Size), o.Cause, n.Cause
		default:
			continue
		}
		if c.Section == "" {
			c.Section = sectionAt(new, n.Addr, inNew)
			if c.Section == "" {
				c.Section = sectionAt(old, o.Addr, inOld)
			}
		}
		out = append(out, c)
	}
	return out
}

func unionHoleKeys(a, b []holeKey) []holeKey {
	seen := map[holeKey]bool{}
	var out []holeKey
	for _, k := range append(slices.Clone(a), b...) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// sectionAt names the allocated section holding address a.
func sectionAt(l *Layout, a Addr, ok bool) string {
	if !ok {
		return ""
	}
	for _, s := range l.Sections {
		if s.Alloc() && s.Size > 0 && a >= s.Addr && uint64(a) < s.End() {
			return s.Name
		}
	}
	return ""
}

func allocSections(l *Layout) (map[string]Section, []string) {
	m := map[string]Section{}
	var names []string
	for _, s := range l.Sections {
		if s.Alloc() {
			if _, dup := m[s.Name]; !dup {
				names = append(names, s.Name)
			}
			m[s.Name] = s
		}
	}
	return m, names
}

func diffSections(old, new *Layout, holes []Change) []Change {
	om, onames := allocSections(old)
	nm, nnames := allocSections(new)
	padding := map[string]int64{}
	for _, h := range holes {
		if h.Symbol != "" || strings.HasPrefix(h.Place, "at the end of") {
			padding[h.Section] += h.Delta
		}
	}
	var out []Change
	for _, name := range union(onames, nnames) {
		o, inOld := om[name]
		n, inNew := nm[name]
		switch {
		case !inNew:
			out = append(out, sectionPresence(name, o, ChangeSectionRemoved, true))
		case !inOld:
			out = append(out, sectionPresence(name, n, ChangeSectionAdded, false))
		default:
			cs := sectionChanges(name, o, n, padding[name])
			for i := range cs {
				if o.Size == 0 && n.Size == 0 {
					// Flags and alignment of nothing.
					cs[i].Kind = ChangeSectionEmpty
				}
			}
			out = append(out, cs...)
		}
	}
	return append(out, sectionOrder(old, new, om, nm)...)
}

func sectionPresence(name string, s Section, kind ChangeKind, old bool) Change {
	if s.Size == 0 {
		kind = ChangeSectionEmpty
	}
	c := Change{Kind: kind, Section: name}
	if old {
		c.Old, c.Delta = Num(s.Size), -int64(s.Size)
	} else {
		c.New, c.Delta = Num(s.Size), int64(s.Size)
	}
	return c
}

func sectionChanges(name string, o, n Section, padding int64) []Change {
	var out []Change
	if o.Size != n.Size {
		c := Change{Kind: ChangeSectionGrown, Section: name, Old: Num(o.Size), New: Num(n.Size), Delta: delta(o.Size, n.Size)}
		if n.Size < o.Size {
			c.Kind = ChangeSectionShrunk
		}
		if padding != 0 {
			c.Cause = fmt.Sprintf("padding %+d", padding)
		}
		out = append(out, c)
	}
	if o.Flags != n.Flags {
		of, nf := o.Flags.String(), n.Flags.String()
		if of == nf {
			// They differ in flags without a letter (processor-specific).
			of, nf = fmt.Sprintf("%s (%#x)", of, uint64(o.Flags)), fmt.Sprintf("%s (%#x)", nf, uint64(n.Flags))
		}
		out = append(out, Change{Kind: ChangeSectionFlags, Section: name, Old: Text(of), New: Text(nf)})
	}
	if o.Align != n.Align {
		out = append(out, Change{Kind: ChangeSectionAlign, Section: name, Old: Num(o.Align), New: Num(n.Align), Delta: delta(o.Align, n.Align)})
	}
	return out
}

// sectionOrder finds sections that follow another section than they did,
// among the sections with contents both sides have, so that one section
// added or dropped is not a change of order for its neighbours.
func sectionOrder(old, new *Layout, om, nm map[string]Section) []Change {
	common := func(l *Layout, other map[string]Section) map[string]string {
		prev := map[string]string{}
		last := "(none)"
		for _, s := range l.Sections {
			if _, ok := other[s.Name]; !ok || !s.Alloc() || s.Size == 0 || s.Flags.Has(elf.SHF_TLS) {
				continue
			}
			prev[s.Name], last = last, s.Name
		}
		return prev
	}
	op, np := common(old, nm), common(new, om)
	var out []Change
	for _, s := range new.Sections {
		o, ok1 := op[s.Name]
		n, ok2 := np[s.Name]
		if ok1 && ok2 && o != n {
			out = append(out, Change{Kind: ChangeSectionOrder, Section: s.Name, Old: Text("after " + o), New: Text("after " + n)})
		}
	}
	return out
}

// keyedSegment is a loadable segment with the name of the first section
// with contents it holds ("" when it holds none).
type keyedSegment struct {
	Segment
	first string
}

// loadSegments are the loadable segments, each with its first section.
func loadSegments(l *Layout) []keyedSegment {
	var out []keyedSegment
	for i, s := range l.Segments {
		if s.Type != SegmentType(elf.PT_LOAD) {
			continue
		}
		k := keyedSegment{Segment: s}
		for _, sec := range l.Sections {
			if sec.Segment == i && sec.Size > 0 {
				k.first = sec.Name
				break
			}
		}
		out = append(out, k)
	}
	return out
}

// segmentKeys names the loadable segments by the first section each
// holds, so that a segment is found on both sides whatever its address or
// permission; those that hold none are "(headers)" or "(empty)".
func segmentKeys(l *Layout) (map[string]keyedSegment, []string) {
	m := map[string]keyedSegment{}
	var keys []string
	for _, s := range loadSegments(l) {
		name := s.first
		switch {
		case name != "":
		case s.Memsz == 0:
			name = "(empty)"
		default:
			name = "(headers)"
		}
		k := "LOAD " + name
		for n := 2; ; n++ {
			if _, dup := m[k]; !dup {
				break
			}
			k = fmt.Sprintf("LOAD %s #%d", name, n)
		}
		m[k] = s
		keys = append(keys, k)
	}
	return m, keys
}

func diffSegments(old, new *Layout) []Change {
	om, okeys := segmentKeys(old)
	nm, nkeys := segmentKeys(new)
	var out []Change
	for _, k := range union(okeys, nkeys) {
		o, inOld := om[k]
		n, inNew := nm[k]
		c := Change{Segment: k, Perm: n.Flags}
		switch {
		case !inNew:
			c.Kind, c.Old, c.Delta, c.Perm = segmentPresence(o, ChangeSegmentRemoved), Num(o.Memsz), -int64(o.Memsz), o.Flags
		case !inOld:
			c.Kind, c.New, c.Delta = segmentPresence(n, ChangeSegmentAdded), Num(n.Memsz), int64(n.Memsz)
		case o.Memsz != n.Memsz:
			c.Kind, c.Old, c.New, c.Delta = ChangeSegmentGrown, Num(o.Memsz), Num(n.Memsz), delta(o.Memsz, n.Memsz)
			if n.Memsz < o.Memsz {
				c.Kind = ChangeSegmentShrunk
			}
		}
		if c.Kind != "" {
			out = append(out, c)
		}
		if inOld && inNew && o.Flags != n.Flags {
			out = append(out, Change{Kind: ChangeSegmentFlags, Segment: k, Perm: n.Flags, Old: Text(o.Flags.String()), New: Text(n.Flags.String())})
		}
	}
	return out
}

// segmentPresence is the kind of a segment only one side has.
func segmentPresence(s keyedSegment, kind ChangeKind) ChangeKind {
	switch {
	case s.Memsz == 0:
		return ChangeSegmentEmpty
	case s.first == "":
		return ChangeSegmentHeaders
	}
	return kind
}

func diffPages(old, new []PermPages) []Change {
	count := func(ps []PermPages, p Perm) (uint64, bool) {
		for _, x := range ps {
			if x.Perm == p {
				return x.Pages, true
			}
		}
		return 0, false
	}
	var perms []Perm
	for _, x := range append(slices.Clone(old), new...) {
		if !slices.Contains(perms, x.Perm) {
			perms = append(perms, x.Perm)
		}
	}
	var out []Change
	for _, p := range perms {
		o, _ := count(old, p)
		n, _ := count(new, p)
		if o != n {
			out = append(out, Change{Kind: ChangePages, Perm: p, Old: Num(o), New: Num(n), Delta: delta(o, n)})
		}
	}
	return out
}

func diffImage(old, new *Layout, d *Delta) []Change {
	var out []Change
	if d.Old.LoadSize != d.New.LoadSize {
		out = append(out, Change{Kind: ChangeLoadSize, Old: Num(d.Old.LoadSize), New: Num(d.New.LoadSize), Delta: delta(d.Old.LoadSize, d.New.LoadSize)})
	}
	ob, ok1 := baseAddress(old)
	nb, ok2 := baseAddress(new)
	if ok1 && ok2 && ob != nb {
		out = append(out, Change{Kind: ChangeBaseAddress, Old: Hex(uint64(ob)), New: Hex(uint64(nb)), Delta: delta(uint64(ob), uint64(nb))})
	}
	for _, name := range Landmarks() {
		o, ok1 := old.Symbol(name)
		n, ok2 := new.Symbol(name)
		if ok1 && ok2 && o.Addr != n.Addr {
			out = append(out, Change{Kind: ChangeLandmark, Symbol: name, Section: n.Section, Old: Hex(uint64(o.Addr)),
				New: Hex(uint64(n.Addr)), Delta: delta(uint64(o.Addr), uint64(n.Addr))})
		}
	}
	return out
}

// Landmarks are the kernel's symbols that show where each part of the
// image begins and ends, in address order: what a change moves by a page
// or a segment alignment, even when it adds only a few bytes of padding.
func Landmarks() []string {
	return []string{"_text", "_stext", "_etext", "__start_rodata", "__start_ro_after_init", "__end_ro_after_init",
		"__end_rodata", "__init_begin", "__init_end", "_sdata", "_edata", "__bss_start", "__bss_stop", "_end"}
}

// baseAddress is the address of the lowest loadable segment that holds a
// section.
func baseAddress(l *Layout) (Addr, bool) {
	var base Addr
	found := false
	for _, s := range loadSegments(l) {
		if s.first != "" && (!found || s.Vaddr < base) {
			base, found = s.Vaddr, true
		}
	}
	return base, found
}

// diffFindings compares findings by what they are about, their kind and
// symbols and sections, not by their page, which moves with the layout.
func diffFindings(old, new *Layout) []Change {
	norm := func(l *Layout) map[string]int {
		m := map[string]int{}
		for _, f := range l.Findings {
			m[findingKey(f)]++
		}
		return m
	}
	om, nm := norm(old), norm(new)
	var out []Change
	for _, f := range union(sortedKeys(om), sortedKeys(nm)) {
		for i := nm[f]; i < om[f]; i++ {
			out = append(out, Change{Kind: ChangeFindingRemoved, Old: Text(f)})
		}
		for i := om[f]; i < nm[f]; i++ {
			out = append(out, Change{Kind: ChangeFindingAdded, New: Text(f)})
		}
	}
	return out
}

// findingKey names a finding without its addresses: "shared-page
// idt_table, idt_setup_done in idt.o(.bss..page_aligned), idt.o(.bss)".
func findingKey(f Finding) string {
	return fmt.Sprintf("%s %s in %s", f.Kind, strings.Join(f.Symbols, ", "), strings.Join(f.Sections, ", "))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// union is a's names, then b's names that a lacks, each once.
func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(slices.Clone(a), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
