package ldrun

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/elfsynth/elfsynth/arches"
)

// Assemble runs the target's GNU as, with the target's flags, on one source
// file and returns the object it makes. It is how elfsynth checks its own
// objects against the assembler's, and how users turn `elfsynth asm` output
// into objects without a shell. Warnings from the assembler are an error.
func Assemble(ctx context.Context, a *arches.Arch, src []byte) ([]byte, error) {
	as := a.Tool("as")
	if a.Package == "" {
		return nil, fmt.Errorf("%s has no GNU assembler in Debian", a.Name)
	}
	path, err := exec.LookPath(as)
	if err != nil {
		return nil, fmt.Errorf("%s not installed (apt-get install %s)", as, a.Package)
	}
	dir, err := makeTempDir(len(src))
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "in.s"), src, 0o644); err != nil {
		return nil, err
	}
	args := append(append([]string{}, a.AsFlags...), "-o", "out.o", "in.s")
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		return nil, fmt.Errorf("%s: %v\n%s", commandLine(path, args), err, stderr.String())
	}
	return os.ReadFile(filepath.Join(dir, "out.o"))
}
