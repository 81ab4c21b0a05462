package synth

import (
	"fmt"
	"testing"

	"github.com/elfsynth/elfsynth/arches"
)

// scenarioFromBytes turns fuzz input into a valid scenario: each group of
// four bytes is a symbol (unit, section kind, size, alignment and kind).
func scenarioFromBytes(data []byte) *Scenario {
	sectionNames := []string{".data..ro_after_init", ".rodata", ".bss", ".data..page_aligned", ".rodata..page_aligned"}
	s := &Scenario{Name: "fuzz"}
	units := map[int]*Unit{}
	var order []int
	var lastGlobal string
	for i := 0; i+4 <= len(data) && i < 4*64; i += 4 {
		ui, si := int(data[i]%3), int(data[i+1])%len(sectionNames)
		u, ok := units[ui]
		if !ok {
			u = &Unit{Name: fmt.Sprintf("u%d.o", ui)}
			units[ui] = u
			order = append(order, ui)
		}
		sec := section(u, sectionNames[si])
		sym := Symbol{Name: fmt.Sprintf("s%d", i/4), Size: Bytes(uint64(data[i+2]) * 3), Align: Bytes(1 << (data[i+3] % 8))}
		switch {
		case data[i+3]&0x80 != 0:
			sym.Size, sym.Align = Pages(1), Pages(1)
		case data[i+3]&0x40 != 0 && lastGlobal != "" && sec.Name != ".bss":
			sym.Size, sym.Align = Amount{}, Amount{}
			sym.PointsTo = &Ref{Symbol: lastGlobal, Offset: int64(data[i+2])}
		case data[i+3]&0x20 != 0:
			sym.Bind = "local"
		}
		if sec.Name != ".bss" {
			sym.Fill = data[i+2]
		}
		sec.Symbols = append(sec.Symbols, sym)
		if sym.Bind == "" {
			lastGlobal = sym.Name
		}
	}
	for _, ui := range order {
		s.Units = append(s.Units, *units[ui])
	}
	return s
}

func section(u *Unit, name string) *Section {
	for i := range u.Sections {
		if u.Sections[i].Name == name {
			return &u.Sections[i]
		}
	}
	u.Sections = append(u.Sections, Section{Name: name})
	return &u.Sections[len(u.Sections)-1]
}

// FuzzObjects: every object the writer makes reads back through debug/elf
// with the scenario's sections, symbols and relocations, on any target.
func FuzzObjects(f *testing.F) {
	f.Add(byte(0), []byte{0, 0, 8, 3, 1, 0, 0, 0x80, 2, 0, 8, 0x43})
	f.Add(byte(12), []byte{1, 2, 200, 5, 0, 1, 7, 0x21, 2, 4, 1, 0x80, 0, 0, 3, 0x40})
	f.Add(byte(7), []byte{2, 3, 255, 7, 2, 3, 1, 0x40, 1, 1, 1, 1})
	all := arches.All()
	f.Fuzz(func(t *testing.T, archIndex byte, data []byte) {
		a := all[int(archIndex)%len(all)]
		s := scenarioFromBytes(data)
		if len(s.Units) == 0 {
			return
		}
		plan, err := Build(s, a, 0)
		if err != nil {
			t.Fatalf("a scenario made to be valid was refused: %v", err)
		}
		objs, err := plan.Objects()
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range objs {
			checkReadBack(t, a, plan.Units[i], o.Data)
		}
	})
}
