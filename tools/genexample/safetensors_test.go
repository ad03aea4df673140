package main

import (
	"encoding/binary"
	"strings"
	"testing"
)

func TestEncodeSafetensors(t *testing.T) {
	tests := []struct {
		name    string
		tensors []tensor
		want    string // the header JSON without its padding, or "" when an error is wanted
		wantErr string
	}{
		{
			name: "sorted and tiled",
			tensors: []tensor{
				{name: "b", shape: []int{2}, data: []float32{1, 2}},
				{name: "a", shape: []int{1, 1}, data: []float32{3}},
			},
			want: `{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`,
		},
		{
			name:    "shape mismatch",
			tensors: []tensor{{name: "w", shape: []int{2, 2}, data: []float32{1, 2, 3}}},
			wantErr: "holds 4 values, have 3",
		},
		{
			name:    "duplicate",
			tensors: []tensor{{name: "w", shape: []int{1}, data: []float32{1}}, {name: "w", shape: []int{1}, data: []float32{2}}},
			wantErr: "given twice",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := encodeSafetensors(tt.tensors, map[string]string{"format": "pt"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("encodeSafetensors error = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("encodeSafetensors: %v", err)
			}
			n := int(binary.LittleEndian.Uint64(got))
			header := string(got[8 : 8+n])
			if n%8 != 0 || strings.TrimRight(header, " ") != tt.want {
				t.Errorf("header (%d bytes) is %q, want %q padded to a multiple of 8", n, header, tt.want)
			}
			// a = 3, then b = 1, 2, as little-endian float32.
			wantData := "\x00\x00\x40\x40" + "\x00\x00\x80\x3f" + "\x00\x00\x00\x40"
			if data := string(got[8+n:]); data != wantData {
				t.Errorf("data is %q, want %q", data, wantData)
			}
		})
	}
}
