package plugins

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunHelpers checks actions/lib/run.sh, the helpers every action's run
// step sources: the argv they build from inputs, the outputs they write, and
// json_field, with jq and without it (self-hosted runners may lack jq).
func TestRunHelpers(t *testing.T) {
	requireLinux(t)
	bash := tool(t, "bash", "")
	work := t.TempDir()
	files := map[string]string{
		"pack.json":    "{\n  \"bytesRead\": 16822,\n  \"digest\": \"sha256:aaa\",\n  \"files\": [\n    {\n      \"digest\": \"sha256:nested\"\n    }\n  ],\n  \"reference\": \"oci:.slipway/iris@sha256:aaa\",\n  \"unchanged\": false,\n  \"version\": \"1.0.0\"\n}\n",
		"promote.json": "{\n  \"record\": {\n    \"digest\": \"sha256:bbb\",\n    \"previous\": \"sha256:999\",\n    \"name\": \"say \\\"hi\\\" \\\\ there\"\n  },\n  \"reference\": \"r@sha256:bbb\"\n}\n",
	}
	for name, content := range files {
		os.WriteFile(filepath.Join(work, name), []byte(content), 0o644)
	}
	script := `
source "$RUN_SH"
argv=(pack "$IN_DIR")
opt --name "$IN_NAME"
opt --version ""
flag --no-cache true
flag --insecure false
each --dataset "$IN_LINES"
printf '%s\n' "${argv[@]}" > argv.txt
output multi "$(printf 'one\ntwo')"
output plain "x=y"
for q in "pack.json digest" "pack.json reference" "pack.json version" "pack.json unchanged" "pack.json bytesRead" \
	"pack.json files" "pack.json missing" "promote.json reference" "promote.json digest 2" "promote.json previous 2" \
	"promote.json name 2"; do
	set -- $q
	printf '%s=[%s]\n' "$2${3:+@$3}" "$(json_field "$1" "$2" "${3:-1}")"
done
`
	want := strings.Join([]string{
		"digest=[sha256:aaa]", "reference=[oci:.slipway/iris@sha256:aaa]", "version=[1.0.0]", "unchanged=[false]",
		"bytesRead=[16822]", "files=[]", "missing=[]", "reference=[r@sha256:bbb]", "digest@2=[sha256:bbb]",
		"previous@2=[sha256:999]", `name@2=[say "hi" \ there]`,
	}, "\n") + "\n"

	noJQ := t.TempDir() // the utilities json_field needs, and no jq
	for _, name := range []string{"sed", "head", "cat", "printf", "mktemp"} {
		if p, err := exec.LookPath(name); err == nil {
			os.Symlink(p, filepath.Join(noJQ, name))
		}
	}
	paths := map[string]string{"without jq": noJQ}
	if _, err := exec.LookPath("jq"); err == nil {
		paths["with jq"] = os.Getenv("PATH")
	}
	for name, path := range paths {
		t.Run(name, func(t *testing.T) {
			os.Remove(filepath.Join(work, "output"))
			env := []string{"PATH=" + path, "RUN_SH=" + filepath.Join(repoRoot, "actions", "lib", "run.sh"),
				"GITHUB_OUTPUT=" + filepath.Join(work, "output"), "IN_DIR=model dir", "IN_NAME=a'b;$(x)`y`",
				"IN_LINES=one\n\n  \ntwo two\r\n"}
			out, code := run(t, time.Minute, work, env, bash, "-eo", "pipefail", "-c", script)
			if code != 0 {
				t.Fatalf("bash: exit %d\n%s", code, out)
			}
			if out != want {
				t.Errorf("json_field:\n%s\nwant\n%s", out, want)
			}
			argv, _ := os.ReadFile(filepath.Join(work, "argv.txt"))
			if w := "pack\nmodel dir\n--name\na'b;$(x)`y`\n--no-cache\n--dataset\none\n--dataset\ntwo two\n"; string(argv) != w {
				t.Errorf("argv:\n%s\nwant\n%s", argv, w)
			}
			outputs, _ := os.ReadFile(filepath.Join(work, "output"))
			o := string(outputs)
			if !strings.Contains(o, "\none\ntwo\n") || !strings.Contains(o, "\nx=y\n") || !strings.HasPrefix(o, "multi<<slipway_") {
				t.Errorf("GITHUB_OUTPUT:\n%s", o)
			}
		})
	}
}
