package ldrun

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/elfsynth/elfsynth/arches"
)

// The founding case under a user's own script (ReproOptions.Script): the
// variants that need a changed script get it by splicing one line into
// the user's text, as a kernel patch would change vmlinux.lds.h, or, for
// the fix, from a second file (ReproOptions.FixedScript) when the user
// has one.

// FixLine is the line the founding case's fix adds to RO_DATA, right after
// `__start_rodata = .;`.
const FixLine = "*(.rodata..page_aligned)"

var (
	startRodataRE = regexp.MustCompile(`__start_rodata\s*=\s*\.\s*;`)
	roAfterInitRE = regexp.MustCompile(`\*\(\s*\.data\.\.ro_after_init\s*\)`)
	pageAlignedRE = regexp.MustCompile(`\.rodata\.\.page_aligned`)
)

// SpliceFix returns script text with FixLine right after its one
// `__start_rodata = .;`: a real kernel script with the founding case's
// fix. A script that already places .rodata..page_aligned, or that has no
// or several `__start_rodata = .;`, is an error saying so.
func SpliceFix(text string) (string, error) {
	if pageAlignedRE.MatchString(text) {
		return "", errors.New("it already names .rodata..page_aligned: it looks fixed already; give the unfixed script, and the fixed one as the fixed script")
	}
	at := startRodataRE.FindAllStringIndex(text, -1)
	if len(at) != 1 {
		return "", fmt.Errorf("it has %d `__start_rodata = .;` statements, not one, to put %s after; give the fixed script as a second file", len(at), FixLine)
	}
	end := at[0][1]
	return text[:end] + " " + FixLine + text[end:], nil
}

// SpliceSort returns script text with its one *(.data..ro_after_init)
// sorted by alignment: the sort-by-alignment variant.
func SpliceSort(text string) (string, error) {
	at := roAfterInitRE.FindAllStringIndex(text, -1)
	if len(at) != 1 {
		return "", fmt.Errorf("it has %d *(.data..ro_after_init) patterns, not one", len(at))
	}
	return text[:at[0][0]] + "*(SORT_BY_ALIGNMENT(.data..ro_after_init))" + text[at[0][1]:], nil
}

// userVariant is a variant under the user's script, with the script as
// the user knows it.
type userVariant struct {
	Variant
	shown string
}

// userVariants are the founding case's variants under opt.Script: before
// and no-script-line under it as it is, after under opt.FixedScript or
// else opt.Script with FixLine spliced in, sort-by-alignment with the sort
// spliced in when the script has one *(.data..ro_after_init). own-section
// would need a new output section, which no one line makes, and is left
// out. Spliced scripts are written into a private folder that cleanup
// removes.
func userVariants(opt ReproOptions) (vs []userVariant, cleanup func(), err error) {
	base := opt.Script
	text, err := Script(base, nil, 0)
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "elfsynth-repro-")
	if err != nil {
		return nil, nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	shown := filepath.Base(base)
	write := func(name, text string) (string, error) {
		p := filepath.Join(dir, name)
		return p, os.WriteFile(p, []byte(text), 0o644)
	}
	for _, v := range ZeroPageVariants() {
		u := userVariant{Variant: v, shown: shown}
		switch v.Name {
		case "before", "no-script-line":
			u.Script = base
		case "after":
			u.Script, u.shown, err = fixedScript(opt, text, write)
		case "sort-by-alignment":
			sorted, serr := SpliceSort(text)
			if serr != nil {
				continue // nothing to sort: the variant does not apply
			}
			u.Script, err = write("sorted.lds", sorted)
			u.shown = shown + " with SORT_BY_ALIGNMENT(.data..ro_after_init)"
		default:
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		u.Description = strings.Replace(u.Description, "in the script", "in "+shown, 1)
		vs = append(vs, u)
	}
	return vs, cleanup, nil
}

// fixedScript is the script of the "after" variant: the user's fixed
// script, or theirs with FixLine spliced in.
func fixedScript(opt ReproOptions, text string, write func(string, string) (string, error)) (string, string, error) {
	if opt.FixedScript != "" {
		if _, err := Script(opt.FixedScript, nil, 0); err != nil {
			return "", "", err
		}
		return opt.FixedScript, filepath.Base(opt.FixedScript), nil
	}
	fixed, err := SpliceFix(text)
	if err != nil {
		return "", "", fmt.Errorf("script %s: %v", opt.Script, err)
	}
	p, err := write("fixed.lds", fixed)
	return p, filepath.Base(opt.Script) + " with " + FixLine + " after __start_rodata = .;", err
}

// checkUserScript checks that a user's script goes with one target, and
// narrows the page sizes to that target's default when none was asked
// for: a preprocessed script is made for one page size.
func checkUserScript(opt *ReproOptions) error {
	if opt.Script == "" {
		if opt.FixedScript != "" {
			return errors.New("a fixed script goes with the script it fixes; give both")
		}
		return nil
	}
	if IsBuiltinScript(opt.Script) || opt.FixedScript != "" && IsBuiltinScript(opt.FixedScript) {
		return errors.New("the founding case runs the built-in scripts already; give your kernel's script as a file")
	}
	if len(opt.Arches) != 1 {
		return fmt.Errorf("script %s is one target's; choose that target (%d selected)", opt.Script, len(opt.Arches))
	}
	if len(opt.PageSizes) == 0 {
		opt.PageSizes = []uint64{opt.Arches[0].DefaultPageSize()}
	}
	return nil
}

// kernelLinkers are, of a's installed linkers that take scripts, those
// that link Linux: GNU ld and lld. Linux refuses gold
// (scripts/ld-version.sh: "gold linker is not supported as it is not
// capable of linking the kernel proper").
func kernelLinkers(a *arches.Arch, want []arches.Linker) []arches.Linker {
	ls := availableScriptLinkers(a, want)
	if len(want) > 0 {
		return ls
	}
	return slices.DeleteFunc(ls, func(l arches.Linker) bool { return l.Kind() == arches.LinkerGold })
}

// builtinVariants are ZeroPageVariants under their built-in scripts.
func builtinVariants() []userVariant {
	var out []userVariant
	for _, v := range ZeroPageVariants() {
		out = append(out, userVariant{Variant: v, shown: v.Script})
	}
	return out
}

// reproVariants are the variants ZeroPage runs for opt: the built-in
// ones, or those under the user's script, which it checks first.
func reproVariants(opt *ReproOptions) ([]userVariant, func(), error) {
	if err := checkUserScript(opt); err != nil {
		return nil, nil, err
	}
	if opt.Script == "" {
		return builtinVariants(), func() {}, nil
	}
	return userVariants(*opt)
}
