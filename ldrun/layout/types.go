package layout

import (
	"debug/elf"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Addr is an address; it appears in JSON as a hex string "0xffffffff81000000".
type Addr uint64

// MarshalText writes a as 0x-prefixed hex.
func (a Addr) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads a hex (0x...) or decimal address.
func (a *Addr) UnmarshalText(b []byte) error {
	v, err := strconv.ParseUint(string(b), 0, 64)
	*a = Addr(v)
	return err
}

// String writes a as 0x-prefixed hex.
func (a Addr) String() string { return fmt.Sprintf("%#x", uint64(a)) }

// Perm is what may be done with memory: a segment's flags at link time, or
// what the kernel maps an address with once booted.
type Perm uint8

// Permission bits.
const (
	PermR Perm = 1 << iota
	PermW
	PermX
	// PermAfterInit marks memory the kernel makes read-only once boot is
	// done (__ro_after_init); it comes with PermR.
	PermAfterInit
)

// Runtime permissions the kernel gives its image.
const (
	PermText        = PermR | PermX
	PermRO          = PermR
	PermROAfterInit = PermR | PermAfterInit
	PermRW          = PermR | PermW
)

// PermOf converts a program header's flags.
func PermOf(f elf.ProgFlag) Perm {
	var p Perm
	if f&elf.PF_R != 0 {
		p |= PermR
	}
	if f&elf.PF_W != 0 {
		p |= PermW
	}
	if f&elf.PF_X != 0 {
		p |= PermX
	}
	return p
}

// String writes p the way readelf's tables read: "R-X", and "R-- after
// init" for ro_after_init memory.
func (p Perm) String() string {
	b := []byte("---")
	if p&PermR != 0 {
		b[0] = 'R'
	}
	if p&PermW != 0 {
		b[1] = 'W'
	}
	if p&PermX != 0 {
		b[2] = 'X'
	}
	if p&PermAfterInit != 0 {
		return string(b) + " after init"
	}
	return string(b)
}

// MarshalText writes p as String does.
func (p Perm) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads what MarshalText writes.
func (p *Perm) UnmarshalText(b []byte) error {
	s := string(b)
	rest, after := strings.CutSuffix(s, " after init")
	if len(rest) != 3 {
		return fmt.Errorf("bad permission %q", s)
	}
	var v Perm
	for i, c := range []byte(rest) {
		switch {
		case c == '-':
		case i == 0 && c == 'R':
			v |= PermR
		case i == 1 && c == 'W':
			v |= PermW
		case i == 2 && c == 'X':
			v |= PermX
		default:
			return fmt.Errorf("bad permission %q", s)
		}
	}
	if after {
		v |= PermAfterInit
	}
	*p = v
	return nil
}

// SectionFlags are a section's sh_flags.
type SectionFlags elf.SectionFlag

// Has reports whether every flag in f is set.
func (s SectionFlags) Has(f elf.SectionFlag) bool { return elf.SectionFlag(s)&f == f }

var flagLetters = []struct {
	f elf.SectionFlag
	c byte
}{{elf.SHF_WRITE, 'W'}, {elf.SHF_ALLOC, 'A'}, {elf.SHF_EXECINSTR, 'X'}, {elf.SHF_MERGE, 'M'},
	{elf.SHF_STRINGS, 'S'}, {elf.SHF_INFO_LINK, 'I'}, {elf.SHF_LINK_ORDER, 'L'}, {elf.SHF_TLS, 'T'}}

// String writes the flags as readelf's letters: "WAX".
func (s SectionFlags) String() string {
	var b strings.Builder
	for _, l := range flagLetters {
		if s.Has(l.f) {
			b.WriteByte(l.c)
		}
	}
	return b.String()
}

// MarshalText writes the flags as String does.
func (s SectionFlags) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads readelf's letters.
func (s *SectionFlags) UnmarshalText(b []byte) error {
	var v elf.SectionFlag
next:
	for _, c := range b {
		for _, l := range flagLetters {
			if l.c == c {
				v |= l.f
				continue next
			}
		}
		return fmt.Errorf("bad section flag %q in %q", c, b)
	}
	*s = SectionFlags(v)
	return nil
}

// SegmentType is a program header's type.
type SegmentType elf.ProgType

// namedSegmentTypes are the types whose names mean the same on every
// target; processor-specific ones are written as numbers.
var namedSegmentTypes = []elf.ProgType{elf.PT_NULL, elf.PT_LOAD, elf.PT_DYNAMIC, elf.PT_INTERP, elf.PT_NOTE,
	elf.PT_SHLIB, elf.PT_PHDR, elf.PT_TLS, elf.PT_GNU_EH_FRAME, elf.PT_GNU_STACK, elf.PT_GNU_RELRO,
	elf.PT_GNU_PROPERTY}

// String is the type without its PT_ prefix: "LOAD", "GNU_STACK"; a
// processor- or OS-specific type is its number in hex.
func (t SegmentType) String() string {
	if slices.Contains(namedSegmentTypes, elf.ProgType(t)) {
		return strings.TrimPrefix(elf.ProgType(t).String(), "PT_")
	}
	return fmt.Sprintf("%#x", uint32(t))
}

// MarshalText writes the type as String does.
func (t SegmentType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads what MarshalText writes, or a number.
func (t *SegmentType) UnmarshalText(b []byte) error {
	s := string(b)
	for _, v := range namedSegmentTypes {
		if SegmentType(v).String() == s {
			*t = SegmentType(v)
			return nil
		}
	}
	if n, err := strconv.ParseUint(s, 0, 32); err == nil {
		*t = SegmentType(n)
		return nil
	}
	return fmt.Errorf("bad segment type %q", s)
}
