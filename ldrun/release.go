package ldrun

import "github.com/elfsynth/elfsynth/arches"

// ScriptRelease is the Linux release the built-in kernel scripts follow:
// include/asm-generic/vmlinux.lds.h and each arch's vmlinux.lds.S of 6.1,
// cut down to the sections elfsynth synthesizes. The real 6.1 scripts in
// internal/kfixtures are what tests compare them with.
const ScriptRelease = "6.1"

// ScriptReleaseOf says which release the built-in kernel scripts follow
// for target a: Linux 6.1, or, where a's row says so (arm64), where they
// follow another release and how that differs from 6.1.
func ScriptReleaseOf(a *arches.Arch) string {
	if a.ScriptRelease != "" {
		return "Linux " + a.ScriptRelease
	}
	return "Linux " + ScriptRelease
}
