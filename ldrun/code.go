package ldrun

import (
	"bytes"
	"debug/elf"
	"fmt"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/decode"
)

// Function names a generated function in the inputs and the symbol whose
// address it returns, so that Link can check the linker patched it.
type Function struct {
	Symbol    string
	AddressOf string
}

// CodeCheck is one function decoded after linking.
type CodeCheck struct {
	Symbol    string `json:"symbol"`
	AddressOf string `json:"address_of"`
	// Computed is the address the linked instructions produce; Expected
	// is the image's address of AddressOf.
	Computed Addr     `json:"computed"`
	Expected Addr     `json:"expected"`
	Verified bool     `json:"verified"`
	Listing  []string `json:"listing"`
	// Error says why the function could not be decoded.
	Error string `json:"error,omitempty"`
}

// checkCode decodes each function in the image and records the address it
// computes against the address of the symbol it should return.
func (l *Layout) checkCode(image []byte, a *arches.Arch, fns []Function) {
	l.Code = []CodeCheck{}
	if len(fns) == 0 {
		return
	}
	f, err := elf.NewFile(bytes.NewReader(image))
	if err != nil {
		return
	}
	defer f.Close()
	for _, fn := range fns {
		l.Code = append(l.Code, l.checkFunction(f, a, fn))
	}
}

func (l *Layout) checkFunction(f *elf.File, a *arches.Arch, fn Function) CodeCheck {
	c := CodeCheck{Symbol: fn.Symbol, AddressOf: fn.AddressOf, Listing: []string{}}
	sym, ok1 := l.symbol(fn.Symbol)
	target, ok2 := l.symbol(fn.AddressOf)
	if !ok1 || !ok2 {
		c.Error = fmt.Sprintf("symbol %s or %s is not in the image", fn.Symbol, fn.AddressOf)
		return c
	}
	c.Expected = target.Addr
	code, err := readAt(f, uint64(sym.Addr), sym.Size)
	if err != nil {
		c.Error = err.Error()
		return c
	}
	computed, listing, err := decode.AddressComputed(a.CodeArch, a.Endian == arches.Big, code, uint64(sym.Addr))
	if err != nil {
		c.Error = err.Error()
		return c
	}
	mask := ^uint64(0)
	if a.PointerSize() == 4 {
		mask = 0xffffffff
	}
	c.Computed, c.Listing = Addr(computed&mask), listing
	c.Verified = computed&mask == uint64(target.Addr)&mask
	return c
}

func (l *Layout) symbol(name string) (Symbol, bool) {
	for _, s := range l.Symbols {
		if s.Name == name {
			return s, true
		}
	}
	return Symbol{}, false
}

// readAt reads size bytes at a virtual address from the image's segments.
func readAt(f *elf.File, addr, size uint64) ([]byte, error) {
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || addr < p.Vaddr || addr+size > p.Vaddr+p.Filesz {
			continue
		}
		b := make([]byte, size)
		if _, err := p.ReadAt(b, int64(addr-p.Vaddr)); err != nil {
			return nil, err
		}
		return b, nil
	}
	return nil, fmt.Errorf("%#x+%d is not in the image's file contents", addr, size)
}
