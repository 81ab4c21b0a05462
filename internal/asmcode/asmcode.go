// Package asmcode generates the machine code of `code: {address_of: SYMBOL}`
// symbols: a function that puts SYMBOL's address in the first return
// register and returns, with the ELF relocations a linker needs to fill it in.
//
// The instructions come from github.com/twitchyliquid64/golang-asm. Where
// golang-asm attaches a relocation of its own (objabi.R_*), it is mapped to
// the target's ELF relocation; where golang-asm has no relocation kind for
// the sequence a kernel-style link needs (a full 64-bit address on ppc64 and
// mips64, an absolute address on riscv64), the instructions are assembled
// with placeholder immediates and the relocated fields are then cleared and
// given ELF relocations here.
//
// Sequences, chosen so that a static link at kernel addresses (for example
// 0xffffffff81000000 on x86_64, 0xc000000000000000 on ppc64) resolves them:
//
//	amd64     lea target(%rip),%rax; ret            R_X86_64_PC32 (addend -4)
//	386       mov $target,%eax; ret                 R_386_32
//	arm       ldr r0,[pc,#4]; add pc,lr,#0; b .; .word target   R_ARM_ABS32 on the word
//	arm64     adrp x0,target; add x0,x0,:lo12:target; ret
//	          R_AARCH64_ADR_PREL_PG_HI21, R_AARCH64_ADD_ABS_LO12_NC (adrp reaches ±4 GiB)
//	riscv64   lui a0,%hi(target); addi a0,a0,%lo(target); ret
//	          R_RISCV_HI20, R_RISCV_LO12_I: absolute, so the address must be a
//	          sign-extended 32-bit value below 0x7ffff800 (the riscv64 kernel's
//	          0xffffffff80000000 is); a linker reports an overflow otherwise
//	ppc64/le  lis r3,target@highest; ori r3,r3,target@higher; sldi r3,r3,32;
//	          oris r3,r3,target@high; ori r3,r3,target@l; blr
//	          R_PPC64_ADDR16_HIGHEST, _HIGHER, _HIGH, _LO: any 64-bit address
//	          (_HIGH, not _HI, which fails unless the address fits in 32 bits)
//	s390x     larl %r2,target; br %r14                R_390_PC32DBL (addend 2)
//	mips64le  lui $2,%highest; daddiu $2,$2,%higher; dsll $2,$2,16;
//	          daddiu $2,$2,%hi; dsll $2,$2,16; daddiu $2,$2,%lo; jr $31; nop
//	          R_MIPS_HIGHEST, R_MIPS_HIGHER, R_MIPS_HI16, R_MIPS_LO16: any 64-bit address
//	mips      lui $2,%hi(target); addiu $2,$2,%lo(target); jr $31; nop
//	          R_MIPS_HI16, R_MIPS_LO16
//
// golang-asm prints a listing to stdout when it rejects an instruction; the
// sequences above are fixed and accepted, so that only happens on a bug here,
// and its diagnostics are returned as errors.
//
// Addends: Reloc.Addend is the value for a RELA entry. On the REL targets
// (386, arm, mips) every addend is zero, and Code holds that zero in each
// relocated field (lui/addiu immediates, the mov immediate, the literal
// word), which is where those ABIs read the implicit addend. So Code and
// Relocs are right for both REL and RELA objects as they are.
package asmcode

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// mu serialises golang-asm: some of its back ends build global opcode
// tables on first use without locking.
var mu sync.Mutex

// Func is a generated function and the ELF relocations it needs.
type Func struct {
	// Code is the function's bytes, in the target's byte order.
	Code []byte
	// Relocs refer to the target symbol, sorted by Offset.
	Relocs []Reloc
	// Align is the alignment the function's section needs.
	Align uint64
}

// Reloc is one ELF relocation against the target symbol.
type Reloc struct {
	// Offset is where the relocation applies, from the start of Code.
	Offset uint64
	// Type is the ELF R_* number for the target.
	Type uint32
	// Name is the type's name, e.g. "R_X86_64_PC32".
	Name string
	// Addend is the RELA addend; see the package comment for REL targets.
	Addend int64
}

// Arches lists the codeArch names AddressOf supports.
func Arches() []string {
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// BigEndian reports whether codeArch's code is big endian.
func BigEndian(codeArch string) bool {
	s, ok := specs[codeArch]
	return ok && s.big
}

// AddressOf generates the function that returns target's address on
// codeArch (a golang-asm architecture name, see Arches).
func AddressOf(codeArch string, target string) (*Func, error) {
	s, ok := specs[codeArch]
	if !ok {
		return nil, fmt.Errorf("asmcode: no code generation for arch %q; supported: %s", codeArch, strings.Join(Arches(), " "))
	}
	if target == "" {
		return nil, fmt.Errorf("asmcode: %s: empty target symbol name", codeArch)
	}
	mu.Lock()
	defer mu.Unlock()
	return s.generate(codeArch, target)
}
