package arches

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

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
