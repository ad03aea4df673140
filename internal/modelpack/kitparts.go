package modelpack

import "encoding/json"

// kitConfigParts is the part of a KitOps ModelKit config that says where
// each layer's content goes: a path per entry, in the order of the layers
// of that kind, with the layer's digest in layerInfo when KitOps wrote it.
type kitConfigParts struct {
	Model *struct {
		kitConfigPart
		Parts []kitConfigPart `json:"parts"`
	} `json:"model"`
	Code     []kitConfigPart `json:"code"`
	Datasets []kitConfigPart `json:"datasets"`
	Docs     []kitConfigPart `json:"docs"`
	Prompts  []kitConfigPart `json:"prompts"`
}

type kitConfigPart struct {
	Path      string `json:"path"`
	LayerInfo *struct {
		Digest string `json:"digest"`
	} `json:"layerInfo"`
}

// kitPartPaths sets the Filepath of a ModelKit's layers that carry no
// org.cncf.model.filepath from the config: by digest when the config
// records it, else the n-th layer of a kind takes the n-th entry of that
// kind. A config that does not parse leaves the paths unset.
func kitPartPaths(cfg []byte, layers []Layer) {
	var c kitConfigParts
	if json.Unmarshal(cfg, &c) != nil {
		return
	}
	byKind := map[string][]kitConfigPart{"code": c.Code, "dataset": c.Datasets, "docs": c.Docs, "prompts": c.Prompts}
	if c.Model != nil {
		byKind["model"] = []kitConfigPart{c.Model.kitConfigPart}
		byKind["modelpart"] = c.Model.Parts
	}
	byDigest := map[string]string{}
	for _, parts := range byKind {
		for _, p := range parts {
			if p.LayerInfo != nil && p.LayerInfo.Digest != "" {
				byDigest[p.LayerInfo.Digest] = p.Path
			}
		}
	}
	seen := map[string]int{}
	for i := range layers {
		l := &layers[i]
		kind := l.Info.Kind
		n := seen[kind]
		seen[kind]++
		if l.Filepath != "" {
			continue
		}
		if p, ok := byDigest[l.Descriptor.Digest.String()]; ok {
			l.Filepath = p
		} else if parts := byKind[kind]; n < len(parts) {
			l.Filepath = parts[n].Path
		}
	}
}
