package layout

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io"

	"golang.org/x/arch/x86/x86asm"
)

// bytesReader reads the bytes of sections through the image's ReaderAt,
// a window at a time: the gaps a section's symbols leave come in address
// order, so one read serves many.
type bytesReader struct {
	r    io.ReaderAt
	buf  []byte
	off  int64 // file offset of buf[0]
	n    int   // valid bytes in buf
	fail bool
}

const windowSize = 1 << 16

func newBytesReader(r io.ReaderAt) *bytesReader {
	return &bytesReader{r: r, buf: make([]byte, windowSize), off: -1}
}

// at returns up to n bytes at file offset off, fewer at the end of the
// window; nil when the file cannot be read there.
func (b *bytesReader) at(off int64, n int) []byte {
	if b.off < 0 || off < b.off || off >= b.off+int64(b.n) {
		got, err := b.r.ReadAt(b.buf, off)
		if got == 0 && err != nil {
			return nil
		}
		b.off, b.n = off, got
	}
	start := int(off - b.off)
	return b.buf[start:min(b.n, start+n)]
}

// filler decides whether bytes are what a linker or assembler pads with:
// zeros, or the target's no-op and trap instructions in code.
type filler struct {
	machine elf.Machine
	order   binary.ByteOrder
	x86mode int
	// words are the 4-byte fill patterns of code, in the image's order.
	words [][]byte
	// halves are the 2-byte ones.
	halves [][]byte
}

func newFiller(m elf.Machine, class elf.Class, order binary.ByteOrder) *filler {
	f := &filler{machine: m, order: order}
	word := func(vs ...uint32) {
		for _, v := range vs {
			b := make([]byte, 4)
			order.PutUint32(b, v)
			f.words = append(f.words, b)
		}
	}
	half := func(vs ...uint16) {
		for _, v := range vs {
			b := make([]byte, 2)
			order.PutUint16(b, v)
			f.halves = append(f.halves, b)
		}
	}
	switch m {
	case elf.EM_X86_64:
		f.x86mode = 64
	case elf.EM_386:
		f.x86mode = 32
	case elf.EM_AARCH64:
		word(0xd503201f, 0xd4200000, 0xd4202000) // nop, brk #0, brk #0x100 (lld's trap)
	case elf.EM_ARM:
		word(0xe1a00000, 0xe320f000, 0xe7ffdefe, 0xd4d4d4d4)
		half(0x46c0, 0xbf00, 0xdefe)
	case elf.EM_RISCV:
		word(0x00000013)
		half(0x0001)
	case elf.EM_PPC, elf.EM_PPC64:
		word(0x60000000, 0x7fe00008)
	case elf.EM_S390:
		word(0x47000000, 0x07070707)
		half(0x0707)
	case elf.EM_MIPS:
		word(0xefefefef)
	case elf.EM_LOONGARCH:
		word(0x03400000)
	case elf.EM_SPARCV9, elf.EM_SPARC:
		word(0x01000000)
	case elf.EM_68K:
		half(0x4e71)
	case elf.EM_SH:
		half(0x0009)
	case elf.EM_ALPHA:
		word(0x47ff041f, 0x2fe00000)
	case elf.EM_PARISC:
		word(0x08000240)
	}
	return f
}

// isFill reports whether b is fill: all zeros anywhere; in code also the
// target's no-ops and traps (x86: int3 and every NOP form GNU as and the
// linkers pad with).
func (f *filler) isFill(b []byte, code bool) bool {
	if allZero(b) {
		return true
	}
	if !code {
		return false
	}
	if f.x86mode != 0 {
		return f.x86Fill(b)
	}
	return f.patternFill(b)
}

func allZero(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b) != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// x86Fill decodes b as NOPs and int3s.
func (f *filler) x86Fill(b []byte) bool {
	for len(b) > 0 {
		if b[0] == 0xcc || b[0] == 0x90 || b[0] == 0 {
			b = b[1:]
			continue
		}
		in, err := x86asm.Decode(b, f.x86mode)
		if err != nil || !isX86Nop(in) {
			return false
		}
		b = b[in.Len:]
	}
	return true
}

// isX86Nop reports whether in does nothing: NOP in any length, or
// the i386 fillers `lea 0(%esi),%esi` and `mov %esi,%esi`.
func isX86Nop(in x86asm.Inst) bool {
	switch in.Op {
	case x86asm.NOP:
		return true
	case x86asm.XCHG, x86asm.MOV:
		return in.Args[0] != nil && in.Args[0] == in.Args[1]
	case x86asm.LEA:
		m, ok := in.Args[1].(x86asm.Mem)
		return ok && m.Disp == 0 && m.Base == in.Args[0] && (m.Index == 0 || m.Scale == 0)
	}
	return false
}

// patternFill checks b against the target's 2- and 4-byte fill patterns;
// it must start on the pattern's boundary, which the callers' addresses
// are.
func (f *filler) patternFill(b []byte) bool {
	for len(b) > 0 {
		switch {
		case len(b) >= 4 && (allZero(b[:4]) || matchAny4(f.words, b[:4])):
			b = b[4:]
		case len(b) >= 2 && (allZero(b[:2]) || matchAny4(f.halves, b[:2])):
			b = b[2:]
		default:
			return allZero(b)
		}
	}
	return true
}

func matchAny4(pats [][]byte, b []byte) bool {
	for _, p := range pats {
		if bytes.Equal(p, b) {
			return true
		}
	}
	return false
}
