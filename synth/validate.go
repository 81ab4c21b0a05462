package synth

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/elfsynth/elfsynth/arches"
)

// Limits that keep a scenario, and what is built from it, small enough.
const (
	maxFileBytes = 1 << 20 // a scenario file
	maxSymbols   = 100000  // symbols in a scenario
	maxAmount    = 1 << 30 // any one size or alignment
	// maxTotal bounds the sum over all symbols of size plus alignment, so a
	// small file cannot describe terabytes of objects.
	maxTotal = 2 << 30
	// largestPageSize is the largest kernel page size of any target (ppc's
	// 256 KiB); `page` is checked against it when page_size is absent.
	largestPageSize = 256 << 10
	// minPointerSize is the smallest pointer of any target.
	minPointerSize = 4
	// maxFileName bounds unit (and scenario) names in bytes. A unit name
	// becomes files whose names add to it: the GNU as source <unit>.s (at
	// most 2 bytes more) and atomicfile's temporary ".<name>.tmp-<up to 10
	// digits>" (16 more). 200 leaves room for those and a little more
	// within Linux's NAME_MAX of 255 bytes.
	maxFileName = 200
)

// reservedFileNames are files that later steps write beside the units'
// objects or sources: ldrun's link folder holds the objects, link.lds and
// the linked image; asm writes the sources, link.lds and repro.sh, and
// repro.sh assembles the objects and links ./image beside them. A unit of
// one of these names would overwrite them or be overwritten.
var reservedFileNames = []string{"image", "link.lds", "repro.sh"}

// Validate checks a scenario, also one built in Go, for everything that does
// not depend on a target: names, flags, types, binds, alignments, sizes, and
// the combinations of symbol fields. It returns the first problem as an
// *Error. References to other symbols are checked by Build.
func (s *Scenario) Validate() error { return s.validate(nil) }

// validate checks s; at maps field paths to positions in the file, when the
// scenario was parsed, so messages point at the value itself.
func (s *Scenario) validate(at map[string]Pos) error {
	c := &checker{s: s, at: at, page: s.PageSize}
	if c.page == 0 {
		c.page = largestPageSize
	}
	return c.scenario()
}

type checker struct {
	s     *Scenario
	at    map[string]Pos
	page  uint64 // the page size amounts are bounded with
	total uint64
	count int
}

// errorf makes an error at field, placed where the file has the field or its
// nearest enclosing field, else at pos.
func (c *checker) errorf(pos Pos, field, format string, args ...any) *Error {
	for f := field; c.at != nil; {
		if p, ok := c.at[f]; ok && p.Line > 0 {
			pos = p
			break
		}
		if f == "" {
			break
		}
		f = parentField(f)
	}
	return &Error{File: c.s.File, Pos: pos, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// parentField strips the last component of a field path: "a[1].b" -> "a[1]"
// -> "a" -> "".
func parentField(f string) string {
	i := strings.LastIndexAny(f, ".[")
	if i < 0 {
		return ""
	}
	return f[:i]
}

func (c *checker) scenario() error {
	s := c.s
	if s.Name != "" {
		if msg := fileNameProblem(s.Name); msg != "" {
			return c.errorf(Pos{}, "name", "%s", msg)
		}
	}
	if p := s.PageSize; p&(p-1) != 0 {
		return c.errorf(Pos{}, "page_size", "%d is not a power of two", p)
	}
	if s.PageSize > largestPageSize {
		return c.errorf(Pos{}, "page_size", "%d is over 256 KiB, the largest kernel page size of any target", s.PageSize)
	}
	if s.Script != "" {
		if msg := nameProblem(s.Script); msg != "" {
			return c.errorf(Pos{}, "script", "%s", strings.Replace(msg, "name", "script", 1))
		}
	}
	if len(s.Units) == 0 {
		return c.errorf(Pos{}, "units", "no units; a scenario needs at least one")
	}
	files := make(map[string]unitFile, 2*len(s.Units))
	for i := range s.Units {
		u := &s.Units[i]
		field := index("units", i)
		if msg := fileNameProblem(u.Name); msg != "" {
			return c.errorf(u.Pos, field+".name", "unit %s", msg)
		}
		if slices.Contains(reservedFileNames, u.Name) {
			return c.errorf(u.Pos, field+".name", "unit name %q is reserved: elfsynth writes %s beside the objects and sources",
				u.Name, strings.Join(reservedFileNames, ", "))
		}
		if err := c.unitFiles(field, i, u, files); err != nil {
			return err
		}
		if err := c.unit(field, u); err != nil {
			return err
		}
	}
	return nil
}

// unitFile is a file a unit makes: its object (the unit's name) or its GNU
// as source (AsmName).
type unitFile struct {
	unit   int
	source bool
}

// unitFiles checks that the object and the GNU as source of unit i are
// named differently from every earlier unit's object and source, and
// records them in files.
func (c *checker) unitFiles(field string, i int, u *Unit, files map[string]unitFile) error {
	other := func(f unitFile) string {
		o := index("units", f.unit)
		return fmt.Sprintf("%s %q%s", o, c.s.Units[f.unit].Name, c.line(o))
	}
	src := AsmName(u.Name)
	if f, dup := files[u.Name]; dup {
		if !f.source {
			o := index("units", f.unit)
			return c.errorf(u.Pos, field+".name", "duplicate unit name %q (also %s%s)", u.Name, o, c.line(o))
		}
		return c.errorf(u.Pos, field+".name", "unit name %q is the GNU as source file asm writes for %s", u.Name, other(f))
	}
	if f, dup := files[src]; dup {
		if !f.source {
			return c.errorf(u.Pos, field+".name", "asm would write unit %q's GNU as source to %s, the name of %s", u.Name, src, other(f))
		}
		return c.errorf(u.Pos, field+".name", "asm would write the GNU as source of unit %q and of %s to the same file %s",
			u.Name, other(f), src)
	}
	if slices.Contains(reservedFileNames, src) {
		// Unreachable while every reserved name lacks a .s suffix; kept so
		// that adding one cannot let a source overwrite it.
		return c.errorf(u.Pos, field+".name", "asm would write unit %q's GNU as source to %s, which is reserved", u.Name, src)
	}
	files[u.Name] = unitFile{unit: i}
	files[src] = unitFile{unit: i, source: true}
	return nil
}

// line returns " at line N" for a field of the file, or "".
func (c *checker) line(field string) string {
	if p, ok := c.at[field]; ok && p.Line > 0 {
		return fmt.Sprintf(" at line %d", p.Line)
	}
	return ""
}

// unit checks a unit whose name scenario has checked.
func (c *checker) unit(field string, u *Unit) error {
	if len(u.Sections) == 0 {
		return c.errorf(u.Pos, field+".sections", "unit %q has no sections", u.Name)
	}
	sections := make(map[string]string, len(u.Sections)) // section name -> field
	symbols := make(map[string]string, u.symbolCount())  // symbol name -> field
	for i := range u.Sections {
		sec := &u.Sections[i]
		sf := index(field+".sections", i)
		if first, dup := sections[sec.Name]; dup {
			return c.errorf(sec.Pos, sf+".name", "duplicate section %q in unit %q (also %s%s; GNU as would merge them)",
				sec.Name, u.Name, first, c.line(first))
		}
		sections[sec.Name] = sf
		if err := c.section(sf, sec, symbols); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) section(field string, sec *Section, symbols map[string]string) error {
	if msg := sectionNameProblem(sec.Name); msg != "" {
		return c.errorf(sec.Pos, field+".name", "section %s", msg)
	}
	if why := reservedSection(sec.Name); why != "" {
		return c.errorf(sec.Pos, field+".name", "section name %q is reserved: %s", sec.Name, why)
	}
	if msg := flagsProblem(sec.Flags); msg != "" {
		return c.errorf(sec.Pos, field+".flags", "%s", msg)
	}
	if sec.Type != "" && sec.Type != "progbits" && sec.Type != "nobits" {
		return c.errorf(sec.Pos, field+".type", "unknown type %q (known: progbits, nobits)", sec.Type)
	}
	if msg := c.amountProblem(sec.Align, true); msg != "" {
		return c.errorf(sec.Pos, field+".align", "%s", msg)
	}
	for i := range sec.Symbols {
		sym := &sec.Symbols[i]
		yf := index(field+".symbols", i)
		if first, dup := symbols[sym.Name]; dup && sym.Name != "" {
			return c.errorf(sym.Pos, yf+".name", "duplicate symbol %q in the unit (also %s%s)", sym.Name, first, c.line(first))
		}
		symbols[sym.Name] = yf
		if err := c.symbol(yf, sec, sym); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) symbol(field string, sec *Section, sym *Symbol) error {
	if c.count++; c.count > maxSymbols {
		return c.errorf(sym.Pos, field, "more than %d symbols", maxSymbols)
	}
	if msg := symbolNameProblem(sym.Name); msg != "" {
		return c.errorf(sym.Pos, field+".name", "symbol %s", msg)
	}
	if prefix := localLabelPrefix(sym.Name); prefix != "" && sym.Bind == "local" {
		return c.errorf(sym.Pos, field+".name", "local symbol %q starts with %q: GNU as takes it for an assembler-local label "+
			"and leaves it out of the object (.L, .. and _.L_ everywhere, L$ on hppa); rename it or make it global",
			sym.Name, prefix)
	}
	if msg := c.amountProblem(sym.Size, false); msg != "" {
		return c.errorf(sym.Pos, field+".size", "%s", msg)
	}
	if msg := c.amountProblem(sym.Align, true); msg != "" {
		return c.errorf(sym.Pos, field+".align", "%s", msg)
	}
	switch sym.Bind {
	case "", "global", "local", "weak":
	default:
		return c.errorf(sym.Pos, field+".bind", "unknown bind %q (known: global, local, weak)", sym.Bind)
	}
	nobits := sectionType(sec) == "nobits"
	if sym.Fill != 0 && nobits {
		return c.errorf(sym.Pos, field+".fill", "fill in nobits section %q, which has no contents", sec.Name)
	}
	if err := c.pointer(field, sec, sym, nobits); err != nil {
		return err
	}
	if err := c.code(field, sec, sym, nobits); err != nil {
		return err
	}
	c.total += sym.Size.Bytes + sym.Size.Pages*c.page + sym.Align.Bytes + sym.Align.Pages*c.page
	if c.total > maxTotal {
		return c.errorf(sym.Pos, field, "the symbols' sizes and alignments add up to over 2 GiB%s", c.pageNote(sym.Size, sym.Align))
	}
	return nil
}

func (c *checker) pointer(field string, sec *Section, sym *Symbol, nobits bool) error {
	if sym.PointsTo == nil {
		return nil
	}
	if sym.Code != nil {
		return c.errorf(sym.Pos, field+".code", "a symbol has points_to or code, not both")
	}
	if msg := symbolNameProblem(sym.PointsTo.Symbol); msg != "" {
		return c.errorf(sym.Pos, field+".points_to", "target %s", msg)
	}
	if nobits {
		return c.errorf(sym.Pos, field+".points_to", "a pointer needs contents; section %q is nobits", sec.Name)
	}
	// The exact pointer size depends on the target (Build checks it); below
	// 4 bytes no target's pointer fits.
	if s := sym.Size; s.Pages == 0 && s.Bytes > 0 && s.Bytes < minPointerSize {
		return c.errorf(sym.Pos, field+".size", "%d is smaller than any pointer (4 or 8 bytes)", s.Bytes)
	}
	return nil
}

func (c *checker) code(field string, sec *Section, sym *Symbol, nobits bool) error {
	if sym.Code == nil {
		return nil
	}
	if msg := symbolNameProblem(sym.Code.AddressOf); msg != "" {
		return c.errorf(sym.Pos, field+".code.address_of", "symbol %s", msg)
	}
	flags := sec.Flags
	if flags == "" {
		flags = DefaultFlags(sec.Name)
	}
	if !strings.Contains(flags, "x") || nobits {
		return c.errorf(sym.Pos, field+".code", "code in section %q, which is not executable progbits (flags %q)", sec.Name, flags)
	}
	return nil
}

// amountProblem checks a size or an alignment against maxAmount, resolving
// pages with the scenario's page size or else the largest one of any target.
func (c *checker) amountProblem(a Amount, align bool) string {
	if align {
		if a.Bytes != 0 && a.Pages != 0 {
			return fmt.Sprintf("%s: an alignment is bytes or pages, not both", a)
		}
		if n := a.Bytes | a.Pages; n&(n-1) != 0 {
			return fmt.Sprintf("%s is not a power of two", a)
		}
	}
	if a.Bytes > maxAmount || a.Pages > maxAmount/c.page || a.Bytes+a.Pages*c.page > maxAmount {
		return fmt.Sprintf("%s is over 1 GiB%s", a, c.pageNote(a))
	}
	return ""
}

// pageNote explains which page size a check assumed.
func (c *checker) pageNote(as ...Amount) string {
	for _, a := range as {
		if a.Pages != 0 && c.s.PageSize == 0 {
			return fmt.Sprintf(" with page = %d (no page_size: the largest of any target)", c.page)
		}
	}
	return ""
}

// flagsProblem checks section flag letters: a, w, x, each at most once.
func flagsProblem(flags string) string {
	for i, r := range flags {
		if !strings.ContainsRune("awx", r) {
			return fmt.Sprintf("unknown flag %q in %q (known: a w x)", r, flags)
		}
		if strings.ContainsRune(flags[:i], r) {
			return fmt.Sprintf("flag %q repeated in %q", r, flags)
		}
	}
	return ""
}

// nameProblem rejects empty names and names with spaces or control or
// non-ASCII characters, which object files and GNU as source cannot carry
// unquoted.
func nameProblem(name string) string {
	if name == "" {
		return "name is empty"
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f {
			return fmt.Sprintf("name %q contains whitespace or a control character", name)
		}
		if r > 0x7e {
			return fmt.Sprintf("name %q contains a non-ASCII character", name)
		}
	}
	return ""
}

// fileNameProblem checks a unit name, which becomes a file in the output
// folder: it must stay in that folder, be safe on command lines and in
// linker scripts, and leave room for the names made from it.
func fileNameProblem(name string) string {
	if len(name) > maxFileName {
		return fmt.Sprintf("name is %d bytes; at most %d, so that the file names made from it (its .s source, "+
			"temporary files) fit Linux's 255-byte limit", len(name), maxFileName)
	}
	if msg := nameProblem(name); msg != "" {
		return msg
	}
	switch {
	case strings.HasPrefix(name, "/"):
		return fmt.Sprintf("name %q is an absolute path; want a file name", name)
	case strings.ContainsAny(name, `/\`):
		return fmt.Sprintf("name %q contains a path separator; want a file name", name)
	case name == "." || name == "..":
		return fmt.Sprintf("name %q is not a file name", name)
	case name[0] == '-':
		return fmt.Sprintf("name %q starts with '-', which tools would take for an option", name)
	}
	for _, r := range name {
		if !isAlnum(r) && !strings.ContainsRune("_.+-", r) {
			return fmt.Sprintf("name %q contains %q; want letters, digits and _ . + -", name, r)
		}
	}
	return ""
}

// sectionNameProblem checks a section name; quotes and backslashes would
// need escaping in GNU as source.
func sectionNameProblem(name string) string {
	if msg := nameProblem(name); msg != "" {
		return msg
	}
	if i := strings.IndexAny(name, `"\`); i >= 0 {
		return fmt.Sprintf("name %q contains %q", name, name[i])
	}
	return ""
}

// symbolNameProblem checks a symbol name: letters, digits, _ . $, not
// starting with a digit, as C and GNU as write them. This also keeps
// points_to's SYMBOL+N unambiguous. A leading $ is refused: ELF mapping
// symbols ($a $d $t $x) are named so and readers drop them from symbol
// listings, and GNU as leaves local $ symbols out of the object on mips and
// alpha.
func symbolNameProblem(name string) string {
	if msg := nameProblem(name); msg != "" {
		return msg
	}
	if name[0] >= '0' && name[0] <= '9' {
		return fmt.Sprintf("name %q starts with a digit", name)
	}
	if name[0] == '$' {
		return fmt.Sprintf("name %q starts with '$', as ELF mapping symbols ($a, $d, $t, $x) do, which readers drop", name)
	}
	for _, r := range name {
		if !isAlnum(r) && !strings.ContainsRune("_.$", r) {
			return fmt.Sprintf("name %q contains %q; want letters, digits and _ . $", name, r)
		}
	}
	return ""
}

// localLabelPrefix returns the prefix that makes GNU as treat a local
// symbol as an assembler-local label and leave it out of the object
// (measured with GNU as 2.40 on every target: .L, .. and _.L_ on all but
// alpha, L$ on hppa; $ on mips and alpha is refused for every symbol), or
// "". A global symbol of such a name is kept.
func localLabelPrefix(name string) string {
	for _, p := range []string{".L", "..", "_.L_", "L$"} {
		if strings.HasPrefix(name, p) {
			return p
		}
	}
	return ""
}

// A reservedName is a section name, or a family of them, that a scenario
// may not declare, and why.
type reservedName struct {
	name string
	// match is how name matches: exact, or also name followed by "." and
	// anything (the way GNU as's special sections match), or any name
	// starting with it.
	match int
	why   string
}

const (
	exact = iota
	exactOrDot
	prefix
)

// reservedSectionNames are the section names that the ELF writer or Build
// gives their own meaning to, or that GNU as 2.40 turns into something
// other than the plain section the object has (another type or flags, or
// an error), on some target: the scenario is meant for every target, and
// its objects must be what GNU as makes of its asm source. Measured by
// assembling `.section NAME,"FLAGS",@progbits` (flags as Build defaults
// them) for every target; names where GNU as only warns and makes the same
// section (.comment, .note*, .debug, .dynamic, .interp, ...) are allowed.
// .group is allowed too: ELF marks section groups by type (SHT_GROUP), not
// by name; GNU as keeps a .group declared @progbits as plain data on every
// target, and GNU ld, gold, lld and mold link it as data.
var reservedSectionNames = []reservedName{
	{".symtab", exact, "elfw writes the symbol table itself"},
	{".strtab", exact, "elfw writes the symbol string table itself"},
	{".shstrtab", exact, "elfw writes the section name table itself"},
	{".symtab_shndx", exact, "elfw writes it itself for extended section numbering"},
	{".rel", prefix, "elfw writes the relocation sections (.rel* and .rela*) itself, and GNU as makes any .rel* section SHT_REL or SHT_RELA"},
	{".note.GNU-stack", exact, "Build adds it to every object (it marks the stack non-executable)"},
	{".init_array", exactOrDot, "GNU as makes it SHT_INIT_ARRAY whatever its declared type"},
	{".fini_array", exactOrDot, "GNU as makes it SHT_FINI_ARRAY whatever its declared type"},
	{".preinit_array", exactOrDot, "GNU as makes it SHT_PREINIT_ARRAY whatever its declared type"},
	{".tbss", exactOrDot, "GNU as makes it thread-local (SHF_TLS)"},
	{".tdata", exactOrDot, "GNU as makes it thread-local (SHF_TLS)"},
	{".stab", prefix, "GNU as fails on .stab* sections (internal error in adjust_stab_sections)"},
	{".sdata", exactOrDot, "GNU as makes it GP-relative (SHF_MIPS_GPREL, SHF_ALPHA_GPREL) on mips, mips64el and alpha"},
	{".sbss", exactOrDot, "GNU as makes it GP-relative (SHF_MIPS_GPREL, SHF_ALPHA_GPREL) on mips, mips64el and alpha"},
	{".lit4", exact, "GNU as makes it GP-relative (SHF_MIPS_GPREL, SHF_ALPHA_GPREL) on mips, mips64el and alpha"},
	{".lit8", exact, "GNU as makes it GP-relative (SHF_MIPS_GPREL, SHF_ALPHA_GPREL) on mips, mips64el and alpha"},
	{".srdata", exact, "GNU as makes it GP-relative (SHF_MIPS_GPREL) on mips and mips64el"},
	{".got", exact, "GNU as makes it GP-relative (SHF_MIPS_GPREL) on mips and mips64el"},
	{".gptab.", prefix, "GNU as makes it SHT_MIPS_GPTAB, or fails, on mips and mips64el"},
	{".debug_", prefix, "GNU as makes it SHT_MIPS_DWARF on mips and mips64el"},
	{".zdebug_", prefix, "GNU as makes it SHT_MIPS_DWARF on mips and mips64el"},
	{".MIPS.abiflags", prefix, "GNU as makes it SHT_MIPS_ABIFLAGS on mips and mips64el"},
	{".ldata", exactOrDot, "GNU as makes it a large-model section (SHF_X86_64_LARGE) on x86_64"},
	{".lbss", exactOrDot, "GNU as fails on it on x86_64 (a large-model section)"},
	{".ARM.exidx", exactOrDot, "GNU as makes it SHT_ARM_EXIDX on arm"},
	{".PARISC.unwind", exact, "GNU as makes it SHT_PARISC_UNWIND on hppa"},
}

// defaultSections maps the names of the targets' default sections other
// than .text, .data and .bss (attribute sections, MIPS's .reginfo,
// .MIPS.options, .MIPS.abiflags and .pdr) to the targets that write them.
// Their contents are fixed (GNU as writes them into every object); a user
// section of the same name would replace them, and GNU as refuses to
// redeclare them, so they are reserved on every target.
var defaultSections = sync.OnceValue(func() map[string][]string {
	m := map[string][]string{}
	for _, a := range arches.All() {
		for _, d := range a.DefaultSections {
			switch d.Name {
			case ".text", ".data", ".bss":
			default:
				m[d.Name] = append(m[d.Name], a.Name)
			}
		}
	}
	return m
})

// reservedSection says why a section name is reserved, or returns "".
func reservedSection(name string) string {
	if targets := defaultSections()[name]; len(targets) > 0 {
		return fmt.Sprintf("GNU as writes it into every object on %s", strings.Join(targets, ", "))
	}
	for _, r := range reservedSectionNames {
		switch {
		case name == r.name,
			r.match == exactOrDot && strings.HasPrefix(name, r.name+"."),
			r.match == prefix && strings.HasPrefix(name, r.name):
			return r.why
		}
	}
	return ""
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// index names element i of a list field: index("units", 2) is "units[2]".
// It is on the path of every scenario, so it avoids fmt.
func index(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }
