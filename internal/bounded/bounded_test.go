package bounded

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/elfsynth/elfsynth/internal/hostile"
)

// TestReadFileRefusesSpecialFiles: a FIFO, a device, a socket or a folder
// is refused by its kind, at once: nothing blocks on the FIFO, nothing
// reads the device's endless zeros.
func TestReadFileRefusesSpecialFiles(t *testing.T) {
	t.Parallel()
	for kind, path := range hostile.SpecialFiles(t) {
		b, err := ReadFile(path, 1<<20)
		var ie *InputError
		require.ErrorAs(t, err, &ie, kind)
		require.Nil(t, b)
		require.Contains(t, err.Error(), "not a regular file ("+kind+")")
		require.Contains(t, err.Error(), path)
		f, _, err := Open(path, 1<<20)
		require.ErrorAs(t, err, &ie, kind)
		require.Nil(t, f)
	}
	// A symbolic link is followed to what it names.
	files := hostile.SpecialFiles(t)
	link := filepath.Join(t.TempDir(), "link")
	require.NoError(t, os.Symlink(files["a FIFO"], link))
	_, err := ReadFile(link, 1<<20)
	require.ErrorContains(t, err, "not a regular file (a FIFO)")
}

// TestReadFileChecksSizeFirst: a sparse 2 GiB file is refused by its size,
// without reading it; a file of exactly the limit is read.
func TestReadFileChecksSizeFirst(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sparse := hostile.Sparse(t, 2<<30)
	_, err := ReadFile(sparse, 1<<20)
	var ie *InputError
	require.ErrorAs(t, err, &ie)
	require.EqualError(t, err, sparse+": 2147483648 bytes, over the limit of 1 MiB")

	exact := filepath.Join(dir, "exact")
	want := bytes.Repeat([]byte("x"), 4096)
	require.NoError(t, os.WriteFile(exact, want, 0o644))
	got, err := ReadFile(exact, 4096)
	require.NoError(t, err)
	require.Equal(t, want, got)
	_, err = ReadFile(exact, 4095)
	require.ErrorContains(t, err, "4096 bytes, over the limit of 4095 bytes")

	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	got, err = ReadFile(empty, 10)
	require.NoError(t, err)
	require.Empty(t, got)
}

// TestOpenErrors: a path that names nothing is bad input and still
// matches fs.ErrNotExist.
func TestOpenErrors(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "none")
	_, err := ReadFile(missing, 10)
	var ie *InputError
	require.ErrorAs(t, err, &ie)
	require.ErrorIs(t, err, fs.ErrNotExist)
	_, err = ReadFile(filepath.Join(missing, "below"), 10)
	require.ErrorAs(t, err, &ie)
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{1 << 20: "1 MiB", 4 << 30: "4 GiB", 32 << 10: "32 KiB", 1000: "1000 bytes", 1<<20 + 1: "1048577 bytes"} {
		require.Equal(t, want, Size(n))
	}
}

// TestHeadTail: whatever the sizes of the writes, what is kept is the
// first and last bytes, and the count of those dropped between them.
func TestHeadTail(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		head, tail := r.IntN(20), r.IntN(20)
		var all []byte
		h := NewHeadTail(head, tail)
		for w := r.IntN(8); w > 0; w-- {
			p := make([]byte, r.IntN(50))
			for j := range p {
				p[j] = byte('a' + r.IntN(26))
			}
			n, err := h.Write(p)
			require.NoError(t, err)
			require.Equal(t, len(p), n)
			all = append(all, p...)
		}
		want := string(all)
		if len(all) > head+tail {
			want = fmt.Sprintf("%s\n[%d bytes elided]\n%s", all[:head], len(all)-head-tail, all[len(all)-tail:])
			if head == 0 {
				want = strings.TrimPrefix(want, "\n")
			}
		}
		require.Equal(t, want, h.String(), "head %d tail %d", head, tail)
		require.Equal(t, int64(len(all)), h.Len())
	}
}

// TestHeadTailFlood: 64 MiB written in pipe-sized pieces keep 64 KiB.
func TestHeadTailFlood(t *testing.T) {
	t.Parallel()
	h := Output()
	line := bytes.Repeat([]byte("ld: warning: flood\n"), 3449) // ~64 KiB
	for written := 0; written < 64<<20; written += len(line) {
		h.Write(line)
	}
	s := h.String()
	require.LessOrEqual(t, len(s), OutputHead+OutputTail+64)
	require.True(t, strings.HasPrefix(s, "ld: warning: flood\n"))
	require.True(t, strings.HasSuffix(s, "flood\n"))
	require.Contains(t, s, fmt.Sprintf("[%d bytes elided]", h.Len()-OutputHead-OutputTail))
}
