package layout

import (
	"debug/elf"
	"fmt"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/decode"
	"github.com/elfsynth/elfsynth/synth"
)

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
func (l *Layout) checkCode(f *elf.File, a *arches.Arch, fns []synth.Function) {
	l.Code = []CodeCheck{}
	for _, fn := range fns {
		l.Code = append(l.Code, l.checkFunction(f, a, fn))
	}
}

func (l *Layout) checkFunction(f *elf.File, a *arches.Arch, fn synth.Function) CodeCheck {
	c := CodeCheck{Symbol: fn.Symbol, AddressOf: fn.AddressOf, Listing: []string{}}
	sym, ok1 := l.Symbol(fn.Symbol)
	target, ok2 := l.Symbol(fn.AddressOf)
	if !ok1 || !ok2 {
		c.Error = fmt.Sprintf("symbol %s or %s is not in the image", fn.Symbol, fn.AddressOf)
		return c
	}
	c.Expected = target.Addr
	code, err := l.read(uint64(sym.Addr), sym.Size)
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
