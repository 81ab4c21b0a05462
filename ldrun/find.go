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
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/elfsynth/elfsynth/arches"
	"github.com/elfsynth/elfsynth/internal/atomicfile"
)

// Tool is one installed linker.
type Tool struct {
	Linker arches.Linker
	// Path is the executable's absolute path.
	Path string
	// Version is the first line of its --version output.
	Version string
}

// lldPackage and moldPackage are the Debian packages with lld and mold.
const (
	lldPackage  = "lld-19"
	moldPackage = "mold"
)

// Find returns the installed linker l for target a. A missing linker's error
// names the Debian package that provides it.
func Find(a *arches.Arch, l arches.Linker) (*Tool, error) {
	if !a.Supports(l) {
		return nil, fmt.Errorf("%s does not link for %s (it links with %s)", l, a.Name, linkerList(a.Linkers))
	}
	path, pkg, err := lookLinker(a, l)
	if err != nil {
		return nil, fmt.Errorf("%s for %s not installed (apt-get install %s): %v", l, a.Name, pkg, err)
	}
	v, err := version(path)
	if err != nil {
		return nil, err
	}
	return &Tool{Linker: l, Path: path, Version: v}, nil
}

// Available lists the linkers that a supports and that are installed, in
// a.Linkers order.
func Available(a *arches.Arch) []arches.Linker {
	var out []arches.Linker
	for _, l := range a.Linkers {
		if _, _, err := lookLinker(a, l); err == nil {
			out = append(out, l)
		}
	}
	return out
}

// lookLinker finds l's executable for a, and names the package it comes from.
func lookLinker(a *arches.Arch, l arches.Linker) (path, pkg string, err error) {
	switch l {
	case arches.BFD:
		path, err = exec.LookPath(a.Tool("ld.bfd"))
		return path, a.Package, err
	case arches.Gold:
		path, err = exec.LookPath(a.Tool("ld.gold"))
		return path, a.Package, err
	case arches.LLD:
		path, err = findLLD()
		return path, lldPackage, err
	case arches.Mold:
		path, err = exec.LookPath("mold")
		return path, moldPackage, err
	}
	return "", "", fmt.Errorf("unknown linker %v", l)
}

// lldMaxVersion is the newest ld.lld-NN findLLD looks for; lld releases one
// major version about every six months.
const lldMaxVersion = 40

// findLLD prefers the newest versioned ld.lld-NN and falls back to ld.lld.
func findLLD() (string, error) {
	// The search is thirty PATH look-ups; remember its answer per PATH.
	key := os.Getenv("PATH")
	if p, ok := lldPaths.Load(key); ok {
		return p.(string), nil
	}
	for v := lldMaxVersion; v >= 10; v-- {
		if p, err := exec.LookPath("ld.lld-" + strconv.Itoa(v)); err == nil {
			lldPaths.Store(key, p)
			return p, nil
		}
	}
	p, err := exec.LookPath("ld.lld")
	if err == nil {
		lldPaths.Store(key, p)
	}
	return p, err
}

var lldPaths sync.Map // PATH -> lld's path

var versions sync.Map // path -> string

// version returns the first line of `path --version`, cached per path in
// memory and, for later runs of the command, on disk: asking lld costs
// 15 ms, most of a link.
func version(path string) (string, error) {
	if v, ok := versions.Load(path); ok {
		return v.(string), nil
	}
	stamp := fileStamp(path)
	if v, ok := readVersionCache()[stamp]; ok && stamp != "" {
		versions.Store(path, v)
		return v, nil
	}
	var out bytes.Buffer
	cmd := exec.Command(path, "--version")
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
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

// readVersionCache returns the cached versions by stamp; a missing or
// damaged cache is an empty one.
func readVersionCache() map[string]string {
	m := map[string]string{}
	if p := versionCachePath(); p != "" {
		if b, err := os.ReadFile(p); err == nil {
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
	sort.Strings(names)
	return strings.Join(names, ", ")
}
