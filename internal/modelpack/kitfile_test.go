package modelpack

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slipwayhq/slipway/internal/fault"
)

// The flag has its own name so that it cannot clash with other golden tests
// of the package.
var updateKitfile = flag.Bool("update-kitfile", false, "rewrite testdata/kitfile/*.golden.json")

// TestParseKitfileGolden parses every testdata/kitfile/*.yaml and compares
// what it read, its entries and its licences with the .golden.json beside it.
func TestParseKitfileGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "kitfile", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			f, err := os.Open(file)
			require.NoError(t, err)
			defer f.Close()
			k, err := ParseKitfile(f, "Kitfile")
			require.NoError(t, err, "ParseKitfile(%s)", file)

			got, err := json.MarshalIndent(map[string]any{
				"kitfile": k, "entries": k.Entries(), "licenses": k.Licenses(),
			}, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			golden := strings.TrimSuffix(file, ".yaml") + ".golden.json"
			if *updateKitfile {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "missing golden file: run go test -run Kitfile -update-kitfile")
			require.Equal(t, string(want), string(got), "ParseKitfile(%s) differs from %s", file, golden)
		})
	}
}

func TestKitfileEntryRoles(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "kitfile", "full.yaml"))
	require.NoError(t, err)
	defer f.Close()
	k, err := ParseKitfile(f, "Kitfile")
	require.NoError(t, err)

	got := map[string]Role{}
	for _, e := range k.Entries() {
		got[e.Path] = e.Role
	}
	require.Equal(t, map[string]Role{
		"model":                     RoleWeights,
		"adapters/lora.safetensors": RoleWeights, // type LoRA
		"tokenizer":                 RoleConfig,  // untyped, named like a tokenizer
		"generation_config.json":    RoleConfig,  // untyped, named like a config
		"settings.yaml":             RoleConfig,  // type config
		"src":                       RoleCode,
		"requirements.txt":          RoleCode,
		"data/train.csv":            RoleDataset,
		"README.md":                 RoleDocs,
		"docs/eval.md":              RoleDocs, // cleaned from docs/eval/../eval.md
		"prompts/system.md":         RoleDocs,
		"tools/search.mcpb":         RoleCode,
	}, got, "roles of full.yaml's entries")
	require.Equal(t, "sentiment", k.Package.Name)
	require.Equal(t, "2.1.0", k.Package.Version)
	require.Equal(t, []string{"Jane Doe", "ML Platform Team"}, k.Package.Authors)
	require.Equal(t, "1.0", k.Model.Version, "an unquoted 1.0 is read as written")
}

// badKitfiles are refused, with the line and the field in the message; they
// also seed FuzzParseKitfile.
var badKitfiles = []struct {
	name string
	yaml string
	want string
}{
	{"unknown field", "manifestVersion: 1.0.0\npackage:\n  name: x\n  autors: [a]\n",
		"Kitfile:4: package.autors: unknown field"},
	{"misspelled top-level field", "manifestVersion: 1.0.0\ndataset:\n  - path: a.csv\n",
		"Kitfile:2: dataset: unknown field"},
	{"wrong type", "manifestVersion: 1.0.0\npackage:\n  name: x\n  authors: 3\n",
		`Kitfile:4: package.authors: want a list, got "3"`},
	{"mapping for a string", "manifestVersion: 1.0.0\nmodel:\n  path: {a: b}\n",
		"Kitfile:3: model.path: want a string, got a mapping"},
	{"scalar for the model", "manifestVersion: 1.0.0\nmodel: weights.bin\n",
		`Kitfile:2: model: want a mapping, got "weights.bin"`},
	{"scalar for a code entry", "manifestVersion: 1.0.0\ncode:\n  - src/\n",
		`Kitfile:3: code[0]: want a mapping, got "src/"`},
	{"missing manifestVersion", "package:\n  name: x\nmodel:\n  path: m.bin\n",
		"Kitfile:1: manifestVersion: required"},
	{"missing model path", "manifestVersion: 1.0.0\nmodel:\n  name: x\n",
		"Kitfile:2: model.path: required"},
	{"missing docs path", "manifestVersion: 1.0.0\ndocs:\n  - description: card\n",
		"Kitfile:3: docs[0].path: required"},
	{"absolute path", "manifestVersion: 1.0.0\nmodel:\n  path: model.bin\n  parts:\n    - path: tokenizer.json\n    - name: extra\n      path: /abs\n",
		`Kitfile:7: model.parts[1].path: must be relative to the model folder, got "/abs"`},
	{"parent path", "manifestVersion: 1.0.0\nmodel:\n  path: m.bin\ndocs:\n  - path: ../secrets.txt\n",
		`Kitfile:5: docs[0].path: must stay inside the model folder, got "../secrets.txt"`},
	{"parent path after a folder", "manifestVersion: 1.0.0\ncode:\n  - path: src/../../x\n",
		`Kitfile:3: code[0].path: must stay inside the model folder, got "src/../../x"`},
	{"windows path", "manifestVersion: 1.0.0\nmodel:\n  path: 'C:\\models\\m.bin'\n",
		"Kitfile:3: model.path: must use forward slashes"},
	{"remote path", "manifestVersion: 1.0.0\ndatasets:\n  - path: s3://bucket/train.csv\n",
		"Kitfile:3: datasets[0].path: must be a path in the model folder (remote references are not supported)"},
	{"duplicate path", "manifestVersion: 1.0.0\nmodel:\n  path: model/\ndatasets:\n  - path: ./model\n",
		`Kitfile:5: datasets[0].path: "model" is already listed as model.path (line 3)`},
	{"duplicate key", "manifestVersion: 1.0.0\nmanifestVersion: 2.0.0\n",
		`Kitfile:2: mapping key "manifestVersion" already defined at line 1`},
	{"torn YAML", "manifestVersion: 1.0.0\nmodel:\n  path: [model.bin\n",
		"Kitfile:3: did not find expected ',' or ']'"}, // where the [ opens
	{"unclosed quote", "manifestVersion: 1.0.0\nmodel:\n  path: \"model.bin\n",
		"Kitfile:3: found unexpected end of stream"},
	{"tab indentation", "manifestVersion: 1.0.0\nmodel:\n\tpath: m.bin\n",
		"Kitfile:3: found character that cannot start any token"},
	{"bad indentation", "manifestVersion: 1.0.0\nmodel:\n  path: m.bin\n name: x\n",
		"Kitfile:4: did not find expected key"},
	{"empty file", "", "Kitfile: empty"},
	{"only comments", "# nothing yet\n", "Kitfile: empty"},
	{"a list", "- path: a\n", "Kitfile:1: want a mapping of Kitfile fields, got a list"},
	{"two documents", "manifestVersion: 1.0.0\n---\nmanifestVersion: 2.0.0\n",
		"Kitfile:2: more than one YAML document"},
}

func TestParseKitfileRefuses(t *testing.T) {
	for _, tc := range badKitfiles {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseKitfile(strings.NewReader(tc.yaml), "Kitfile")
			require.ErrorContains(t, err, tc.want, "ParseKitfile(%q)", tc.yaml)
			require.Equal(t, fault.Usage, fault.KindOf(err), "kind of %v", err)
		})
	}
}

func TestParseKitfileReportsEveryProblem(t *testing.T) {
	yaml := "package:\n  name: x\ncode:\n  - path: /a\n  - path: ../b\n"
	_, err := ParseKitfile(strings.NewReader(yaml), "model/Kitfile")
	require.Error(t, err)
	require.Equal(t, strings.Join([]string{
		"model/Kitfile:1: manifestVersion: required, for example manifestVersion: \"1.0.0\"",
		`model/Kitfile:4: code[0].path: must be relative to the model folder, got "/a"`,
		`model/Kitfile:5: code[1].path: must stay inside the model folder, got "../b"`,
	}, "\n"), err.Error())
}

func TestParseKitfileTooLarge(t *testing.T) {
	big := "manifestVersion: 1.0.0\n#" + strings.Repeat("x", maxKitfileSize) + "\n"
	_, err := ParseKitfile(strings.NewReader(big), "Kitfile")
	require.ErrorContains(t, err, "Kitfile: larger than 1048576 bytes")
	require.Equal(t, fault.Usage, fault.KindOf(err))
}
