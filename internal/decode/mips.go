package decode

import "fmt"

// mipsStep interprets lui, addiu, daddiu, ori, dsll, dsll32, nop and jr ra.
// golang.org/x/arch has no MIPS decoder, so the text is made here, in GNU
// objdump's style with numeric registers.
func mipsStep(width int) step {
	return func(m *machine) (int, string, bool, error) {
		w, err := m.word()
		if err != nil {
			return 0, "", false, err
		}
		op, rs, rt := w>>26, int(w>>21&31), int(w>>16&31)
		rd, sa, fn := int(w>>11&31), w>>6&31, w&63
		imm := uint64(w & 0xffff)
		simm := sext(imm, 16)
		switch {
		case w == 0:
			return 4, "nop", false, nil
		case w == 0x03e00008:
			return 4, "jr $31", true, nil
		case op == 0x0f: // lui
			m.setX(rt, sext(imm<<16, 32))
			return 4, fmt.Sprintf("lui $%d,%#x", rt, imm), false, nil
		case op == 0x09 || op == 0x19 && width == 64: // addiu, daddiu
			v, err := m.getX(rs)
			if err != nil {
				return 0, "", false, err
			}
			name := "daddiu"
			if op == 0x09 {
				name, v = "addiu", sext(v+simm, 32) // a 32-bit add, sign-extended
			} else {
				v += simm
			}
			m.setX(rt, v)
			return 4, fmt.Sprintf("%s $%d,$%d,%d", name, rt, rs, int64(simm)), false, nil
		case op == 0x0d: // ori
			v, err := m.getX(rs)
			if err != nil {
				return 0, "", false, err
			}
			m.setX(rt, v|imm)
			return 4, fmt.Sprintf("ori $%d,$%d,%#x", rt, rs, imm), false, nil
		case op == 0 && rs == 0 && width == 64 && (fn == 0x38 || fn == 0x3c): // dsll, dsll32
			v, err := m.getX(rt)
			if err != nil {
				return 0, "", false, err
			}
			name := "dsll"
			if fn == 0x3c {
				name, sa = "dsll32", sa+32
			}
			m.setX(rd, v<<sa)
			return 4, fmt.Sprintf("%s $%d,$%d,%d", name, rd, rt, sa&31), false, nil
		}
		return 0, "", false, fmt.Errorf("unsupported instruction %#08x", w)
	}
}
