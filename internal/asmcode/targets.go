package asmcode

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/twitchyliquid64/golang-asm/obj"
	"github.com/twitchyliquid64/golang-asm/obj/arm"
	"github.com/twitchyliquid64/golang-asm/obj/arm64"
	"github.com/twitchyliquid64/golang-asm/obj/mips"
	"github.com/twitchyliquid64/golang-asm/obj/ppc64"
	"github.com/twitchyliquid64/golang-asm/obj/riscv"
	"github.com/twitchyliquid64/golang-asm/obj/s390x"
	"github.com/twitchyliquid64/golang-asm/obj/x86"
	"github.com/twitchyliquid64/golang-asm/objabi"
)

// relKind is an ELF relocation type and its name.
type relKind struct {
	typ  uint32
	name string
}

// kind turns a debug/elf relocation constant into a relKind.
func kind[T interface {
	~int
	String() string
}](t T) relKind {
	return relKind{uint32(t), t.String()}
}

// fixup is a relocation golang-asm has no kind for: the instruction p gets
// relocation k at byte field of the instruction, and the instruction bits in
// mask (the field's placeholder) are cleared.
type fixup struct {
	p     *obj.Prog
	k     relKind
	field uint64
	mask  uint32
}

// spec is how one codeArch's function is made.
type spec struct {
	big, rela bool
	align     uint64
	// size is the length of the function; golang-asm pads functions with
	// zeros to its own alignment, and the padding is dropped.
	size int
	// build adds the instructions for an address of target, returning the
	// relocations golang-asm cannot express.
	build func(u *unit, target *obj.LSym) []fixup
	// fromGo maps a golang-asm relocation to ELF relocations.
	fromGo func(r obj.Reloc) []Reloc
}

var specs = map[string]*spec{
	"amd64":    {rela: true, align: 16, size: 8, build: buildAMD64, fromGo: goPCRel(kind(elf.R_X86_64_PC32))},
	"386":      {align: 16, size: 6, build: build386, fromGo: goAbs(kind(elf.R_386_32))},
	"arm":      {align: 4, size: 16, build: buildARM, fromGo: goAbs(kind(elf.R_ARM_ABS32))},
	"arm64":    {rela: true, align: 4, size: 12, build: buildARM64, fromGo: goARM64},
	"riscv64":  {rela: true, align: 4, size: 12, build: buildRISCV64},
	"ppc64le":  {rela: true, align: 4, size: 24, build: buildPPC64(false)},
	"ppc64":    {big: true, rela: true, align: 4, size: 24, build: buildPPC64(true)},
	"s390x":    {big: true, rela: true, align: 8, size: 8, build: buildS390X, fromGo: goPCRel(kind(elf.R_390_PC32DBL))},
	"mips64le": {rela: true, align: 8, size: 32, build: buildMIPS64},
	"mips":     {big: true, align: 4, size: 16, build: buildMIPS, fromGo: goMIPS},
}

// generate assembles the function and collects its relocations.
func (s *spec) generate(codeArch, target string) (*Func, error) {
	u, err := newUnit(codeArch, "asmcode.fn")
	if err != nil {
		return nil, err
	}
	sym := u.sym(target)
	fixups := s.build(u, sym)
	code, goRelocs, err := u.assemble()
	if err != nil {
		return nil, err
	}
	f := &Func{Align: s.align}
	for _, r := range goRelocs {
		switch {
		case r.Sym == nil && r.Siz == 0:
			continue // a marker (R_CALLIND and the like), not a relocation
		case r.Sym != sym || s.fromGo == nil:
			return nil, fmt.Errorf("asmcode: %s: unexpected golang-asm relocation %v at %d", codeArch, r.Type, r.Off)
		}
		rs := s.fromGo(r)
		if rs == nil {
			return nil, fmt.Errorf("asmcode: %s: no ELF mapping for golang-asm relocation %v (size %d)", codeArch, r.Type, r.Siz)
		}
		f.Relocs = append(f.Relocs, rs...)
	}
	order := binary.ByteOrder(binary.LittleEndian)
	if s.big {
		order = binary.BigEndian
	}
	for _, x := range fixups {
		off := uint64(x.p.Pc)
		if off+4 > uint64(len(code)) {
			return nil, fmt.Errorf("asmcode: %s: instruction at %d is outside the code", codeArch, off)
		}
		order.PutUint32(code[off:], order.Uint32(code[off:])&^x.mask)
		f.Relocs = append(f.Relocs, Reloc{Offset: off + x.field, Type: x.k.typ, Name: x.k.name})
	}
	if err := s.finish(codeArch, f, code); err != nil {
		return nil, err
	}
	return f, nil
}

// finish drops golang-asm's padding and checks the invariants the package
// comment promises.
func (s *spec) finish(codeArch string, f *Func, code []byte) error {
	if len(code) < s.size {
		return fmt.Errorf("asmcode: %s: golang-asm made %d bytes, want %d", codeArch, len(code), s.size)
	}
	for _, b := range code[s.size:] {
		if b != 0 {
			return fmt.Errorf("asmcode: %s: golang-asm made more code than expected: % x", codeArch, code)
		}
	}
	f.Code = code[:s.size:s.size]
	sort.Slice(f.Relocs, func(i, j int) bool { return f.Relocs[i].Offset < f.Relocs[j].Offset })
	for _, r := range f.Relocs {
		if !s.rela && r.Addend != 0 {
			// REL objects keep the addend in Code, which holds zeros.
			return fmt.Errorf("asmcode: %s: REL target with addend %d", codeArch, r.Addend)
		}
	}
	return nil
}

// goPCRel maps golang-asm's 4-byte PC-relative relocations. golang-asm
// computes S + Add - (end of the field); ELF computes S + A - (start of the
// field), so A is Add minus the field size.
func goPCRel(k relKind) func(r obj.Reloc) []Reloc {
	return func(r obj.Reloc) []Reloc {
		if (r.Type != objabi.R_PCREL && r.Type != objabi.R_PCRELDBL) || r.Siz != 4 {
			return nil
		}
		return []Reloc{{Offset: uint64(r.Off), Type: k.typ, Name: k.name, Addend: r.Add - int64(r.Siz)}}
	}
}

// goAbs maps golang-asm's 4-byte absolute address.
func goAbs(k relKind) func(r obj.Reloc) []Reloc {
	return func(r obj.Reloc) []Reloc {
		if r.Type != objabi.R_ADDR || r.Siz != 4 {
			return nil
		}
		return []Reloc{{Offset: uint64(r.Off), Type: k.typ, Name: k.name, Addend: r.Add}}
	}
}

// goARM64 splits golang-asm's R_ADDRARM64 (an adrp, add pair) in two.
func goARM64(r obj.Reloc) []Reloc {
	if r.Type != objabi.R_ADDRARM64 || r.Siz != 8 {
		return nil
	}
	hi, lo := kind(elf.R_AARCH64_ADR_PREL_PG_HI21), kind(elf.R_AARCH64_ADD_ABS_LO12_NC)
	return []Reloc{
		{Offset: uint64(r.Off), Type: hi.typ, Name: hi.name, Addend: r.Add},
		{Offset: uint64(r.Off) + 4, Type: lo.typ, Name: lo.name, Addend: r.Add},
	}
}

// goMIPS maps golang-asm's R_ADDRMIPSU (lui) and R_ADDRMIPS (addiu).
func goMIPS(r obj.Reloc) []Reloc {
	var k relKind
	switch {
	case r.Siz != 4:
		return nil
	case r.Type == objabi.R_ADDRMIPSU:
		k = kind(elf.R_MIPS_HI16)
	case r.Type == objabi.R_ADDRMIPS:
		k = kind(elf.R_MIPS_LO16)
	default:
		return nil
	}
	return []Reloc{{Offset: uint64(r.Off), Type: k.typ, Name: k.name, Addend: r.Add}}
}

// Operand helpers.

func addrOf(sym *obj.LSym) obj.Addr {
	return obj.Addr{Type: obj.TYPE_ADDR, Name: obj.NAME_EXTERN, Sym: sym}
}

func memOf(sym *obj.LSym) obj.Addr {
	return obj.Addr{Type: obj.TYPE_MEM, Name: obj.NAME_EXTERN, Sym: sym}
}

func reg(r int16) obj.Addr { return obj.Addr{Type: obj.TYPE_REG, Reg: r} }

func imm(v int64) obj.Addr { return obj.Addr{Type: obj.TYPE_CONST, Offset: v} }

// op appends `as from, [mid,] to`; mid 0 means none.
func (u *unit) op(as obj.As, from obj.Addr, mid int16, to obj.Addr) *obj.Prog {
	p := u.prog(as)
	p.From, p.Reg, p.To = from, mid, to
	return p
}

func buildAMD64(u *unit, t *obj.LSym) []fixup {
	u.op(x86.ALEAQ, memOf(t), 0, reg(x86.REG_AX)) // lea target(%rip), %rax
	u.prog(obj.ARET)
	return nil
}

func build386(u *unit, t *obj.LSym) []fixup {
	u.op(x86.AMOVL, addrOf(t), 0, reg(x86.REG_AX)) // mov $target, %eax
	u.prog(obj.ARET)
	return nil
}

func buildARM(u *unit, t *obj.LSym) []fixup {
	// golang-asm loads the address from a literal pool word after the
	// return.
	u.op(arm.AMOVW, addrOf(t), 0, reg(arm.REG_R0))
	u.prog(obj.ARET)
	return nil
}

func buildARM64(u *unit, t *obj.LSym) []fixup {
	u.op(arm64.AMOVD, addrOf(t), 0, reg(arm64.REG_R0)) // adrp + add
	u.prog(obj.ARET).To = reg(arm64.REG_R30)
	return nil
}

func buildRISCV64(u *unit, t *obj.LSym) []fixup {
	lui := u.op(riscv.ALUI, imm(0), 0, reg(riscv.REG_A0))
	addi := u.op(riscv.AADDI, imm(0), riscv.REG_A0, reg(riscv.REG_A0))
	u.prog(obj.ARET)
	return []fixup{
		{p: lui, k: kind(elf.R_RISCV_HI20), mask: 0xfffff000},
		{p: addi, k: kind(elf.R_RISCV_LO12_I), mask: 0xfff00000},
	}
}

// buildPPC64 builds a 64-bit immediate load. ori with 0 would be assembled
// as a register or, so the ors carry a placeholder 1 that the fixup clears.
func buildPPC64(big bool) func(u *unit, t *obj.LSym) []fixup {
	field := uint64(0) // the low halfword of the instruction
	if big {
		field = 2
	}
	return func(u *unit, t *obj.LSym) []fixup {
		r3 := reg(ppc64.REG_R3)
		lis := u.op(ppc64.AADDIS, imm(0), ppc64.REG_R0, r3)
		higher := u.op(ppc64.AOR, imm(1), 0, r3)
		u.op(ppc64.ASLD, imm(32), 0, r3)
		hi := u.op(ppc64.AORIS, imm(0), 0, r3)
		lo := u.op(ppc64.AOR, imm(1), 0, r3)
		u.prog(obj.ARET)
		return []fixup{
			{p: lis, k: kind(elf.R_PPC64_ADDR16_HIGHEST), field: field, mask: 0xffff},
			{p: higher, k: kind(elf.R_PPC64_ADDR16_HIGHER), field: field, mask: 0xffff},
			{p: hi, k: kind(elf.R_PPC64_ADDR16_HIGH), field: field, mask: 0xffff},
			{p: lo, k: kind(elf.R_PPC64_ADDR16_LO), field: field, mask: 0xffff},
		}
	}
}

func buildS390X(u *unit, t *obj.LSym) []fixup {
	u.op(s390x.AMOVD, addrOf(t), 0, reg(s390x.REG_R2)) // larl
	u.prog(obj.ARET)
	return nil
}

// buildMIPS64 builds a 64-bit address from four 16-bit pieces. golang-asm's
// own address load adds R28 (its static base), so it is not used; the
// immediates are placeholders the fixups clear (lui takes 0x10000, as
// golang-asm rejects a zero).
func buildMIPS64(u *unit, t *obj.LSym) []fixup {
	r2 := reg(mips.REG_R2)
	lui := u.op(mips.AMOVV, imm(0x10000), 0, r2)
	higher := u.op(mips.AADDVU, imm(1), 0, r2)
	u.op(mips.ASLLV, imm(16), 0, r2)
	hi := u.op(mips.AADDVU, imm(1), 0, r2)
	u.op(mips.ASLLV, imm(16), 0, r2)
	lo := u.op(mips.AADDVU, imm(1), 0, r2)
	u.prog(obj.ARET)
	return []fixup{
		{p: lui, k: kind(elf.R_MIPS_HIGHEST), mask: 0xffff},
		{p: higher, k: kind(elf.R_MIPS_HIGHER), mask: 0xffff},
		{p: hi, k: kind(elf.R_MIPS_HI16), mask: 0xffff},
		{p: lo, k: kind(elf.R_MIPS_LO16), mask: 0xffff},
	}
}

func buildMIPS(u *unit, t *obj.LSym) []fixup {
	u.op(mips.AMOVW, addrOf(t), 0, reg(mips.REG_R2)) // lui + addiu
	u.prog(obj.ARET)
	return nil
}
