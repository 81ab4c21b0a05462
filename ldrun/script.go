package ldrun

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/bounded"
	"github.com/elfsynth/elfsynth/synth"
)

// Names of the built-in scripts. Any other script name is a file path.
const (
	// ScriptKernel is the generic kernel shape, RO_DATA with the
	// ro_after_init block, RW data and BSS.
	ScriptKernel = "kernel"
	// ScriptKernelFixed is ScriptKernel with *(.rodata..page_aligned)
	// directly after __start_rodata: the founding case's fix.
	ScriptKernelFixed = "kernel-fixed"
	// ScriptKernelSorted is ScriptKernel with
	// SORT_BY_ALIGNMENT(.data..ro_after_init): a candidate fix that orders
	// the ro_after_init input sections by alignment.
	ScriptKernelSorted = "kernel-sorted"
	// ScriptKernelOwnSection is ScriptKernel with .rodata..page_aligned in
	// a page-aligned output section of its own, first in rodata.
	ScriptKernelOwnSection = "kernel-own-section"
	// ScriptNone means no script: the linker's default layout.
	ScriptNone = "none"
)

// ScriptNames lists the built-in scripts.
func ScriptNames() []string {
	return []string{ScriptKernel, ScriptKernelFixed, ScriptKernelSorted, ScriptKernelOwnSection, ScriptNone}
}

// IsBuiltinScript reports whether name is one of the built-in scripts.
func IsBuiltinScript(name string) bool { return slices.Contains(ScriptNames(), name) }

// ScriptOf is the script a scenario asks for: a built-in name as it is, a
// path made relative to the scenario file's folder; ScriptKernel when it
// names none.
func ScriptOf(s *synth.Scenario) string {
	switch {
	case s.Script == "":
		return ScriptKernel
	case IsBuiltinScript(s.Script) || filepath.IsAbs(s.Script) || s.File == "":
		return s.Script
	}
	return filepath.Join(filepath.Dir(s.File), s.Script)
}

// CheckLinkerScript reports whether linker l links under script (a name
// or path as Options.Script takes it): mold takes none, since it lays out
// only by its own defaults.
func CheckLinkerScript(l arches.Linker, script string) error {
	if l.Kind() == arches.LinkerMold && script != ScriptNone {
		return fmt.Errorf("mold takes no linker script; use --script %s with mold", ScriptNone)
	}
	return nil
}

// CheckScript makes sure name is a built-in script or a readable regular
// file of at most bounded.ScriptBytes. An unknown name's error lists the
// built-in scripts, and suggests the closest one. A file that cannot be
// used is an error matching *bounded.InputError.
func CheckScript(name string) error {
	if IsBuiltinScript(name) {
		return nil
	}
	f, _, err := bounded.Open(name, bounded.ScriptBytes)
	switch {
	case err == nil:
		return f.Close()
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("script %w", err)
	}
	hint := ""
	if !strings.ContainsAny(name, "/.") {
		hint = arches.DidYouMean(name, ScriptNames())
	}
	return fmt.Errorf("script %q is neither a built-in script nor a file%s; built-in scripts: %s", name, hint, strings.Join(ScriptNames(), ", "))
}

//go:embed scripts/*.tmpl
var scriptFS embed.FS

var kernelTmpl = template.Must(template.New("kernel.lds.tmpl").
	Funcs(template.FuncMap{"hex": func(v uint64) string { return fmt.Sprintf("%#x", v) }}).
	ParseFS(scriptFS, "scripts/kernel.lds.tmpl"))

// scriptData is what the kernel template sees.
type scriptData struct {
	Name       string
	Arch       string
	PageSize   uint64
	KernelBase uint64
	Fixed      bool
	OwnSection bool
	// ROAfterInit is the input section pattern for ro_after_init data.
	ROAfterInit string
	arches.KernelShape
	// Text and Data are the segment assignments (" :text") or empty.
	Text, Data string
	// Release is the kernel release the shape follows (ScriptReleaseOf).
	Release string
}

// Script returns the text of the linker script name for target a and page
// size pageSize: a built-in kernel script rendered for them, or the
// contents of the file name. ScriptNone has no text and is an error here.
func Script(name string, a *arches.Arch, pageSize uint64) (string, error) {
	switch name {
	case ScriptKernel, ScriptKernelFixed, ScriptKernelSorted, ScriptKernelOwnSection:
		return renderKernel(name, a, pageSize)
	case ScriptNone:
		return "", fmt.Errorf("script %q has no text: the linker uses its default layout", name)
	}
	if err := CheckScript(name); err != nil {
		return "", err
	}
	b, err := bounded.ReadFile(name, bounded.ScriptBytes)
	if err != nil {
		return "", fmt.Errorf("script %w", err)
	}
	return string(b), nil
}

func renderKernel(name string, a *arches.Arch, pageSize uint64) (string, error) {
	if pageSize == 0 {
		pageSize = a.DefaultPageSize()
	}
	if pageSize&(pageSize-1) != 0 {
		return "", fmt.Errorf("page size %d is not a power of two", pageSize)
	}
	d := scriptData{Name: name, Arch: a.Name, PageSize: pageSize, KernelBase: a.KernelBase,
		Fixed: name == ScriptKernelFixed, OwnSection: name == ScriptKernelOwnSection,
		ROAfterInit: "*(.data..ro_after_init)", KernelShape: a.Kernel, Release: ScriptReleaseOf(a)}
	if d.RodataAlign == 0 {
		d.RodataAlign = pageSize
	}
	if name == ScriptKernelSorted {
		d.ROAfterInit = "*(SORT_BY_ALIGNMENT(.data..ro_after_init))"
	}
	if d.PHDRS {
		d.Text, d.Data = " :text", " :data"
	}
	var b bytes.Buffer
	if err := kernelTmpl.Execute(&b, d); err != nil {
		return "", err
	}
	return b.String(), nil
}
