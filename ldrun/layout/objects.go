package layout

import (
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"strings"

	"github.com/elfsynth/elfsynth/synth"
)

// Object is a relocatable object an image was linked from, read once: its
// sections and the symbols it defines. Read uses objects to name the input
// section and alignment behind each hole.
type Object struct {
	// Name is how reports refer to the object ("mm_init.o").
	Name     string
	Sections []ObjectSection
	Symbols  []ObjectSymbol
}

// ObjectSection is one section of an object.
type ObjectSection struct {
	Name  string
	Type  elf.SectionType
	Flags SectionFlags
	Size  uint64
	Align uint64
}

// ObjectSymbol is one symbol an object defines, with a name.
type ObjectSymbol struct {
	Name string
	// Section indexes Object.Sections; -1 for an absolute symbol.
	Section int
	Value   uint64
	Size    uint64
	Bind    elf.SymBind
	Type    elf.SymType
}

// ReadObject reads a relocatable object. It returns an error, never
// panics, on bytes that are not one.
func ReadObject(name string, data []byte) (*Object, error) {
	return readObject(name, bytes.NewReader(data))
}

func readObject(name string, r io.ReaderAt) (obj *Object, err error) {
	defer func() {
		if r := recover(); r != nil {
			obj, err = nil, fmt.Errorf("%s: malformed ELF object: %v", name, r)
		}
	}()
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	defer f.Close()
	if f.Type != elf.ET_REL {
		return nil, fmt.Errorf("%s: not a relocatable object: ELF type %v", name, f.Type)
	}
	obj = &Object{Name: name, Sections: make([]ObjectSection, len(f.Sections))}
	for i, s := range f.Sections {
		obj.Sections[i] = ObjectSection{Name: s.Name, Type: s.Type, Flags: SectionFlags(s.Flags), Size: s.Size, Align: s.Addralign}
	}
	syms, _ := f.Symbols()
	for _, s := range syms {
		if !NamedSymbol(s) {
			continue
		}
		sec := -1
		if s.Section != elf.SHN_ABS {
			if int(s.Section) >= len(f.Sections) {
				continue
			}
			sec = int(s.Section)
		}
		obj.Symbols = append(obj.Symbols, ObjectSymbol{Name: s.Name, Section: sec, Value: s.Value, Size: s.Size,
			Bind: elf.ST_BIND(s.Info), Type: elf.ST_TYPE(s.Info)})
	}
	return obj, nil
}

// ReadObjects reads the objects a plan made, in link order.
func ReadObjects(objs []synth.Object) ([]*Object, error) {
	out := make([]*Object, 0, len(objs))
	for _, o := range objs {
		r, err := ReadObject(o.Name, o.Data)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// NamedSymbol reports whether s is one readers of images and objects
// keep: a named data, code or script symbol. File and section symbols,
// undefined and common ones, and mapping symbols ($d, $x) are not.
func NamedSymbol(s elf.Symbol) bool { return namedSymbol(s.Name, s.Info, s.Section) }

func namedSymbol(name string, info byte, shndx elf.SectionIndex) bool {
	t := elf.ST_TYPE(info)
	switch {
	case name == "", t == elf.STT_FILE, t == elf.STT_SECTION, strings.HasPrefix(name, "$"):
		return false
	case shndx == elf.SHN_UNDEF || shndx == elf.SHN_COMMON:
		return false
	}
	return true
}
