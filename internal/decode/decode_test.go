package decode_test

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/elfsynth/elfsynth/internal/asmcode"
	"github.com/elfsynth/elfsynth/internal/decode"
)

// resolve applies fn's relocations by hand, as a linker would with the
// function at pc and the target symbol at sym. It is a second, independent
// statement of what each ELF relocation does.
func resolve(t *testing.T, codeArch string, fn *asmcode.Func, pc, sym uint64) []byte {
	t.Helper()
	code := append([]byte(nil), fn.Code...)
	var o binary.ByteOrder = binary.LittleEndian
	if asmcode.BigEndian(codeArch) {
		o = binary.BigEndian
	}
	for _, r := range fn.Relocs {
		v := sym + uint64(r.Addend)
		p := pc + r.Offset
		at := code[r.Offset:]
		or32 := func(x uint32) { o.PutUint32(at, o.Uint32(at)|x) }
		switch r.Name {
		case "R_X86_64_PC32":
			o.PutUint32(at, uint32(v-p))
		case "R_386_32", "R_ARM_ABS32":
			o.PutUint32(at, uint32(v))
		case "R_AARCH64_ADR_PREL_PG_HI21":
			pages := (v&^0xfff - p&^0xfff) >> 12
			or32(uint32(pages&3)<<29 | uint32(pages>>2&0x7ffff)<<5)
		case "R_AARCH64_ADD_ABS_LO12_NC":
			or32(uint32(v&0xfff) << 10)
		case "R_RISCV_HI20":
			or32(uint32((v + 0x800) &^ 0xfff))
		case "R_RISCV_LO12_I":
			or32(uint32(v&0xfff) << 20)
		case "R_PPC64_ADDR16_HIGHEST", "R_PPC64_ADDR16_HIGHER", "R_PPC64_ADDR16_HIGH", "R_PPC64_ADDR16_LO":
			shift := map[string]uint{"R_PPC64_ADDR16_HIGHEST": 48, "R_PPC64_ADDR16_HIGHER": 32, "R_PPC64_ADDR16_HIGH": 16}[r.Name]
			o.PutUint16(at, uint16(v>>shift))
		case "R_390_PC32DBL":
			o.PutUint32(at, uint32((v-p)>>1))
		case "R_MIPS_HIGHEST":
			or32(uint32((v + 0x800080008000) >> 48 & 0xffff))
		case "R_MIPS_HIGHER":
			or32(uint32((v + 0x80008000) >> 32 & 0xffff))
		case "R_MIPS_HI16":
			or32(uint32((v + 0x8000) >> 16 & 0xffff))
		case "R_MIPS_LO16":
			or32(uint32(v & 0xffff))
		default:
			t.Fatalf("no hand resolution for %s", r.Name)
		}
	}
	return code
}

// cases are function and target addresses per arch, chosen within each
// sequence's reach and with carries between the 16-bit pieces.
var cases = map[string][][2]uint64{
	"amd64":    {{0xffffffff81000000, 0xffffffff81234568}, {0x401000, 0x400ff0}},
	"386":      {{0xc1000000, 0xc1ffff08}, {0x1000, 0xfffffffc}},
	"arm":      {{0xc0008000, 0xc0ffff08}, {0x8000, 0x4}},
	"arm64":    {{0xffff800080000000, 0xffff8000fedcb9a8}, {0xffff800080001234, 0xffff800000000ff8}},
	"riscv64":  {{0xffffffff80000000, 0xffffffff8123f800}, {0xffffffff80000000, 0xffffffff80000ffc}, {0x1000, 0x7ffff7f0}},
	"ppc64le":  {{0xc000000000000000, 0xc00000000123fff8}, {0x10000000, 0xffffffffffff8000}},
	"ppc64":    {{0xc000000000000000, 0xc000000087654320}, {0x10000000, 0x123456789abcdef0}},
	"s390x":    {{0x100000, 0x123456}, {0x80000000, 0x10}},
	"mips64le": {{0xffffffff80100000, 0xffffffff8011fff8}, {0x120000000, 0x9800000087658000}, {0, 0x7fff7fff7fff8000}},
	"mips":     {{0x80100000, 0x8011fff8}, {0x80100000, 0x80108000}},
}

func TestAddressComputedHandResolved(t *testing.T) {
	for _, ca := range asmcode.Arches() {
		fn, err := asmcode.AddressOf(ca, "target")
		if err != nil {
			t.Fatal(err)
		}
		if len(cases[ca]) == 0 {
			t.Errorf("%s: no cases", ca)
		}
		for _, c := range cases[ca] {
			pc, sym := c[0], c[1]
			code := resolve(t, ca, fn, pc, sym)
			got, listing, err := decode.AddressComputed(ca, asmcode.BigEndian(ca), code, pc)
			if err != nil || got != sym {
				t.Errorf("%s at %#x: got %#x, %v; want %#x\n%s", ca, pc, got, err, sym, strings.Join(listing, "\n"))
			}
		}
	}
}

func TestDisassembleCoversCode(t *testing.T) {
	for _, ca := range asmcode.Arches() {
		fn, err := asmcode.AddressOf(ca, "target")
		if err != nil {
			t.Fatal(err)
		}
		insts, err := decode.Disassemble(ca, asmcode.BigEndian(ca), fn.Code, 0)
		if err != nil {
			t.Fatalf("%s: %v", ca, err)
		}
		off := uint64(0)
		for _, in := range insts {
			if in.Off != off || in.Len <= 0 || in.Text == "" {
				t.Errorf("%s: instruction %+v after offset %d", ca, in, off)
			}
			off += uint64(in.Len)
		}
		if off != uint64(len(fn.Code)) {
			t.Errorf("%s: listing covers %d of %d bytes", ca, off, len(fn.Code))
		}
	}
}

func TestAddressComputedErrors(t *testing.T) {
	tests := []struct {
		arch string
		big  bool
		code []byte
		want string
	}{
		{"vax", false, []byte{0}, "unknown code arch"},
		{"amd64", false, nil, "without a return"},
		{"amd64", false, []byte{0x48, 0x8d, 0x05}, "unsupported"},
		{"amd64", false, []byte{0x90, 0xc3}, "unsupported instruction"},
		{"amd64", false, []byte{0xc3}, "read before"},
		{"arm64", false, []byte{0x00, 0x00, 0x00}, "past the end"},
		{"arm64", true, []byte{0xc0, 0x03, 0x5f, 0xd6}, "big-endian"},
		{"arm", false, []byte{0xfc, 0x0f, 0x9f, 0xe5, 0x1e, 0xff, 0x2f, 0xe1}, "literal"},
		{"riscv64", false, []byte{0x13, 0x05, 0x05, 0x00, 0x67, 0x80, 0x00, 0x00}, "read before"},
		{"ppc64", true, []byte{0x4e, 0x80, 0x00, 0x21}, "unsupported"},
		{"s390x", true, []byte{0xc0, 0x20, 0, 0, 0}, ""},
		{"mips", true, []byte{0x03, 0xe0, 0x00, 0x08}, "delay slot"},
		{"mips", true, []byte{0x03, 0xe0, 0x00, 0x08, 0x03, 0xe0, 0x00, 0x08}, "delay slot"},
		{"mips", true, []byte{0x00, 0x00, 0x00, 0x0c}, "unsupported"},
	}
	for _, tt := range tests {
		_, _, err := decode.AddressComputed(tt.arch, tt.big, tt.code, 0x1000)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s % x: err = %v, want one containing %q", tt.arch, tt.code, err, tt.want)
		}
	}
}

// FuzzAddressComputed checks that no input makes the decoder panic.
func FuzzAddressComputed(f *testing.F) {
	arches := decode.Arches()
	for i, ca := range arches {
		if fn, err := asmcode.AddressOf(ca, "target"); err == nil {
			f.Add(uint8(i), asmcode.BigEndian(ca), fn.Code, uint64(0xffffffff80000000))
		}
	}
	f.Fuzz(func(t *testing.T, arch uint8, big bool, code []byte, pc uint64) {
		ca := arches[int(arch)%len(arches)]
		addr, listing, err := decode.AddressComputed(ca, big, code, pc)
		if err != nil && addr != 0 {
			t.Errorf("error %v with address %#x", err, addr)
		}
		for _, l := range listing {
			if l == "" {
				t.Error("empty listing line")
			}
		}
	})
}
