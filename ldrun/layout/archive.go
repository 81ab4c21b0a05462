package layout

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ArchiveMember is one member of an ar archive: an object's name and
// where its bytes are. A thin archive (a kernel build's vmlinux.a) keeps
// only names: Thin is set and the object is the file Name names,
// relative to the archive's folder.
type ArchiveMember struct {
	Name   string
	Thin   bool
	Offset int64
	Size   int64
}

// Archive magic strings.
const (
	arMagic     = "!<arch>\n"
	arThinMagic = "!<thin>\n"
	arHeaderLen = 60
)

// IsArchive reports whether the bytes at the start of r are an ar
// archive's, thin or not.
func IsArchive(r io.ReaderAt) bool {
	b := make([]byte, len(arMagic))
	if _, err := r.ReadAt(b, 0); err != nil {
		return false
	}
	return string(b) == arMagic || string(b) == arThinMagic
}

// ArchiveMembers lists the members of the ar archive in r, of size
// bytes, in order: GNU and BSD long names, and thin archives. The symbol
// index and the long-name table are not members.
func ArchiveMembers(r io.ReaderAt, size int64) ([]ArchiveMember, error) {
	magic := make([]byte, len(arMagic))
	if _, err := r.ReadAt(magic, 0); err != nil {
		return nil, fmt.Errorf("not an ar archive: %v", err)
	}
	thin := string(magic) == arThinMagic
	if !thin && string(magic) != arMagic {
		return nil, fmt.Errorf("not an ar archive")
	}
	var out []ArchiveMember
	var longNames []byte
	hdr := make([]byte, arHeaderLen)
	for off := int64(len(arMagic)); off < size; {
		if off+arHeaderLen > size {
			return nil, fmt.Errorf("archive member header at %d is cut short", off)
		}
		if _, err := r.ReadAt(hdr, off); err != nil {
			return nil, err
		}
		if string(hdr[58:60]) != "`\n" {
			return nil, fmt.Errorf("bad archive member header at %d", off)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(hdr[48:58])), 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("bad member size at %d: %q", off, hdr[48:58])
		}
		name := strings.TrimRight(string(hdr[0:16]), " ")
		data := off + arHeaderLen
		if data+n > size && !(thin && !isArchiveTable(name)) {
			return nil, fmt.Errorf("archive member %q at %d runs past the end", name, off)
		}
		next := data + n
		switch {
		case name == "/" || name == "/SYM64/" || name == "__.SYMDEF" || name == "__.SYMDEF SORTED":
			// The symbol index.
		case name == "//":
			longNames = make([]byte, n)
			if _, err := r.ReadAt(longNames, data); err != nil {
				return nil, err
			}
		default:
			m := ArchiveMember{Thin: thin, Offset: data, Size: n}
			switch {
			case strings.HasPrefix(name, "#1/"):
				// BSD: the name is the first bytes of the data.
				k, err := strconv.Atoi(name[3:])
				if err != nil || int64(k) > n {
					return nil, fmt.Errorf("bad BSD member name at %d", off)
				}
				b := make([]byte, k)
				if _, err := r.ReadAt(b, data); err != nil {
					return nil, err
				}
				m.Name, m.Offset, m.Size = strings.TrimRight(string(b), "\x00"), data+int64(k), n-int64(k)
			case strings.HasPrefix(name, "/") && len(name) > 1:
				i, err := strconv.Atoi(strings.TrimSpace(name[1:]))
				if err != nil || i < 0 || i >= len(longNames) {
					return nil, fmt.Errorf("bad long member name %q at %d", name, off)
				}
				end := bytes.Index(longNames[i:], []byte("/\n"))
				if end < 0 {
					end = bytes.IndexByte(longNames[i:], '\n')
				}
				if end < 0 {
					end = len(longNames) - i
				}
				m.Name = string(longNames[i : i+end])
			default:
				m.Name = strings.TrimSuffix(name, "/")
			}
			if thin {
				// A thin member's bytes are in its own file.
				next = data
			}
			out = append(out, m)
		}
		if next%2 == 1 {
			next++
		}
		off = next
	}
	return out, nil
}

// isArchiveTable reports whether a member name is the symbol index or the
// long-name table, whose bytes even a thin archive holds.
func isArchiveTable(name string) bool {
	return name == "/" || name == "//" || name == "/SYM64/"
}

// ReadObjectAt reads the relocatable object of size bytes at r. It
// returns an error, never panics, on bytes that are not one.
func ReadObjectAt(name string, r io.ReaderAt, size int64) (*Object, error) {
	return readObject(name, io.NewSectionReader(r, 0, size))
}
