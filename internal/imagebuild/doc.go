// Package imagebuild builds serving images that hold a model, without a
// Docker engine: it appends the model's files (one layer per weight file,
// one per group of small files), extra layers and a config to a base image,
// or to every platform of a base index, and records an SPDX SBOM as a
// referrer of the result.
//
// Model layers are uncompressed tars generated on demand from the model's
// blobs, so the same model always gives the same layer digests: a rebuild
// with an unchanged model finds its layers in the destination and uploads
// none of them. A layer's digest must be known before it is written, and a
// tar wraps the file in headers, so it is computed once by streaming the tar
// through sha256 (never holding it) and cached by the source blob's digest
// (see layer.go).
package imagebuild
