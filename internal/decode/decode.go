// Package decode interprets the short functions elfsynth generates for
// `code: {address_of: SYMBOL}` symbols, after a linker has resolved their
// relocations, to find the address each one returns.
//
// It is not an emulator: each target knows only the handful of instructions
// that package asmcode generates (address loads, shifts, ors and the return).
// Anything else is reported as an error, so a linker that resolved a
// relocation into a different instruction is caught rather than guessed at.
// The decoders of golang.org/x/arch name each instruction for the listing;
// values come from the instruction bits, read here.
package decode

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Inst is one decoded instruction, or a data word after the return.
type Inst struct {
	// Off is the instruction's offset in the function.
	Off uint64
	// Len is its size in bytes.
	Len int
	// Text is its disassembly in GNU syntax, or ".word 0x..." for data.
	Text string
}

// String returns the disassembly text.
func (i Inst) String() string { return i.Text }

// Arches lists the codeArch names AddressComputed understands.
func Arches() []string {
	return []string{"amd64", "386", "arm", "arm64", "riscv64", "ppc64le", "ppc64", "s390x", "mips64le", "mips64", "mips"}
}

// AddressComputed decodes fn (the linked function's bytes, loaded at pc) and
// returns the address it leaves in the first return register, and a
// disassembly listing, one line per instruction: "0xADDR: BYTES  TEXT".
func AddressComputed(codeArch string, bigEndian bool, code []byte, pc uint64) (addr uint64, listing []string, err error) {
	addr, insts, err := runLocked(codeArch, bigEndian, code, pc)
	for _, in := range insts {
		listing = append(listing, fmt.Sprintf("%#x: % x  %s", pc+in.Off, code[in.Off:in.Off+uint64(in.Len)], in.Text))
	}
	return addr, listing, err
}

// Disassemble decodes code as AddressComputed does and returns each
// instruction, then each word after the return as data.
func Disassemble(codeArch string, bigEndian bool, code []byte, pc uint64) ([]Inst, error) {
	_, insts, err := runLocked(codeArch, bigEndian, code, pc)
	return insts, err
}

// decodeMu serialises decoding: x/arch's armasm and riscv64asm decoders
// write a package-level coverage table on every call, which races when
// links are checked in parallel. Functions are a few instructions long.
var decodeMu sync.Mutex

func runLocked(codeArch string, bigEndian bool, code []byte, pc uint64) (uint64, []Inst, error) {
	decodeMu.Lock()
	defer decodeMu.Unlock()
	return run(codeArch, bigEndian, code, pc)
}

// step decodes and interprets the instruction at m.off. It returns the
// instruction's size and text, and whether it returns from the function.
type step func(m *machine) (size int, text string, ret bool, err error)

// target is how one codeArch is decoded.
type target struct {
	step step
	// result is the first return register.
	result int
	// delaySlot is true where the instruction after a return still runs.
	delaySlot bool
	// unit is the size of the data words listed after the return.
	unit int
	// bits is 32 or 64: register width.
	bits int
}

func lookup(codeArch string) (*target, error) {
	switch codeArch {
	case "amd64":
		return &target{step: x86Step(64), result: x86RAX, unit: 1, bits: 64}, nil
	case "386":
		return &target{step: x86Step(32), result: x86RAX, unit: 1, bits: 32}, nil
	case "arm":
		return &target{step: armStep, result: 0, unit: 4, bits: 32}, nil
	case "arm64":
		return &target{step: arm64Step, result: 0, unit: 4, bits: 64}, nil
	case "riscv64":
		return &target{step: riscvStep, result: 10, unit: 4, bits: 64}, nil
	case "ppc64", "ppc64le":
		return &target{step: ppcStep, result: 3, unit: 4, bits: 64}, nil
	case "s390x":
		return &target{step: s390xStep, result: 2, unit: 2, bits: 64}, nil
	case "mips64", "mips64le":
		return &target{step: mipsStep(64), result: 2, delaySlot: true, unit: 4, bits: 64}, nil
	case "mips":
		return &target{step: mipsStep(32), result: 2, delaySlot: true, unit: 4, bits: 32}, nil
	}
	return nil, fmt.Errorf("decode: unknown code arch %q; known: %s", codeArch, strings.Join(Arches(), " "))
}

// machine is the state of one decoding: the code, where it is loaded, and
// the registers written so far.
type machine struct {
	code  []byte
	pc    uint64
	off   uint64
	order binary.ByteOrder
	big   bool
	bits  int
	regs  map[int]uint64
	// literals are offsets of data words the code loaded.
	literals map[uint64]int
}

// set writes register r, truncating to the register width.
func (m *machine) set(r int, v uint64) {
	if m.bits == 32 {
		v = uint64(uint32(v))
	}
	m.regs[r] = v
}

// get reads register r; reading one never written is an error because the
// generated code never does.
func (m *machine) get(r int) (uint64, error) {
	v, ok := m.regs[r]
	if !ok {
		return 0, fmt.Errorf("register %d read before it was written", r)
	}
	return v, nil
}

// word reads a 4-byte instruction at the current offset.
func (m *machine) word() (uint32, error) {
	return m.word32(m.off)
}

func (m *machine) word32(off uint64) (uint32, error) {
	if off > uint64(len(m.code)) || uint64(len(m.code))-off < 4 {
		return 0, fmt.Errorf("4 bytes at %#x run past the end of the function (%d bytes)", m.pc+off, len(m.code))
	}
	return m.order.Uint32(m.code[off:]), nil
}

// errNoReturn says the code ran out before a return instruction.
var errNoReturn = errors.New("decode: the function ends without a return")

func run(codeArch string, bigEndian bool, code []byte, pc uint64) (addr uint64, insts []Inst, err error) {
	t, err := lookup(codeArch)
	if err != nil {
		return 0, nil, err
	}
	m := &machine{code: code, pc: pc, order: binary.LittleEndian, bits: t.bits,
		regs: map[int]uint64{}, literals: map[uint64]int{}}
	if bigEndian {
		m.order, m.big = binary.BigEndian, true
	}
	defer func() {
		// The x/arch decoders are meant to be safe on any input; this is
		// a second line of defence so that bad bytes never crash a caller.
		if r := recover(); r != nil {
			err = fmt.Errorf("decode: %s at %#x: decoder panicked: %v", codeArch, pc+m.off, r)
		}
	}()
	insts, err = m.execute(t)
	if err != nil {
		return 0, insts, fmt.Errorf("decode: %s at %#x: %w", codeArch, pc+m.off, err)
	}
	insts = append(insts, m.data(t)...)
	addr, err = m.get(t.result)
	if err != nil {
		return 0, insts, fmt.Errorf("decode: %s: the result %w", codeArch, err)
	}
	return addr, insts, nil
}

// execute steps through the code until the return (and its delay slot).
func (m *machine) execute(t *target) ([]Inst, error) {
	var insts []Inst
	slot := false
	for {
		if m.off >= uint64(len(m.code)) {
			if slot {
				return insts, errors.New("the delay slot of the return is missing")
			}
			return insts, errNoReturn
		}
		if _, lit := m.literals[m.off]; lit {
			return insts, errors.New("execution reaches a literal word")
		}
		size, text, ret, err := t.step(m)
		if err != nil {
			return insts, err
		}
		if ret && slot {
			return insts, errors.New("a return in the delay slot of a return")
		}
		insts = append(insts, Inst{Off: m.off, Len: size, Text: strings.TrimSpace(text)})
		m.off += uint64(size)
		if slot || (ret && !t.delaySlot) {
			return insts, nil
		}
		slot = ret
	}
}

// data lists what follows the return as data words.
func (m *machine) data(t *target) []Inst {
	var out []Inst
	for m.off < uint64(len(m.code)) {
		n := t.unit
		if rest := uint64(len(m.code)) - m.off; rest < uint64(n) {
			n = int(rest)
		}
		var v uint64
		for i := 0; i < n; i++ {
			b := uint64(m.code[m.off+uint64(i)])
			if m.order == binary.BigEndian {
				v = v<<8 | b
			} else {
				v |= b << (8 * i)
			}
		}
		dir := map[int]string{1: ".byte", 2: ".short", 4: ".word"}[n]
		if dir == "" {
			dir = ".byte"
		}
		out = append(out, Inst{Off: m.off, Len: n, Text: fmt.Sprintf("%s %#x", dir, v)})
		m.off += uint64(n)
	}
	return out
}

// sext sign-extends the low n bits of v.
func sext(v uint64, n uint) uint64 {
	s := 64 - n
	return uint64(int64(v<<s) >> s)
}
