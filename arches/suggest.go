package arches

import "fmt"

// Suggest returns the known name closest to name, for "did you mean"
// messages, or "" when none is close: at most a third of the longer name's
// letters differ, or one contains the other. Aliases people type for a
// target ("aarch64" for arm64) are matched through their GNU triples.
func Suggest(name string, known []string) string {
	if a := byTriple(name); a != "" {
		return a
	}
	best, bestDist := "", 0
	for _, k := range known {
		d := distance(name, k)
		if best == "" || d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" || bestDist*3 > max(len(name), len(best)) {
		return ""
	}
	return best
}

// DidYouMean is " (did you mean "x"?)" for the known name closest to name,
// or "" when none is close: the tail of an "unknown ..." message.
func DidYouMean(name string, known []string) string {
	if s := Suggest(name, known); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// byTriple matches a name to a target whose GNU triple starts with it
// ("aarch64" is arm64, "powerpc64le" ppc64le).
func byTriple(name string) string {
	if len(name) < 3 {
		return ""
	}
	for _, a := range table {
		if a.Triple != "" && (a.Triple == name || len(a.Triple) > len(name) && a.Triple[:len(name)+1] == name+"-") {
			return a.Name
		}
	}
	return ""
}

// distance is the edit distance between a and b, in bytes, counting a
// swap of neighbours as one edit ("glod" is one from "gold").
func distance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
