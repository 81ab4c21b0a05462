package decode

import (
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// x86RAX is the register number results are kept under on x86: the
// accumulator, whatever width an instruction names it by.
const x86RAX = int(x86asm.RAX)

// x86Step decodes LEA (rip-relative or absolute), MOV of an immediate and
// RET, in 64- or 32-bit mode.
func x86Step(mode int) step {
	return func(m *machine) (int, string, bool, error) {
		in, err := x86asm.Decode(m.code[m.off:], mode)
		if err != nil {
			return 0, "", false, fmt.Errorf("x86asm: %v", err)
		}
		text := x86asm.GNUSyntax(in, m.pc+m.off, nil)
		switch in.Op {
		case x86asm.RET:
			if in.Args[0] != nil {
				return 0, "", false, fmt.Errorf("unsupported instruction %q", text)
			}
			return in.Len, text, true, nil
		case x86asm.LEA, x86asm.MOV:
			err = x86Load(m, in, mode)
		default:
			err = fmt.Errorf("unsupported instruction %q", text)
		}
		return in.Len, text, false, err
	}
}

// x86Load interprets LEA reg, mem and MOV reg, imm.
func x86Load(m *machine, in x86asm.Inst, mode int) error {
	dst, ok := in.Args[0].(x86asm.Reg)
	if !ok {
		return fmt.Errorf("unsupported destination %v", in.Args[0])
	}
	reg, width, ok := x86Full(dst)
	if !ok {
		return fmt.Errorf("unsupported destination %v", dst)
	}
	var v uint64
	switch a := in.Args[1].(type) {
	case x86asm.Mem:
		if in.Op != x86asm.LEA || a.Index != 0 || a.Segment != 0 {
			return fmt.Errorf("unsupported operand %v", a)
		}
		switch a.Base {
		case x86asm.RIP:
			v = m.pc + m.off + uint64(in.Len) + uint64(a.Disp)
		case 0:
			v = uint64(a.Disp)
		default:
			return fmt.Errorf("unsupported base register %v", a.Base)
		}
	case x86asm.Imm:
		if in.Op != x86asm.MOV {
			return fmt.Errorf("unsupported operand %v", a)
		}
		v = uint64(a)
	default:
		return fmt.Errorf("unsupported operand %v", in.Args[1])
	}
	if width == 32 || mode == 32 {
		// A 32-bit destination zero-extends into the 64-bit register.
		v = uint64(uint32(v))
	}
	m.set(reg, v)
	return nil
}

// x86Full maps a 32- or 64-bit general register to its 64-bit name.
func x86Full(r x86asm.Reg) (int, int, bool) {
	switch {
	case r >= x86asm.RAX && r <= x86asm.R15:
		return int(r), 64, true
	case r >= x86asm.EAX && r <= x86asm.R15L:
		return int(r-x86asm.EAX) + int(x86asm.RAX), 32, true
	}
	return 0, 0, false
}
