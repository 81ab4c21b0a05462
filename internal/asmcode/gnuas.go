package asmcode

import (
	"fmt"
	"strings"

	"github.com/elfsynth/elfsynth/internal/decode"
)

// GNUAs returns the function AddressOf makes as GNU as source lines: the
// body only, without .section, .globl or a label. GNU as assembles it to the
// same bytes and the same relocations: each instruction is a .byte group in
// memory order followed by its disassembly in a comment, and each
// relocation is a `.reloc .+N, R_NAME, target+ADDEND` line just before the
// group it applies to.
func GNUAs(codeArch, target string) (string, error) {
	f, err := AddressOf(codeArch, target)
	if err != nil {
		return "", err
	}
	insts, err := decode.Disassemble(codeArch, BigEndian(codeArch), f.Code, 0)
	if err != nil {
		return "", fmt.Errorf("asmcode: %s: disassembling the generated code: %w", codeArch, err)
	}
	var b strings.Builder
	next := 0 // the next relocation to write
	for _, in := range insts {
		end := in.Off + uint64(in.Len)
		for ; next < len(f.Relocs) && f.Relocs[next].Offset < end; next++ {
			r := f.Relocs[next]
			fmt.Fprintf(&b, "\t.reloc .+%d, %s, %s\n", r.Offset-in.Off, r.Name, symPlus(target, r.Addend))
		}
		bytes := make([]string, in.Len)
		for i, c := range f.Code[in.Off:end] {
			bytes[i] = fmt.Sprintf("%#02x", c)
		}
		// The comment must not end early; disassembly never has "*/".
		fmt.Fprintf(&b, "\t.byte %s /* %s */\n", strings.Join(bytes, ","), strings.ReplaceAll(in.Text, "*/", "* /"))
	}
	if next != len(f.Relocs) {
		return "", fmt.Errorf("asmcode: %s: relocation at %d is past the code", codeArch, f.Relocs[next].Offset)
	}
	return b.String(), nil
}

// symPlus writes a symbol and addend as a GNU as expression.
func symPlus(sym string, addend int64) string {
	switch {
	case addend > 0:
		return fmt.Sprintf("%s+%d", sym, addend)
	case addend < 0:
		return fmt.Sprintf("%s%d", sym, addend)
	}
	return sym
}
