package layout

import (
	"debug/elf"
	"encoding/json"
	"testing"
)

// TestTypesRoundTrip: every typed field reads back from its JSON text.
func TestTypesRoundTrip(t *testing.T) {
	for _, p := range []Perm{0, PermText, PermRO, PermROAfterInit, PermRW, PermR | PermW | PermX} {
		var back Perm
		b, _ := p.MarshalText()
		if err := back.UnmarshalText(b); err != nil || back != p {
			t.Errorf("Perm %q read back as %q, %v", b, back, err)
		}
	}
	if got := PermROAfterInit.String(); got != "R-- after init" {
		t.Errorf("PermROAfterInit = %q", got)
	}
	for _, f := range []SectionFlags{0, SectionFlags(elf.SHF_ALLOC | elf.SHF_WRITE), SectionFlags(elf.SHF_ALLOC | elf.SHF_EXECINSTR | elf.SHF_TLS)} {
		var back SectionFlags
		b, _ := f.MarshalText()
		if err := back.UnmarshalText(b); err != nil || back != f {
			t.Errorf("SectionFlags %q read back as %q, %v", b, back, err)
		}
	}
	for _, typ := range []elf.ProgType{elf.PT_LOAD, elf.PT_GNU_STACK, elf.PT_LOPROC, elf.PT_LOPROC + 3, elf.PT_LOOS + 0x474e553, 0x12345} {
		var back SegmentType
		b, _ := json.Marshal(SegmentType(typ))
		if err := json.Unmarshal(b, &back); err != nil || back != SegmentType(typ) {
			t.Errorf("SegmentType %s read back as %s, %v", b, back, err)
		}
	}
}
