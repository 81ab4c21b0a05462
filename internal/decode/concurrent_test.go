package decode_test

import (
	"sync"
	"testing"

	"github.com/elfsynth/elfsynth/internal/asmcode"
	"github.com/elfsynth/elfsynth/internal/decode"
)

// TestConcurrentDecoding decodes every target's function from many
// goroutines at once, as parallel links do; under -race it shows the
// decoders share no unguarded state.
func TestConcurrentDecoding(t *testing.T) {
	var wg sync.WaitGroup
	for codeArch, cs := range cases {
		fn, err := asmcode.AddressOf(codeArch, "target")
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 4; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pc, sym := cs[0][0], cs[0][1]
				got, _, err := decode.AddressComputed(codeArch, asmcode.BigEndian(codeArch), resolve(t, codeArch, fn, pc, sym), pc)
				if err != nil || got != sym {
					t.Errorf("%s: got %#x, %v; want %#x", codeArch, got, err, sym)
				}
			}()
		}
	}
	wg.Wait()
}
