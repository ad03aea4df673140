// Package modelpack owns the model artifact: CNCF ModelPack media types,
// packing a folder into a reproducible artifact, the lock file, and reading
// artifacts back (ModelPack, its older vnd.cnai form, and KitOps ModelKits).
package modelpack

import (
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/types"
)

// ModelPack media types and annotations (model-spec v1).
const (
	ArtifactType     = "application/vnd.cncf.model.manifest.v1+json"
	MediaTypeConfig  = types.MediaType("application/vnd.cncf.model.config.v1+json")
	AnnotationPath   = "org.cncf.model.filepath"
	AnnotationFile   = "org.cncf.model.file.metadata+json"
	legacyArtifact   = "application/vnd.cnai.model.manifest.v1+json"
	legacyConfig     = "application/vnd.cnai.model.config.v1+json"
	kitConfig        = "application/vnd.kitops.modelkit.config.v1+json"
	annotationRole   = "dev.slipway.role"
	annotationFiles  = "dev.slipway.files"
	annotationTitle  = "org.opencontainers.image.title"
	annotationVer    = "org.opencontainers.image.version"
	annotationCreate = "org.opencontainers.image.created"
)

var roleMediaName = map[Role]string{
	RoleWeights: "weight",
	RoleConfig:  "weight.config",
	RoleDocs:    "doc",
	RoleCode:    "code",
	RoleDataset: "dataset",
}

// LayerMediaType is the ModelPack media type of a layer holding role; raw
// is a single uncompressed file, otherwise an uncompressed tar.
func LayerMediaType(role Role, raw bool) types.MediaType {
	format := "tar"
	if raw {
		format = "raw"
	}
	return types.MediaType("application/vnd.cncf.model." + roleMediaName[role] + ".v1." + format)
}

// LayerInfo is what a layer media type says: the role, and how the content
// is stored. Compression is "" for raw and plain tar, else "gzip" or "zstd".
type LayerInfo struct {
	Role Role
	// Kind is the layer's own name in its media type: "weight",
	// "weight.config", "doc", … for ModelPack; "model", "modelpart",
	// "prompts", … for a KitOps ModelKit.
	Kind        string
	Raw         bool
	Compression string
}

// ParseLayerMediaType reads ModelPack (vnd.cncf and vnd.cnai) and KitOps
// layer media types; ok is false for anything else.
func ParseLayerMediaType(mt types.MediaType) (LayerInfo, bool) {
	s := string(mt)
	for _, prefix := range []string{"application/vnd.cncf.model.", "application/vnd.cnai.model."} {
		rest, found := strings.CutPrefix(s, prefix)
		if !found {
			continue
		}
		kind, format, found := strings.Cut(rest, ".v1.")
		if !found {
			return LayerInfo{}, false
		}
		info := LayerInfo{Kind: kind}
		for role, n := range roleMediaName {
			if n == kind {
				info.Role = role
			}
		}
		if info.Role == "" {
			return LayerInfo{}, false
		}
		switch format {
		case "raw":
			info.Raw = true
		case "tar":
		case "tar+gzip":
			info.Compression = "gzip"
		case "tar+zstd":
			info.Compression = "zstd"
		default:
			return LayerInfo{}, false
		}
		return info, true
	}
	// KitOps: application/vnd.kitops.modelkit.<model|modelpart|code|dataset|docs|prompts>.v1.tar[+gzip|+zstd]
	if rest, found := strings.CutPrefix(s, "application/vnd.kitops.modelkit."); found {
		kind, format, _ := strings.Cut(rest, ".v1.")
		roles := map[string]Role{"model": RoleWeights, "modelpart": RoleWeights, "code": RoleCode, "dataset": RoleDataset, "docs": RoleDocs, "prompts": RoleDocs}
		role, ok := roles[kind]
		if !ok {
			return LayerInfo{}, false
		}
		info := LayerInfo{Role: role, Kind: kind}
		switch format {
		case "tar":
		case "tar+gzip":
			info.Compression = "gzip"
		case "tar+zstd":
			info.Compression = "zstd"
		default:
			return LayerInfo{}, false
		}
		return info, true
	}
	return LayerInfo{}, false
}

// IsModelManifest reports whether a manifest's artifactType or config media
// type marks a model: ModelPack, its vnd.cnai form, or a KitOps ModelKit.
func IsModelManifest(artifactType string, config types.MediaType) bool {
	return artifactType == ArtifactType || artifactType == legacyArtifact ||
		config == MediaTypeConfig || config == legacyConfig || config == kitConfig
}
