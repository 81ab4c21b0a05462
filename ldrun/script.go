package ldrun

import (
	"bytes"
	"embed"
	"fmt"
	"os"
	"strings"
	"text/template"

	"github.com/elfsynth/elfsynth/arches"
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
var ScriptNames = []string{ScriptKernel, ScriptKernelFixed, ScriptKernelSorted, ScriptKernelOwnSection, ScriptNone}

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
	b, err := os.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("script %q is neither %s nor a readable file: %v", name, strings.Join(ScriptNames, ", "), err)
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
		ROAfterInit: "*(.data..ro_after_init)", KernelShape: a.Kernel}
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
