package ldrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/bounded"
)

// Assemble runs the target's GNU as, with the target's flags, on one source
// file and returns the object it makes. It is how elfsynth checks its own
// objects against the assembler's, and how users turn `elfsynth asm` output
// into objects without a shell. Warnings from the assembler are an error.
// The assembler runs as a linker does (see Link): in a process group of
// its own, killed whole when ctx ends or after DefaultTimeout, in a
// private folder that is always removed.
func Assemble(ctx context.Context, a *arches.Arch, src []byte) ([]byte, error) {
	as := a.Tool("as")
	if a.Package == "" {
		return nil, fmt.Errorf("%s has no GNU assembler in Debian", a.Name)
	}
	path, err := exec.LookPath(as)
	if err != nil {
		return nil, fmt.Errorf("%s not installed (apt-get install %s)", as, a.Package)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	dir, err := privateDir([]file{{"in.s", src}})
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	args := append(append([]string{}, a.AsFlags...), "-o", "out.o", "in.s")
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	out := bounded.Output()
	cmd.Stdout, cmd.Stderr = out, out
	if err := runProgram(ctx, cmd); err != nil || out.Len() > 0 {
		return nil, fmt.Errorf("%s: %v\n%s", commandLine(path, args), err, out)
	}
	obj, err := bounded.ReadFile(filepath.Join(dir, "out.o"), bounded.ObjectBytes)
	var ie *bounded.InputError
	if errors.As(err, &ie) {
		return nil, fmt.Errorf("%s: its object: %s", commandLine(path, args), ie.Msg)
	}
	return obj, err
}
