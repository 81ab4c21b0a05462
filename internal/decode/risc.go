package decode

import (
	"errors"
	"fmt"
	"math/bits"

	"golang.org/x/arch/ppc64/ppc64asm"
	"golang.org/x/arch/riscv64/riscv64asm"
	"golang.org/x/arch/s390x/s390xasm"
)

// riscvStep interprets LUI, AUIPC, ADDI and RET (jalr x0, 0(ra)).
func riscvStep(m *machine) (int, string, bool, error) {
	if m.big {
		return 0, "", false, errors.New("big-endian riscv64 code is not supported")
	}
	w, err := m.word()
	if err != nil {
		return 0, "", false, err
	}
	text := fmt.Sprintf(".insn 4, %#08x", w)
	if in, err := riscv64asm.Decode(m.code[m.off : m.off+4]); err == nil && in.Len == 4 {
		text = riscv64asm.GNUSyntax(in)
	}
	rd := int(w >> 7 & 31)
	upper := sext(uint64(w&0xfffff000), 32)
	switch {
	case w == 0x00008067:
		return 4, text, true, nil
	case w&0x7f == 0x37: // lui
		m.setX(rd, upper)
	case w&0x7f == 0x17: // auipc
		m.setX(rd, m.pc+m.off+upper)
	case w&0x707f == 0x13: // addi
		v, err := m.getX(int(w >> 15 & 31))
		if err != nil {
			return 0, "", false, err
		}
		m.setX(rd, v+sext(uint64(w>>20), 12))
	default:
		return 0, "", false, fmt.Errorf("unsupported instruction %q", text)
	}
	return 4, text, false, nil
}

// setX and getX treat x0 as the zero register.
func (m *machine) setX(r int, v uint64) {
	if r != 0 {
		m.set(r, v)
	}
}

func (m *machine) getX(r int) (uint64, error) {
	if r == 0 {
		return 0, nil
	}
	return m.get(r)
}

// ppcStep interprets addis/addi (lis/li when RA is 0), ori, oris, rldicr
// (sldi) and blr.
func ppcStep(m *machine) (int, string, bool, error) {
	w, err := m.word()
	if err != nil {
		return 0, "", false, err
	}
	text := fmt.Sprintf(".long %#08x", w)
	if in, err := ppc64asm.Decode(m.code[m.off:m.off+4], m.order); err == nil && in.Len == 4 {
		text = ppc64asm.GNUSyntax(in, m.pc+m.off)
	}
	rt, ra := int(w>>21&31), int(w>>16&31)
	imm := uint64(w & 0xffff)
	switch op := w >> 26; {
	case w == 0x4e800020:
		return 4, text, true, nil
	case op == 14 || op == 15: // addi, addis
		base := uint64(0)
		if ra != 0 {
			if base, err = m.get(ra); err != nil {
				return 0, "", false, err
			}
		}
		v := sext(imm, 16)
		if op == 15 {
			v <<= 16
		}
		m.set(rt, base+v)
	case op == 24 || op == 25: // ori, oris: RA = RS | imm
		v, err := m.get(rt)
		if err != nil {
			return 0, "", false, err
		}
		if op == 25 {
			imm <<= 16
		}
		m.set(ra, v|imm)
	case op == 30 && w>>2&7 == 1: // rldicr ra, rs, sh, me
		v, err := m.get(rt)
		if err != nil {
			return 0, "", false, err
		}
		sh := int(w>>11&31 | (w>>1&1)<<5)
		me6 := w >> 5 & 63
		me := me6>>1 | (me6&1)<<5
		m.set(ra, bits.RotateLeft64(v, sh)&(^uint64(0)<<(63-me)))
	default:
		return 0, "", false, fmt.Errorf("unsupported instruction %q", text)
	}
	return 4, text, false, nil
}

// s390xStep interprets larl and br %r14.
func s390xStep(m *machine) (int, string, bool, error) {
	in, err := s390xasm.Decode(m.code[m.off:])
	if err != nil {
		return 0, "", false, fmt.Errorf("s390xasm: %v", err)
	}
	text := s390xasm.GNUSyntax(in, m.pc+m.off)
	b := m.code[m.off:]
	switch {
	case in.Len == 2 && b[0] == 0x07 && b[1] == 0xfe:
		return 2, text, true, nil
	case in.Len == 6 && b[0] == 0xc0 && b[1]&0xf == 0: // larl r1, ri2
		rel := int64(int32(uint32(b[2])<<24 | uint32(b[3])<<16 | uint32(b[4])<<8 | uint32(b[5])))
		m.set(int(b[1]>>4), m.pc+m.off+uint64(2*rel))
	default:
		return 0, "", false, fmt.Errorf("unsupported instruction %q", text)
	}
	return in.Len, text, false, nil
}
