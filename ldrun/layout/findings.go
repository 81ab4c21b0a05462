package layout

import (
	"debug/elf"
	"fmt"
	"sort"
	"strings"
)

// FindingKind says what a finding is about.
type FindingKind string

// The kinds of finding.
const (
	// FindingSharedPage: a page-aligned object does not fill its first or
	// last page, and other data shares that page; whatever the kernel does
	// to the object's pages (maps them read-only, frees them) hits that
	// data too (commit de2b41be8fcc).
	FindingSharedPage FindingKind = "shared-page"
	// FindingOrphanInInit: an input section no script rule places, put by
	// the linker between __init_begin and __init_end: memory the kernel
	// frees after boot.
	FindingOrphanInInit FindingKind = "orphan-in-init"
	// FindingOrphan: an input section no script rule places, put wherever
	// the linker chose.
	FindingOrphan FindingKind = "orphan"
	// FindingReadOnlyWritable: read-only content in memory that is
	// writable at run time.
	FindingReadOnlyWritable FindingKind = "read-only-in-writable"
	// FindingExecOutsideText: executable content in memory that is not
	// executable at run time.
	FindingExecOutsideText FindingKind = "exec-outside-text"
	// FindingMixedPermissions: a page that would need two permissions at
	// run time.
	FindingMixedPermissions FindingKind = "mixed-permissions"
	// FindingMisaligned: a section placed off its own alignment.
	FindingMisaligned FindingKind = "misaligned-section"
	// FindingOverlap: two allocated sections of one address space that
	// overlap: a layout that makes no sense, reported instead of a hole.
	FindingOverlap FindingKind = "overlap"
	// FindingUnexplainedGap: bytes between sections that no alignment,
	// script statement or segment start explains; not counted as padding.
	FindingUnexplainedGap FindingKind = "unexplained-gap"
)

// pageOf is the start of the page holding a, for page size page (0: a).
func pageOf(a, page uint64) Addr {
	if page == 0 {
		return Addr(a)
	}
	return Addr(a &^ (page - 1))
}

// Finding is something in a layout a reviewer should look at, with the
// page, symbols and sections involved.
type Finding struct {
	Kind FindingKind `json:"kind"`
	// Page is the start of the page the finding is about.
	Page Addr `json:"page"`
	// Symbols are the symbols involved, the one the finding is about
	// first; long lists are cut (the message says how many there are).
	Symbols []string `json:"symbols"`
	// Sections are the input sections, as "obj.o(.section)" when the
	// objects are known, and the output sections involved.
	Sections []string `json:"sections"`
	Message  string   `json:"message"`
}

// maxFindingSymbols bounds the symbols a finding lists: in a real kernel
// hundreds of objects can share a page.
const maxFindingSymbols = 8

func (l *Layout) addFinding(f Finding) {
	if f.Symbols == nil {
		f.Symbols = []string{}
	}
	if f.Sections == nil {
		f.Sections = []string{}
	}
	l.Findings = append(l.Findings, f)
}

// findings looks for everything but the permission findings runtime
// makes, and sorts all findings by page. With the objects each finding
// names the input sections involved; without them it says less: no
// shared-page findings (nothing tells which objects asked for page
// alignment) and output sections instead of input sections.
func (l *Layout) findings(src Sources, k *kernelRules) {
	in := l.placeInputs(src.Objects)
	if l.PageSize != 0 {
		l.findSharedPages(in)
	}
	if src.Script != "" {
		l.findOrphans(src.Script, src.Objects, in)
	}
	l.findMisplacedContent(in, k)
	l.findMisaligned()
	sort.SliceStable(l.Findings, func(i, j int) bool {
		a, b := l.Findings[i], l.Findings[j]
		if a.Page != b.Page {
			return a.Page < b.Page
		}
		return a.Kind < b.Kind
	})
}

// placedInput is an input section found in the image through the symbols
// it defines.
type placedInput struct {
	name  string // "obj.o(.section)"
	sec   ObjectSection
	addr  uint64
	out   string // the output section holding it
	syms  []string
	from  *Object
	index int // of the input section in from
}

// placedInputs are the input sections the image's symbols locate, in
// address order, and for each image symbol (by index in Layout.Symbols)
// its input section.
type placedInputs struct {
	list  []*placedInput
	bySym map[int]*placedInput
}

// placeInputs finds where each input section of objs landed: an image
// symbol the section defines, minus its offset there, is the section's
// start. Among same-named symbols the one whose start fits the section's
// alignment wins.
func (l *Layout) placeInputs(objs []*Object) placedInputs {
	type cand struct {
		obj   *Object
		index int
		value uint64
	}
	byName := map[string][]cand{}
	for _, o := range objs {
		for _, s := range o.Symbols {
			if s.Section >= 0 {
				byName[s.Name] = append(byName[s.Name], cand{o, s.Section, s.Value})
			}
		}
	}
	in := placedInputs{bySym: map[int]*placedInput{}}
	if len(byName) == 0 {
		return in
	}
	type key struct {
		obj   *Object
		index int
	}
	outFlags := map[string]SectionFlags{}
	for _, s := range l.Sections {
		outFlags[s.Name] = s.Flags
	}
	placed := map[key]*placedInput{}
	for i, y := range l.Symbols {
		for _, c := range byName[y.Name] {
			sec := c.obj.Sections[c.index]
			start := uint64(y.Addr) - c.value
			if c.value > uint64(y.Addr) || sec.Align > 1 && start%sec.Align != 0 && len(byName[y.Name]) > 1 ||
				!holds(outFlags[y.Section], sec.Flags) {
				continue
			}
			k := key{c.obj, c.index}
			p := placed[k]
			if p == nil {
				p = &placedInput{name: c.obj.Name + "(" + sec.Name + ")", sec: sec, addr: start, out: y.Section,
					from: c.obj, index: c.index}
				placed[k] = p
				in.list = append(in.list, p)
			}
			p.syms = append(p.syms, y.Name)
			in.bySym[i] = p
			break
		}
	}
	sort.SliceStable(in.list, func(i, j int) bool { return in.list[i].addr < in.list[j].addr })
	return in
}

// holds reports whether an output section with flags out can hold an
// input section with flags in: an output section is writable or
// executable when any of its inputs is. A function symbol that names a
// descriptor (.opd on ppc64 ELFv1) is not where its code is.
func holds(out, in SectionFlags) bool {
	const wx = SectionFlags(elf.SHF_WRITE | elf.SHF_EXECINSTR)
	return out&in&wx == in&wx
}

// findSharedPages finds page-aligned objects that leave part of their
// first or last page to other data.
func (l *Layout) findSharedPages(in placedInputs) {
	page := l.PageSize
	aligned := map[*placedInput]map[uint64]bool{}
	for i, p := range l.Symbols {
		pin := in.bySym[i]
		if pin == nil || p.Size == 0 || pin.sec.Align < page {
			continue
		}
		if aligned[pin] == nil {
			aligned[pin] = pageAlignedOffsets(pin.from, pin.index, page)
		}
		if !aligned[pin][uint64(p.Addr)-pin.addr] {
			continue
		}
		start, end := uint64(p.Addr), uint64(p.Addr)+p.Size
		first, last := start&^(page-1), (end-1)&^(page-1)
		var others []int
		if first < start {
			others = l.dataIn(first, start, i)
		}
		if end < last+page {
			others = append(others, l.dataIn(end, last+page, i)...)
		}
		if len(others) == 0 {
			continue
		}
		shared := last
		if first < start {
			shared = first
		}
		l.addSharedPage(i, pin, shared, others, in)
	}
}

// pageAlignedOffsets finds the symbols of a page-aligned input section
// that asked for page alignment, by their offsets. An object records no
// symbol's alignment, only its section's: a symbol at a page multiple
// with padding before it asked for it; when none has padding, the first
// symbol did (the section's alignment has to come from somewhere). A
// symbol that merely follows a page-sized one at a page multiple did not.
func pageAlignedOffsets(o *Object, index int, page uint64) map[uint64]bool {
	var syms []ObjectSymbol
	for _, s := range o.Symbols {
		if s.Section == index {
			syms = append(syms, s)
		}
	}
	sort.SliceStable(syms, func(i, j int) bool { return syms[i].Value < syms[j].Value })
	out := map[uint64]bool{}
	var end uint64
	for _, s := range syms {
		if s.Value%page == 0 && s.Value > end {
			out[s.Value] = true
		}
		end = max(end, s.Value+s.Size)
	}
	if len(out) == 0 && len(syms) > 0 && syms[0].Value == 0 {
		out[0] = true
	}
	return out
}

// dataIn lists the symbols other than skip with data in [lo, hi).
func (l *Layout) dataIn(lo, hi uint64, skip int) []int {
	var out []int
	for j, q := range l.Symbols {
		if j == skip || q.Size == 0 || q.Segment < 0 {
			continue
		}
		if uint64(q.Addr) < hi && uint64(q.Addr)+q.Size > lo {
			out = append(out, j)
		}
	}
	return out
}

func (l *Layout) addSharedPage(i int, pin *placedInput, page uint64, others []int, in placedInputs) {
	p := l.Symbols[i]
	syms := []string{p.Name}
	secs := []string{pin.name}
	var names []string
	for _, j := range others {
		q := l.Symbols[j]
		where := q.Section
		if qin := in.bySym[j]; qin != nil {
			where = qin.name
		}
		secs = appendNew(secs, where)
		names = append(names, fmt.Sprintf("%s (%s)", q.Name, where))
		if len(syms) < maxFindingSymbols {
			syms = append(syms, q.Name)
		}
	}
	which := "last"
	if page < uint64(p.Addr) {
		which = "first"
	}
	l.addFinding(Finding{Kind: FindingSharedPage, Page: Addr(page), Symbols: syms, Sections: appendNew(secs, p.Section),
		Message: fmt.Sprintf("page-aligned %s (%s, %d bytes) does not fill its %s page %s: %s share%s it, and whatever the kernel does to %s's pages (maps them read-only, frees them) hits %s too",
			p.Name, pin.name, p.Size, which, Addr(page), listNames(names), plural(len(names), "", "s"), p.Name, pronoun(len(names)))})
}

// findOrphans reports each output section that holds input sections no
// script rule places, and whether the linker put it in init memory.
func (l *Layout) findOrphans(script string, objs []*Object, in placedInputs) {
	type group struct {
		out    string
		inputs []string
		syms   []string
	}
	var groups []*group
	byOut := map[string]*group{}
	for _, o := range orphanInputs(script, objs) {
		out := l.orphanPlace(o, in)
		g := byOut[out]
		if g == nil {
			g = &group{out: out}
			byOut[out] = g
			groups = append(groups, g)
		}
		g.inputs = append(g.inputs, o.obj.Name+"("+o.sec.Name+")")
		for _, p := range in.list {
			if p.from == o.obj && p.index == o.index {
				g.syms = append(g.syms, p.syms...)
			}
		}
	}
	for _, g := range groups {
		l.addOrphan(g.out, g.inputs, g.syms)
	}
}

// orphanPlace is the output section an orphan input section landed in:
// the one its symbols are in, else the one named like it (linkers name an
// orphan's output section after it), else "".
func (l *Layout) orphanPlace(o orphanInput, in placedInputs) string {
	for _, p := range in.list {
		if p.from == o.obj && p.index == o.index {
			return p.out
		}
	}
	if s, ok := l.Section(o.sec.Name); ok && s.Alloc() {
		return s.Name
	}
	return ""
}

func (l *Layout) addOrphan(out string, inputs, syms []string) {
	f := Finding{Kind: FindingOrphan, Symbols: capNames(syms), Sections: inputs}
	what := fmt.Sprintf("%s: no script rule places %s", listNames(inputs), plural(len(inputs), "them", "it"))
	s, ok := l.Section(out)
	if !ok {
		f.Message = what + ", and the image has no section of that name nor a symbol of it"
		l.addFinding(f)
		return
	}
	f.Sections = append(f.Sections, out)
	f.Page = Addr(uint64(s.Addr) &^ (max(l.PageSize, 1) - 1))
	where := fmt.Sprintf("the linker put %s at %s in output section %s, %s", plural(len(inputs), "them", "it"), s.Addr, out, l.between(s))
	b, okb := l.Symbol(initBegin)
	e, oke := l.Symbol(initEnd)
	if okb && oke && s.Addr >= b.Addr && s.Addr < e.Addr {
		f.Kind = FindingOrphanInInit
		f.Message = fmt.Sprintf("%s; %s, inside [%s, %s): memory the kernel frees after boot", what, where, initBegin, initEnd)
	} else {
		f.Message = fmt.Sprintf("%s; %s", what, where)
	}
	l.addFinding(f)
}

// between names the allocated, non-empty sections around s.
func (l *Layout) between(s Section) string {
	var before, after string
	for _, o := range l.Sections {
		if !o.Alloc() || o.Size == 0 || o.Name == s.Name {
			continue
		}
		if o.Addr <= s.Addr {
			before = o.Name
		} else if after == "" {
			after = o.Name
		}
	}
	switch {
	case before != "" && after != "":
		return fmt.Sprintf("between %s and %s", before, after)
	case before != "":
		return "after " + before
	case after != "":
		return "before " + after
	}
	return "alone"
}

// findMisplacedContent finds read-only content in memory writable at run
// time and executable content in memory that is not executable. With the
// objects it looks at each input section, else at each output section; an
// output section none of whose input sections were found is looked at as
// a whole. A kernel without permissions of its own (no STRICT_KERNEL_RWX)
// maps everything alike, and its init memory is everything until freed:
// neither is looked at.
func (l *Layout) findMisplacedContent(in placedInputs, k *kernelRules) {
	if k != nil && !k.strict {
		return
	}
	type piece struct {
		name  string
		out   string
		addr  uint64
		size  uint64
		flags SectionFlags
		syms  []string
		// sec is the output section looked at whole, whose symbols
		// are listed only for a finding; -1 for an input section.
		sec int
	}
	var pieces []piece
	covered := map[string]bool{}
	for _, p := range in.list {
		covered[p.out] = true
		pieces = append(pieces, piece{p.name, p.out, p.addr, p.sec.Size, p.sec.Flags, p.syms, -1})
	}
	for i, s := range l.Sections {
		if s.Alloc() && !covered[s.Name] {
			pieces = append(pieces, piece{s.Name, s.Name, uint64(s.Addr), s.Size, s.Flags, nil, i})
		}
	}
	found := map[string]*Finding{}
	var order []string
	for _, p := range pieces {
		if p.size == 0 || !p.flags.Has(elf.SHF_ALLOC) || p.flags.Has(elf.SHF_TLS) || k != nil && k.inInit(p.addr) {
			continue
		}
		link := l.linkPerm(p.addr)
		if link == 0 {
			continue
		}
		rt := link
		if k != nil {
			rt = k.perm(p.addr, link)
		}
		var kind FindingKind
		switch {
		case p.flags.Has(elf.SHF_EXECINSTR) && rt&PermX == 0:
			kind = FindingExecOutsideText
		case !p.flags.Has(elf.SHF_WRITE) && !p.flags.Has(elf.SHF_EXECINSTR) && rt&PermW != 0:
			kind = FindingReadOnlyWritable
		default:
			continue
		}
		key := string(kind) + " " + p.out
		f := found[key]
		if f == nil {
			f = &Finding{Kind: kind, Page: Addr(p.addr &^ (max(l.PageSize, 1) - 1)), Symbols: []string{}, Sections: []string{}}
			f.Message = misplacedMessage(kind, p.out, p.addr, rt, k != nil)
			found[key] = f
			order = append(order, key)
		}
		if p.name != p.out {
			f.Sections = appendNew(f.Sections, p.name)
		}
		if p.sec >= 0 {
			p.syms = l.symbolsIn(l.Sections[p.sec])
		}
		f.Symbols = append(f.Symbols, p.syms...)
	}
	for _, key := range order {
		f := found[key]
		f.Sections = append(f.Sections, strings.SplitN(key, " ", 2)[1])
		if len(f.Sections) > 1 {
			f.Message = listNames(f.Sections[:len(f.Sections)-1]) + ": " + f.Message
		}
		f.Symbols = capNames(f.Symbols)
		l.addFinding(*f)
	}
}

func misplacedMessage(kind FindingKind, out string, addr uint64, rt Perm, kernel bool) string {
	mapped := fmt.Sprintf("in a %s segment", rt)
	if kernel {
		mapped = fmt.Sprintf("in memory the kernel maps %s once booted", rt)
	}
	if kind == FindingExecOutsideText {
		return fmt.Sprintf("executable content in %s at %s, %s: outside text, not executable", out, Addr(addr), mapped)
	}
	return fmt.Sprintf("read-only content in %s at %s, %s: writable at run time", out, Addr(addr), mapped)
}

// symbolsIn lists the symbols with data in output section s.
func (l *Layout) symbolsIn(s Section) []string {
	var out []string
	for _, y := range l.Symbols {
		if y.shndx == s.index && y.Size > 0 {
			out = append(out, y.Name)
		}
	}
	return out
}

// findMisaligned finds allocated sections off their own alignment.
func (l *Layout) findMisaligned() {
	for _, s := range l.Sections {
		if s.Alloc() && s.Align > 1 && uint64(s.Addr)%s.Align != 0 {
			l.addFinding(Finding{Kind: FindingMisaligned, Page: Addr(uint64(s.Addr) &^ (max(l.PageSize, 1) - 1)),
				Sections: []string{s.Name},
				Message:  fmt.Sprintf("section %s at %s is not aligned to its alignment %d", s.Name, s.Addr, s.Align)})
		}
	}
}

// sectionsOn names the allocated, non-empty sections with bytes in
// [lo, hi).
func (l *Layout) sectionsOn(lo, hi uint64) []string {
	out := []string{}
	for _, s := range l.Sections {
		if s.Alloc() && s.Size > 0 && uint64(s.Addr) < hi && s.End() > lo {
			out = append(out, s.Name)
		}
	}
	return out
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// capNames cuts a list of symbols to maxFindingSymbols.
func capNames(names []string) []string {
	if len(names) > maxFindingSymbols {
		return names[:maxFindingSymbols]
	}
	if names == nil {
		return []string{}
	}
	return names
}

// listNames joins names for a message: "a, b and 3 more".
func listNames(names []string) string {
	if len(names) > maxFindingSymbols {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:maxFindingSymbols], ", "), len(names)-maxFindingSymbols)
	}
	return strings.Join(names, ", ")
}

func plural(n int, many, one string) string {
	if n == 1 {
		return one
	}
	return many
}

func pronoun(n int) string { return plural(n, "them", "it") }
