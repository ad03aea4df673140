package extract

import (
	"io/fs"
	"path"
	"strings"

	"github.com/slipwayhq/slipway/internal/fault"
)

// maxHops bounds how many links one name may go through, like the kernel's
// ELOOP limit.
const maxHops = 40

// checkInside refuses name when placing it would go through, or create, a
// link that leads outside the target. The check is made on the layout as it
// will be after Commit: staged entries over what is already on disk. It
// catches what a lexical check of one link cannot, such as "a -> sub/b/../.."
// where "sub/b -> ..": the ".." after a link climbs from where the link leads.
func (d *Dest) checkInside(name string) error {
	if d.entries[name].implicit {
		return nil // checked as the parent of its entries, with their names
	}
	start := name
	if d.entries[name].kind == kindFile {
		start = path.Dir(name) // a file is renamed over whatever is there
	}
	via, loops, inside := d.resolve(start)
	switch {
	case inside:
		return nil
	case loops:
		return fault.Usagef("refusing %q: more than %d links to follow from %q", name, maxHops, via)
	case d.entries[name].kind == kindLink && via == name:
		return fault.Usagef("refusing %q: link to %q leaves the target folder", name, d.entries[name].target)
	case d.entries[name].kind == kindLink:
		return fault.Usagef("refusing %q: link to %q leaves the target folder through link %q",
			name, d.entries[name].target, via)
	}
	return fault.Usagef("refusing %q: %q is a link that leaves the target folder", name, via)
}

// resolve follows name one component at a time, as the kernel would, and
// reports whether it stays inside the target. When it does not, via is the
// last link followed and loops says whether there were too many to follow.
func (d *Dest) resolve(name string) (via string, loops, inside bool) {
	var dir []string // resolved components, none of them a link
	todo := strings.Split(name, "/")
	hops := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(dir) == 0 {
				return via, false, false
			}
			dir = dir[:len(dir)-1]
			continue
		}
		here := path.Join(strings.Join(dir, "/"), c)
		target, isLink := d.linkAt(here)
		if !isLink {
			dir = append(dir, c)
			continue
		}
		via = here
		if hops++; hops > maxHops {
			return via, true, false
		}
		if strings.HasPrefix(target, "/") || hasVolume(target) {
			return via, false, false
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	return "", false, true
}

// linkAt reports whether name (whose parents are not links) will be a link
// after Commit, and its target. A staged file or link replaces what is on
// disk; a staged folder does not, so a link already there is still followed.
func (d *Dest) linkAt(name string) (string, bool) {
	if e, ok := d.entries[name]; ok && e.kind != kindDir {
		return e.target, e.kind == kindLink
	}
	fi, err := d.root.Lstat(name)
	if err != nil || fi.Mode().Type() != fs.ModeSymlink {
		return "", false
	}
	target, err := d.root.Readlink(name)
	if err != nil {
		return "/", true // unreadable: treat as leading out
	}
	return target, true
}
