package region

import (
	"debug/elf"
	"fmt"
	"path"
	"strings"

	"github.com/elfsynth/elfsynth/synth"
)

// builder makes the scenario's units in link order.
type builder struct {
	img   *image
	out   *elf.Section
	units []synth.Unit
	// units and globals are the unit names and global symbol names taken.
	unitNames, globals map[string]bool
	// skipped lists the symbols left out.
	skipped []string
	// inferred counts the window's sections whose alignment was inferred.
	inferred int
}

// summarise makes one unit per run of input sections of one name: a
// section of that name as long as the run, aligned as its first input
// section. The linker script places the run where it placed the inputs,
// and the statements between runs do to it what they did to them.
func (b *builder) summarise(prefix string, ins []input) {
	n := 0
	for i := 0; i < len(ins); {
		j := i + 1
		for j < len(ins) && ins[j].Name == ins[i].Name {
			j++
		}
		n++
		name := fmt.Sprintf("%s-%02d", prefix, n)
		size := ins[j-1].Addr + ins[j-1].Size - ins[i].Addr
		sec := b.section(ins[i].Name, ins[i].align)
		sec.Symbols = []synth.Symbol{{Name: strings.ReplaceAll(name, "-", "_"), Size: synth.Bytes(size), Bind: "local"}}
		b.units = append(b.units, synth.Unit{Name: name + ".o", Sections: []synth.Section{sec}})
		i = j
	}
}

// section is a section of the output section's kind.
func (b *builder) section(name string, align uint64) synth.Section {
	sec := synth.Section{Name: name, Align: synth.Bytes(align)}
	switch {
	case b.out.Type == elf.SHT_NOBITS:
		sec.Type, sec.Flags = "nobits", "aw"
	case b.out.Flags&elf.SHF_EXECINSTR != 0:
		sec.Flags = "ax"
	case b.out.Flags&elf.SHF_WRITE == 0:
		sec.Flags = "a"
	}
	if sec.Flags == synth.DefaultFlags(name) && sec.Type == "" {
		sec.Flags = ""
	}
	return sec
}

// window makes a unit of one input section with its symbols, each at its
// offset: aligned as its offset and the gap before it allow, and as a
// compiler would align an object of its size where that fits; filler
// symbols stand for bytes no alignment explains (string literals, data
// without a symbol). An inferred section alignment is at least its
// symbols'.
func (b *builder) window(in input) {
	syms := b.symbols(in)
	align := in.align
	if !in.exact {
		for _, y := range syms {
			align = max(align, y.Align.Bytes)
		}
		for in.Addr%align != 0 {
			align >>= 1
		}
		b.inferred++
	}
	sec := b.section(in.Name, align)
	sec.Symbols = syms
	b.units = append(b.units, synth.Unit{Name: b.unitName(in.Object), Sections: []synth.Section{sec}})
}

// symbols lays out the image's symbols in one input section.
func (b *builder) symbols(in input) []synth.Symbol {
	var out []synth.Symbol
	fills := 0
	filler := func(size uint64) {
		fills++
		out = append(out, synth.Symbol{Name: fmt.Sprintf("__fill_%d", fills), Size: synth.Bytes(size), Bind: "local"})
	}
	local := map[string]bool{}
	var end uint64
	for _, y := range b.img.symbols {
		if y.Value < in.Addr || y.Value >= in.Addr+in.Size || b.img.sections[y.Section] != b.out {
			continue
		}
		off := y.Value - in.Addr
		bind := "local"
		if elf.ST_BIND(y.Info) != elf.STB_LOCAL {
			bind = ""
		}
		if off < end || local[y.Name] || bind == "" && b.globals[y.Name] || !symbolName(y.Name) {
			// An alias, a symbol inside another, or a name the scenario
			// cannot have twice.
			b.skipped = append(b.skipped, y.Name)
			continue
		}
		a := leastAlign(off, end)
		if off%a != 0 || a > in.align && in.exact {
			// No alignment explains the gap: filler bytes.
			filler(off - end)
			a = 1
		}
		if n := natural(y.Size, b.img.arch.PointerSize()); off%n == 0 && (!in.exact || n <= in.align) {
			a = max(a, n)
		}
		local[y.Name] = true
		if bind == "" {
			b.globals[y.Name] = true
		}
		out = append(out, synth.Symbol{Name: y.Name, Size: synth.Bytes(y.Size), Align: synth.Bytes(a), Bind: bind})
		end = off + y.Size
	}
	if end < in.Size {
		filler(in.Size - end)
	}
	return out
}

// unitName is the object's file name ("mm_init.o"), or, when that is
// taken, its path with "/" as "__".
func (b *builder) unitName(object string) string {
	if i := strings.LastIndexByte(object, '('); i >= 0 && strings.HasSuffix(object, ")") {
		object = object[i+1 : len(object)-1]
	}
	name := path.Base(object)
	for n := 1; b.unitNames[name]; n++ {
		name = strings.ReplaceAll(object, "/", "__")
		if n > 1 {
			name = fmt.Sprintf("%d-%s", n, name)
		}
	}
	b.unitNames[name] = true
	return name
}

// symbolName reports whether a symbol name is one a scenario can hold.
func symbolName(name string) bool {
	if name == "" || name[0] >= '0' && name[0] <= '9' || strings.HasPrefix(name, ".L") {
		return false
	}
	for _, r := range name {
		if !(r == '_' || r == '.' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// comment says where the scenario comes from and how it was made.
func (b *builder) comment(opt Options, ins []input, lo, hi int) string {
	name := opt.ImageName
	if name == "" {
		name = "an image"
	}
	var c strings.Builder
	fmt.Fprintf(&c, "Around %s in %s of %s (%s, map format %s), by elfsynth scenario --from.\n",
		opt.Around, b.out.Name, name, b.img.arch.Name, opt.Map.Format)
	fmt.Fprintf(&c, "Units in link order: %d input sections before it summarised into rest-before-*.o,\n", lo)
	fmt.Fprintf(&c, "the %d around it as units of their own with their symbols at their offsets, and %d after it\n", hi-lo, len(ins)-hi)
	c.WriteString("summarised into rest-after-*.o: each summary one section per run of same-named inputs,\n")
	c.WriteString("as long as the run and aligned as its first input section.\n")
	c.WriteString("Link it under the image's own linker script to get its layout back, e.g.\n")
	fmt.Fprintf(&c, "  elfsynth link --arch %s --script vmlinux.lds THIS.yaml\n", b.img.arch.Name)
	if b.inferred > 0 {
		fmt.Fprintf(&c, "%d alignments are inferred from addresses (the largest each allows): give --objects for exact ones.\n", b.inferred)
	}
	if len(b.skipped) > 0 {
		fmt.Fprintf(&c, "Left out (aliases or inside other symbols): %s.\n", strings.Join(b.skipped, " "))
	}
	return c.String()
}
