package deploy

import (
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/slipwayhq/slipway/internal/config"
	"github.com/slipwayhq/slipway/internal/fault"
)

// kustomize sets images[name=u.Image] as `kustomize edit set image
// NAME[=NEWNAME]@DIGEST` does: the digest replaces a newTag, newName is
// set when given. An image the kustomization does not list is an error
// naming those it does, rather than a new entry that matches nothing.
func (e *editor) kustomize(u config.Update, img Image) error {
	f, err := e.open(u.File)
	if err != nil {
		return err
	}
	if len(f.docs) == 0 {
		return fault.Usagef("%s is empty: want a kustomization", f.name)
	}
	root := f.docs[0].YNode()
	_, images := field(root, "images")
	var entry *yaml.Node
	var names []string
	if images != nil && images.Kind == yaml.SequenceNode {
		for _, it := range images.Content {
			if _, n := field(it, "name"); n != nil {
				names = append(names, n.Value)
				if n.Value == u.Image {
					entry = it
				}
			}
		}
	}
	if entry == nil {
		if len(names) == 0 {
			return fault.Usagef("%s has no images: add `images: [{name: %s}]` for Slipway to set", f.name, u.Image)
		}
		return fault.Usagef("%s: image %s not found: its images are %s", f.name, u.Image, strings.Join(names, ", "))
	}
	if entry.Style&yaml.FlowStyle != 0 {
		return fault.Usagef("%s:%d: image %s is written in flow style ({…}): write it as a block mapping", f.name, entry.Line, u.Image)
	}
	nameKey, _ := field(entry, "name")
	if u.NewName != "" {
		if _, v := field(entry, "newName"); v != nil {
			if err := f.setScalar(v, u.NewName); err != nil {
				return err
			}
		} else {
			f.insertAfter(nameKey.Line, nameKey.Column, "newName", u.NewName)
		}
	}
	tagKey, tag := field(entry, "newTag")
	_, digest := field(entry, "digest")
	switch {
	case digest != nil:
		if err := f.setScalar(digest, img.Digest); err != nil {
			return err
		}
		if tag != nil {
			f.deleteLine(tagKey.Line)
		}
	case tag != nil:
		return f.replacePair(tagKey, tag, "digest", img.Digest)
	default:
		f.insertAfter(lastLine(entry), nameKey.Column, "digest", img.Digest)
	}
	return nil
}

// helm sets a values key path to the digest (or, where it holds an image
// reference, to the image pinned by the digest), and the repository key.
func (e *editor) helm(u config.Update, img Image) error {
	f, doc, err := e.openDoc(u.File)
	if err != nil {
		return err
	}
	if err := setKey(f, doc, u.Key, func(old string) string { return imageValue(old, u.NewName, img.Digest) }); err != nil {
		return err
	}
	if u.RepositoryKey != "" {
		return setKey(f, doc, u.RepositoryKey, func(string) string { return u.NewName })
	}
	return nil
}

// blueGreen writes the digest into the idle slot and makes it the live
// one. When the live slot already runs the digest, nothing changes; when
// the idle one does (a rollback), only the live slot flips.
func (e *editor) blueGreen(u config.Update, img Image) error {
	f, doc, err := e.openDoc(u.File)
	if err != nil {
		return err
	}
	active, err := lookupScalar(f, doc, u.Active)
	if err != nil {
		return err
	}
	live, idle := u.Slots[0], u.Slots[1]
	switch active.Value {
	case u.Slots[0]:
	case u.Slots[1]:
		live, idle = idle, live
	default:
		return fault.Usagef("%s:%d: %s is %q: want one of the slots %s", f.name, active.Line, u.Active, active.Value, strings.Join(u.Slots, ", "))
	}
	liveKey := strings.ReplaceAll(u.Key, "{slot}", live)
	cur, err := lookupScalar(f, doc, liveKey)
	if err != nil {
		return err
	}
	if cur.Value == imageValue(cur.Value, u.NewName, img.Digest) {
		return nil
	}
	if err := setKey(f, doc, strings.ReplaceAll(u.Key, "{slot}", idle), func(old string) string { return imageValue(old, u.NewName, img.Digest) }); err != nil {
		return err
	}
	return f.setScalar(active, idle)
}

// canary writes the canary's image or digest and its traffic weight.
func (e *editor) canary(u config.Update, img Image) error {
	f, doc, err := e.openDoc(u.File)
	if err != nil {
		return err
	}
	if err := setKey(f, doc, u.Key, func(old string) string { return imageValue(old, u.NewName, img.Digest) }); err != nil {
		return err
	}
	return setKey(f, doc, u.WeightKey, func(string) string { return strconv.Itoa(u.Weight) })
}

// openDoc opens a file whose first document is edited.
func (e *editor) openDoc(name string) (*yamlFile, *yaml.RNode, error) {
	f, err := e.open(name)
	if err != nil {
		return nil, nil, err
	}
	if len(f.docs) == 0 {
		return nil, nil, fault.Usagef("%s is empty", f.name)
	}
	if f.docs[0].YNode().Kind != yaml.MappingNode {
		return nil, nil, fault.Usagef("%s is not a YAML mapping (key: value lines)", f.name)
	}
	return f, f.docs[0], nil
}

// setKey sets the scalar at key path p to value(old).
func setKey(f *yamlFile, doc *yaml.RNode, p string, value func(old string) string) error {
	n, err := lookupScalar(f, doc, p)
	if err != nil {
		return err
	}
	return f.setScalar(n, value(n.Value))
}

// workloads are the kinds whose pod template the manifest updater edits,
// with the path to the pod spec.
var workloads = map[string][]string{
	"Deployment": {"spec", "template", "spec"}, "StatefulSet": {"spec", "template", "spec"},
	"DaemonSet": {"spec", "template", "spec"}, "ReplicaSet": {"spec", "template", "spec"},
	"Rollout": {"spec", "template", "spec"}, "Job": {"spec", "template", "spec"},
	"CronJob": {"spec", "jobTemplate", "spec", "template", "spec"}, "Pod": {"spec"},
}

// manifest sets the image of every container named u.Container in the
// workloads of u.File (or of every YAML file under the deploy path).
func (e *editor) manifest(u config.Update, img Image) error {
	files := []string{u.File}
	if u.File == "" {
		var err error
		if files, err = e.yamlFiles(); err != nil {
			return err
		}
	}
	found, seen := 0, []string{}
	for _, name := range files {
		f, err := e.open(name)
		if err != nil {
			return err
		}
		for _, doc := range f.docs {
			pod := podSpec(doc)
			if pod == nil {
				continue
			}
			for _, list := range []string{"initContainers", "containers"} {
				_, cs := field(pod, list)
				if cs == nil || cs.Kind != yaml.SequenceNode {
					continue
				}
				for _, c := range cs.Content {
					_, n := field(c, "name")
					_, image := field(c, "image")
					if n == nil {
						continue
					}
					seen = append(seen, fmt.Sprintf("%s/%s: %s", doc.GetKind(), doc.GetName(), n.Value))
					if n.Value != u.Container || image == nil {
						continue
					}
					found++
					if err := f.setScalar(image, cmpOr(u.NewName, repositoryOf(image.Value))+"@"+img.Digest); err != nil {
						return err
					}
				}
			}
		}
	}
	if found == 0 {
		where := cmpOr(u.File, "the YAML files under "+cmpOr(e.where, "the repository"))
		if len(seen) == 0 {
			return fault.Usagef("container %s not found: %s hold no Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod or Rollout", u.Container, where)
		}
		return fault.Usagef("container %s not found in %s: the containers there are %s", u.Container, where, strings.Join(seen, "; "))
	}
	return nil
}

// podSpec is the pod spec of a workload document, or nil.
func podSpec(doc *yaml.RNode) *yaml.Node {
	p, ok := workloads[doc.GetKind()]
	if !ok {
		return nil
	}
	n, err := doc.Pipe(yaml.Lookup(p...))
	if err != nil || n == nil || n.YNode().Kind != yaml.MappingNode {
		return nil
	}
	return n.YNode()
}
