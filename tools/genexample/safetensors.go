package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// tensor is one named float32 tensor, in row-major order.
type tensor struct {
	name  string
	shape []int
	data  []float32
}

// tensorInfo is a tensor's entry in a safetensors header.
type tensorInfo struct {
	Dtype       string `json:"dtype"`
	Shape       []int  `json:"shape"`
	DataOffsets [2]int `json:"data_offsets"`
}

// encodeSafetensors lays tensors out as a safetensors file: an 8-byte
// little-endian header length, a JSON header mapping each name to its dtype,
// shape and byte range (plus "__metadata__"), padded with spaces to a multiple
// of 8 so the data that follows is aligned, then the little-endian data in
// name order.
func encodeSafetensors(tensors []tensor, metadata map[string]string) ([]byte, error) {
	tensors = slices.SortedFunc(slices.Values(tensors), func(a, b tensor) int { return strings.Compare(a.name, b.name) })

	// encoding/json writes map keys sorted, which puts "__metadata__" first
	// and the tensors in the order their data is laid out.
	header := map[string]any{"__metadata__": metadata}
	var data []byte
	for _, t := range tensors {
		if _, dup := header[t.name]; dup {
			return nil, fmt.Errorf("tensor %q given twice", t.name)
		}
		n := 1
		for _, s := range t.shape {
			n *= s
		}
		if n != len(t.data) {
			return nil, fmt.Errorf("tensor %q: shape %v holds %d values, have %d", t.name, t.shape, n, len(t.data))
		}
		begin := len(data)
		for _, v := range t.data {
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
		}
		header[t.name] = tensorInfo{Dtype: "F32", Shape: t.shape, DataOffsets: [2]int{begin, len(data)}}
	}

	h, err := json.Marshal(header)
	if err != nil {
		return nil, fmt.Errorf("encoding safetensors header: %w", err)
	}
	if pad := len(h) % 8; pad != 0 {
		h = append(h, bytes.Repeat([]byte(" "), 8-pad)...)
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	out = append(out, h...)
	return append(out, data...), nil
}
