// Package benchreport holds what elfsynth's benchmarks and its benchmark
// report (internal/benchreport/report, run by `make bench`) share: a
// scenario of any number of kernel-shaped units, the bare linker command
// Link ran, ready to run again outside elfsynth, and a child process's
// peak memory.
//
// The comparisons it serves are issue 7's: synthesis against GNU as on the
// same units, `elfsynth link` against the bare linker on the same objects,
// and the zero-page matrix against the number of links times the bare link
// time divided by the cores.
package benchreport

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/ldrun"
	"github.com/elfsynth/elfsynth/ldrun/layout"
	"github.com/elfsynth/elfsynth/synth"
)

// Units returns a scenario of n compilation units shaped like a kernel's:
// each has .rodata, .data, .data..ro_after_init with a pointer into the
// previous unit, and .bss; the first also holds the founding case's
// page-aligned empty_zero_page.
func Units(n int) *synth.Scenario {
	s := &synth.Scenario{Name: fmt.Sprintf("units-%d", n)}
	for i := range n {
		s.Units = append(s.Units, unit(i))
	}
	return s
}

func unit(i int) synth.Unit {
	sym := func(name string, size, align uint64) synth.Symbol {
		return synth.Symbol{Name: fmt.Sprintf("%s_%d", name, i), Size: synth.Bytes(size), Align: synth.Bytes(align)}
	}
	// Point into the previous unit so that every unit has a relocation
	// the linker must resolve across objects; unit 0 points at itself.
	target := fmt.Sprintf("table_%d", max(i-1, 0))
	roai := []synth.Symbol{
		sym("ro_after_init", 8, 8),
		{Name: fmt.Sprintf("ptr_%d", i), PointsTo: &synth.Ref{Symbol: target, Offset: 8}},
	}
	if i == 0 {
		roai = append(roai, synth.Symbol{Name: "empty_zero_page", Size: synth.Pages(1), Align: synth.Pages(1)})
	}
	return synth.Unit{Name: fmt.Sprintf("u%03d.o", i), Sections: []synth.Section{
		{Name: ".rodata", Symbols: []synth.Symbol{sym("str", 37, 1), sym("table", 64, 8)}},
		{Name: ".data", Symbols: []synth.Symbol{sym("counter", 4, 4), sym("state", 24, 8)}},
		{Name: ".data..ro_after_init", Symbols: roai},
		{Name: ".bss", Symbols: []synth.Symbol{sym("buf", 256, 32)}},
	}}
}

// Bare is the exact linker command a Link ran, set up to run again in a
// directory holding the same inputs and script, with nothing around it.
type Bare struct {
	Dir  string
	Path string
	Args []string
	// CPU is the user plus system time of the last Run.
	CPU time.Duration
}

// NewBare writes inputs and, unless opt says ScriptNone, opt's script into
// dir, and takes the command line from lay (a layout Link made with opt
// and inputs).
func NewBare(dir string, lay *layout.Layout, opt ldrun.Options, inputs *synth.Inputs) (*Bare, error) {
	words, err := SplitCommand(lay.Linker.Command)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, errors.New("layout has no linker command")
	}
	for _, in := range inputs.Objects {
		if err := os.WriteFile(filepath.Join(dir, in.Name), in.Data, 0o644); err != nil {
			return nil, err
		}
	}
	if opt.Script != ldrun.ScriptNone {
		name := opt.Script
		if name == "" {
			name = ldrun.ScriptKernel
		}
		text, err := ldrun.Script(name, opt.Arch, opt.PageSize)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "link.lds"), []byte(text), 0o644); err != nil {
			return nil, err
		}
	}
	return &Bare{Dir: dir, Path: words[0], Args: words[1:]}, nil
}

// Run runs the command once, its output discarded, and reports how it ended.
func (b *Bare) Run() error {
	cmd := exec.Command(b.Path, b.Args...)
	cmd.Dir = b.Dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", b.Path, err, out)
	}
	b.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return nil
}

// SplitCommand undoes ldrun's quoting of a command line the way a shell
// would: blanks split words, single quotes quote, and a backslash outside
// them escapes the next character.
func SplitCommand(line string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quoted && c == '\'':
			quoted = false
		case quoted:
			w.WriteByte(c)
		case c == '\'':
			quoted, inWord = true, true
		case c == '\\' && i+1 < len(line):
			i++
			w.WriteByte(line[i])
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("unterminated quote in %q", line)
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// MaxRSS is the peak resident memory, in bytes, of a process that has
// ended, or 0 where the system does not say.
func MaxRSS(ps *os.ProcessState) uint64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru.Maxrss < 0 {
		return 0
	}
	// Linux reports ru_maxrss in KiB.
	return uint64(ru.Maxrss) * 1024
}

// MatrixJobs are the links `elfsynth repro zero-page` makes: every
// target, installed linker that takes scripts, page size and variant.
func MatrixJobs() ([]ldrun.Job, error) {
	return ldrun.MatrixJobs(ldrun.ReproOptions{Arches: arches.All()})
}
