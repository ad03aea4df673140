package extract

import (
	"path"
	"strings"

	"github.com/slipwayhq/slipway/internal/fault"
)

// ValidName reports whether name, a slash-separated path taken from an
// artifact, is safe to create under a target folder. A name that is empty,
// absolute, contains a NUL byte or a backslash, starts with a drive letter, or
// still climbs out with ".." once cleaned is refused with a usage error that
// quotes it.
func ValidName(name string) error {
	_, err := cleanName(name)
	return err
}

// cleanName validates name and returns it cleaned ("./a//b" is "a/b").
func cleanName(name string) (string, error) {
	switch {
	case name == "":
		return "", fault.Usagef("refusing an entry with an empty name")
	case strings.ContainsRune(name, 0):
		return "", fault.Usagef("refusing %q: the name contains a NUL byte", name)
	case strings.ContainsRune(name, '\\'):
		// A backslash is a separator on Windows: "..\\evil" would climb out there.
		return "", fault.Usagef("refusing %q: the name contains a backslash", name)
	case strings.HasPrefix(name, "/"), hasVolume(name):
		return "", fault.Usagef("refusing %q: path is absolute", name)
	}
	clean := path.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fault.Usagef("refusing %q: path leaves the target folder", name)
	}
	if clean == "." {
		return "", fault.Usagef("refusing %q: the name is the target folder itself", name)
	}
	return clean, nil
}

// hasVolume reports whether name starts like a Windows drive ("C:…").
func hasVolume(name string) bool {
	if len(name) < 2 || name[1] != ':' {
		return false
	}
	c := name[0] | 0x20
	return c >= 'a' && c <= 'z'
}

// checkLinkTarget validates the target of a symbolic link at name: it must be
// relative and, read from the link's folder, stay inside the target folder.
// Links through other links are checked again on Commit, when all are known.
func checkLinkTarget(name, target string) error {
	switch {
	case target == "":
		return fault.Usagef("refusing %q: link has an empty target", name)
	case strings.ContainsRune(target, 0), strings.ContainsRune(target, '\\'):
		return fault.Usagef("refusing %q: link target %q contains a NUL byte or a backslash", name, target)
	case strings.HasPrefix(target, "/"), hasVolume(target):
		return fault.Usagef("refusing %q: link to absolute path %q", name, target)
	}
	joined := path.Join(path.Dir(name), target)
	if joined == ".." || strings.HasPrefix(joined, "../") {
		return fault.Usagef("refusing %q: link to %q leaves the target folder", name, target)
	}
	return nil
}
