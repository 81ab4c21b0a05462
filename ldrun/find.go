// Package ldrun runs real linkers and reads the images they make.
//
// It is the only part of elfsynth that runs programs. Find locates a linker
// for a target, Script renders the built-in linker scripts, Link writes
// relocatable objects to a private directory, links them and reads the image
// back, and Read turns any ELF image into a Layout: its segments, sections,
// symbols, the holes between them with the cause of each, and the
// permissions every byte gets at run time.
package ldrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/atomicfile"
	"github.com/elfsynth/elfsynth/internal/bounded"
)

// Tool is one installed linker.
type Tool struct {
	// Linker is the linker as asked for ("lld" for the default lld).
	Linker arches.Linker
	// Path is the executable's absolute path.
	Path string
	// Version is the first line of its --version output.
	Version string
}

// Debian packages of the linkers that do not come with binutils.
const moldPackage = "mold"

// DefaultLLD is the lld major version that the plain name "lld" means: the
// one the golden files pin. The environment variable ELFSYNTH_LLD (a major
// version, "22") overrides it.
const DefaultLLD = 19

// EnvDefaultLLD names the variable that overrides DefaultLLD.
const EnvDefaultLLD = "ELFSYNTH_LLD"

// DefaultLLDVersion is the lld major version "lld" means here: DefaultLLD,
// or ELFSYNTH_LLD when that holds a valid version.
func DefaultLLDVersion() int {
	if v, err := strconv.Atoi(os.Getenv(EnvDefaultLLD)); err == nil && v >= arches.MinLLDVersion && v <= arches.MaxLLDVersion {
		return v
	}
	return DefaultLLD
}

// ErrNotInstalled is what errors of a linker that is not installed match
// (errors.Is): a test may skip on it, where any other error is a failure.
var ErrNotInstalled = errors.New("not installed")

// NotInstalledError is a supported linker that is not installed here.
type NotInstalledError struct {
	Linker arches.Linker
	Arch   string
	// Program is the executable looked for; Package the Debian package
	// that provides it.
	Program, Package string
	// Installed lists the other versions of the same kind that are.
	Installed []arches.Linker
}

func (e *NotInstalledError) Error() string {
	msg := fmt.Sprintf("%s for %s not installed: no %s on PATH (apt-get install %s)", e.Linker, e.Arch, e.Program, e.Package)
	if len(e.Installed) > 0 {
		msg += fmt.Sprintf("; installed: %s", linkerList(e.Installed))
	}
	return msg
}

// Is makes the error match ErrNotInstalled.
func (e *NotInstalledError) Is(target error) bool { return target == ErrNotInstalled }

// Find returns the installed linker l for target a. "lld" is the lld of
// DefaultLLDVersion. A missing linker's error matches ErrNotInstalled and
// names the Debian package that provides it. The linker is asked for its
// version, which may take up to DefaultTimeout (Link's own timeout bounds
// it there).
func Find(a *arches.Arch, l arches.Linker) (*Tool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	return find(ctx, a, l)
}

// find is Find with the linker's --version run bounded by ctx.
func find(ctx context.Context, a *arches.Arch, l arches.Linker) (*Tool, error) {
	if !a.Supports(l) {
		if a.Supports(l.Kind()) {
			return nil, fmt.Errorf("%s does not link for %s (lld links for it from version %d)", l, a.Name, a.MinLLD)
		}
		return nil, fmt.Errorf("%s does not link for %s (it links with %s)", l, a.Name, linkerList(a.Linkers))
	}
	prog, pkg := program(a, l)
	path, err := lookPath(prog)
	if err != nil {
		e := &NotInstalledError{Linker: l, Arch: a.Name, Program: prog, Package: pkg}
		if l.Kind() == arches.LinkerLLD {
			e.Installed = installedLLDs()
		}
		return nil, e
	}
	v, err := version(ctx, path)
	if err != nil {
		return nil, err
	}
	return &Tool{Linker: l, Path: path, Version: v}, nil
}

// Available lists the installed linkers that a supports, one per version:
// bfd, gold, every installed lld as lld-NN (oldest first), and mold.
func Available(a *arches.Arch) []arches.Linker {
	var out []arches.Linker
	for _, k := range a.Linkers {
		if k == arches.LinkerLLD {
			for _, l := range installedLLDs() {
				if a.Supports(l) {
					out = append(out, l)
				}
			}
			continue
		}
		if prog, _ := program(a, k); lookable(prog) {
			out = append(out, k)
		}
	}
	return out
}

// Installed finds every linker Available lists for a, with the path and
// version line of each: what `arches` shows.
func Installed(a *arches.Arch) ([]*Tool, error) {
	var out []*Tool
	for _, l := range Available(a) {
		t, err := Find(a, l)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// IsDefaultLLD reports whether l is the lld that plain "lld" means here.
func IsDefaultLLD(l arches.Linker) bool {
	return l.Kind() == arches.LinkerLLD && (l.Version() == 0 || l.Version() == DefaultLLDVersion())
}

// ShortVersion is the release number in a linker's version line: the last
// word that looks like one ("GNU gold (GNU Binutils for Debian 2.40) 1.16"
// is 1.16, "Debian LLD 16.0.6 (compatible with GNU linkers)" is 16.0.6),
// or the whole line when no word does.
func ShortVersion(line string) string {
	short := ""
	for _, w := range strings.Fields(line) {
		w = strings.Trim(w, "(),;")
		if releaseNumber(w) {
			short = w
		}
	}
	if short == "" {
		return line
	}
	return short
}

// releaseNumber reports whether w is digits and dots with at least one dot
// between digits ("2.40", "16.0.6").
func releaseNumber(w string) bool {
	parts := strings.Split(w, ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// program is the executable of l for a and the Debian package it comes in.
func program(a *arches.Arch, l arches.Linker) (prog, pkg string) {
	switch l.Kind() {
	case arches.LinkerGold:
		return a.Tool("ld.gold"), a.Package
	case arches.LinkerLLD:
		v := l.Version()
		if v == 0 {
			v = DefaultLLDVersion()
		}
		return fmt.Sprintf("ld.lld-%d", v), fmt.Sprintf("lld-%d", v)
	case arches.LinkerMold:
		return "mold", moldPackage
	}
	return a.Tool("ld.bfd"), a.Package
}

// installedLLDs lists every ld.lld-NN on PATH as lld-NN, oldest first.
func installedLLDs() []arches.Linker {
	var out []arches.Linker
	for v := arches.MinLLDVersion; v <= arches.MaxLLDVersion; v++ {
		if lookable(fmt.Sprintf("ld.lld-%d", v)) {
			out = append(out, arches.LLDVersion(v))
		}
	}
	return out
}

func lookable(prog string) bool {
	_, err := lookPath(prog)
	return err == nil
}

// lookPath is exec.LookPath remembered per PATH: Available looks for some
// thirty lld versions, and a matrix asks for each linker many times.
func lookPath(prog string) (string, error) {
	key := os.Getenv("PATH") + "\x00" + prog
	if p, ok := paths.Load(key); ok {
		r := p.(lookResult)
		return r.path, r.err
	}
	path, err := exec.LookPath(prog)
	paths.Store(key, lookResult{path, err})
	return path, err
}

type lookResult struct {
	path string
	err  error
}

var paths sync.Map // PATH + NUL + program -> lookResult

var versions sync.Map // path -> string

// version returns the first line of `path --version`, cached per path in
// memory and, for later runs of the command, on disk: asking lld costs
// 15 ms, most of a link. The program runs as a linker does (runProgram),
// until ctx ends; of what it prints only the first VersionBytes are kept.
func version(ctx context.Context, path string) (string, error) {
	if v, ok := versions.Load(path); ok {
		return v.(string), nil
	}
	stamp := fileStamp(path)
	if v, ok := readVersionCache()[stamp]; ok && stamp != "" {
		versions.Store(path, v)
		return v, nil
	}
	out := bounded.NewHeadTail(bounded.VersionBytes, 0)
	cmd := exec.Command(path, "--version")
	cmd.Stdout = out
	if err := runProgram(ctx, cmd); err != nil {
		return "", fmt.Errorf("%s --version: %v", path, err)
	}
	line, _, _ := strings.Cut(out.String(), "\n")
	line = strings.TrimSpace(line)
	versions.Store(path, line)
	if stamp != "" {
		writeVersionCache(stamp, line)
	}
	return line, nil
}

// fileStamp identifies an executable's exact file: its resolved path, size
// and modification time; an upgraded linker gets a new stamp.
func fileStamp(path string) string {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return ""
	}
	info, err := os.Stat(real)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%s %s %d %d", path, real, info.Size(), info.ModTime().UnixNano())
}

// versionCachePath is the on-disk version cache, or "" where there is no
// user cache folder.
func versionCachePath() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "elfsynth", "linker-versions.json")
}

// versionCacheBytes bounds the version cache file: a line of about 200
// bytes per linker file.
const versionCacheBytes = 1 << 20

// readVersionCache returns the cached versions by stamp; a missing,
// damaged or oversized cache, or one that is not a regular file, is an
// empty one.
func readVersionCache() map[string]string {
	m := map[string]string{}
	if p := versionCachePath(); p != "" {
		if b, err := bounded.ReadFile(p, versionCacheBytes); err == nil {
			_ = json.Unmarshal(b, &m)
		}
	}
	return m
}

// writeVersionCache adds one version to the cache. It is best effort: a
// cache that cannot be written only costs time.
func writeVersionCache(stamp, v string) {
	p := versionCachePath()
	if p == "" || os.MkdirAll(filepath.Dir(p), 0o755) != nil {
		return
	}
	m := readVersionCache()
	m[stamp] = v
	if b, err := json.MarshalIndent(m, "", "  "); err == nil {
		_ = atomicfile.Write(p, b, 0o644)
	}
}

func linkerList(ls []arches.Linker) string {
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.String()
	}
	return strings.Join(names, ", ")
}
