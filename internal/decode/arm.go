package decode

import (
	"errors"
	"fmt"

	"golang.org/x/arch/arm/armasm"
	"golang.org/x/arch/arm64/arm64asm"
)

// armStep interprets LDR Rt, [PC, #imm] (a literal pool load), MOVW/MOVT and
// the returns ADD PC, LR, #0, MOV PC, LR and BX LR, all unconditional.
func armStep(m *machine) (int, string, bool, error) {
	if m.big {
		return 0, "", false, errors.New("big-endian arm code is not supported")
	}
	w, err := m.word()
	if err != nil {
		return 0, "", false, err
	}
	text := fmt.Sprintf(".word %#08x", w)
	if in, err := armasm.Decode(m.code[m.off:m.off+4], armasm.ModeARM); err == nil {
		text = armasm.GNUSyntax(in)
	}
	switch {
	case w == 0xe28ef000 || w == 0xe1a0f00e || w == 0xe12fff1e:
		return 4, text, true, nil
	case w&0xff7f0000 == 0xe51f0000: // ldr rt, [pc, #±imm12]
		lit := m.off + 8 + uint64(w&0xfff)
		if w&(1<<23) == 0 {
			lit = m.off + 8 - uint64(w&0xfff)
		}
		v, err := m.word32(lit)
		if err != nil {
			return 0, "", false, fmt.Errorf("literal of %q: %v", text, err)
		}
		m.literals[lit] = 4
		m.set(int(w>>12&0xf), uint64(v))
	case w&0xfff00000 == 0xe3000000: // movw rd, #imm16
		m.set(int(w>>12&0xf), uint64(w>>4&0xf000|w&0xfff))
	case w&0xfff00000 == 0xe3400000: // movt rd, #imm16
		rd := int(w >> 12 & 0xf)
		lo, err := m.get(rd)
		if err != nil {
			return 0, "", false, err
		}
		m.set(rd, lo&0xffff|uint64(w>>4&0xf000|w&0xfff)<<16)
	default:
		return 0, "", false, fmt.Errorf("unsupported instruction %q", text)
	}
	return 4, text, false, nil
}

// arm64Step interprets ADRP, ADD (64-bit immediate) and RET X30, and ADR and
// NOP, which lld makes of an ADRP+ADD pair when the target is within 1 MiB.
func arm64Step(m *machine) (int, string, bool, error) {
	if m.big {
		return 0, "", false, errors.New("big-endian arm64 code is not supported")
	}
	w, err := m.word()
	if err != nil {
		return 0, "", false, err
	}
	text := fmt.Sprintf(".inst %#08x", w)
	if in, err := arm64asm.Decode(m.code[m.off : m.off+4]); err == nil {
		text = arm64asm.GNUSyntax(in)
	}
	rd := int(w & 31)
	switch {
	case w == 0xd65f03c0:
		return 4, text, true, nil
	case w == 0xd503201f: // nop
	case w&0x9f000000 == 0x10000000: // adr xd, label
		m.set(rd, m.pc+m.off+sext(uint64(w>>5&0x7ffff)<<2|uint64(w>>29&3), 21))
	case w&0x9f000000 == 0x90000000: // adrp xd, label
		imm := sext(uint64(w>>5&0x7ffff)<<2|uint64(w>>29&3), 21) << 12
		m.set(rd, (m.pc+m.off)&^0xfff+imm)
	case w&0xff800000 == 0x91000000: // add xd, xn, #imm12{, lsl #12}
		rn := int(w >> 5 & 31)
		if rn == 31 || rd == 31 {
			return 0, "", false, fmt.Errorf("unsupported instruction %q (sp)", text)
		}
		v, err := m.get(rn)
		if err != nil {
			return 0, "", false, err
		}
		imm := uint64(w >> 10 & 0xfff)
		if w&(1<<22) != 0 {
			imm <<= 12
		}
		m.set(rd, v+imm)
	default:
		return 0, "", false, fmt.Errorf("unsupported instruction %q", text)
	}
	return 4, text, false, nil
}
