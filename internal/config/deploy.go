package config

import (
	"bytes"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/slipwayhq/slipway/internal/fault"
)

// Deploy modes: push a commit to the branch, or push a branch and open
// (or update) a pull/merge request against it.
const (
	DeployCommit      = "commit"
	DeployPullRequest = "pull-request"
)

// Default environment variables holding the deploy repository's
// credentials: an HTTPS token, or an SSH private key (PEM, or a file).
const (
	EnvGitToken  = "SLIPWAY_GIT_TOKEN"
	EnvGitSSHKey = "SLIPWAY_GIT_SSH_KEY"
)

// Deploy is where an environment's digest is written after its tag moves:
// a GitOps repository that Argo CD or Flux applies.
type Deploy struct {
	// Repo is the repository's URL: https://, http://, ssh://, git@host:path or file://.
	Repo string `json:"repo"`
	// Branch is the branch the cluster follows (default main).
	Branch string `json:"branch"`
	// Path is the folder of the repository that the files are relative to.
	Path string `json:"path,omitempty"`
	// Mode is commit (push to Branch) or pull-request (push the branch
	// slipway/ENV and open or update a pull/merge request).
	Mode string `json:"mode"`
	// Provider is github or gitlab (pull-request mode; default from the host).
	Provider string `json:"provider,omitempty"`
	// API is the provider's API base URL (default https://api.github.com,
	// or https://HOST/api/v4 for GitLab).
	API string `json:"api,omitempty"`
	// TokenEnv names the variable holding the HTTPS token (also the API's).
	TokenEnv string `json:"tokenEnv"`
	// SSHKeyEnv names the variable holding the SSH private key or its file.
	SSHKeyEnv string `json:"sshKeyEnv"`
	// Updates are the edits, applied in order, all in one commit.
	Updates []Update `json:"updates"`
	// Line is where the block starts in slipway.yaml.
	Line int `json:"-"`
}

// Update types.
const (
	UpdateKustomize = "kustomize"
	UpdateHelm      = "helm"
	UpdateManifest  = "manifest"
	UpdateBlueGreen = "blue-green"
	UpdateCanary    = "canary"
)

// Update is one edit of the deploy repository.
type Update struct {
	// Type is kustomize, helm, manifest, blue-green or canary.
	Type string `json:"type"`
	// File is the file edited, relative to Deploy.Path (kustomize:
	// kustomization.yaml by default; manifest: every YAML file under the
	// path when empty).
	File string `json:"file,omitempty"`
	// Image is the images[].name of the kustomization (kustomize).
	Image string `json:"image,omitempty"`
	// Container is the name of the container whose image is set (manifest).
	Container string `json:"container,omitempty"`
	// Key is the key path of the digest or image (helm, canary; blue-green:
	// with {slot} where the slot's name goes, default {slot}.image.digest).
	Key string `json:"key,omitempty"`
	// NewName is the image repository to write too; empty keeps the one
	// in the file.
	NewName string `json:"newName,omitempty"`
	// RepositoryKey is the key path NewName is written to (helm).
	RepositoryKey string `json:"repositoryKey,omitempty"`
	// Active is the key path of the live slot (blue-green, default activeSlot).
	Active string `json:"active,omitempty"`
	// Slots are the two slot names (blue-green, default blue and green).
	Slots []string `json:"slots,omitempty"`
	// WeightKey is the key path of the canary's traffic weight; Weight
	// the value written there (canary).
	WeightKey string `json:"weightKey,omitempty"`
	Weight    int    `json:"weight,omitempty"`
	// Line is where the update is written in slipway.yaml.
	Line int `json:"-"`
}

type rawDeploy struct {
	Repo      string      `yaml:"repo"`
	Branch    string      `yaml:"branch"`
	Path      string      `yaml:"path"`
	Mode      string      `yaml:"mode"`
	Provider  string      `yaml:"provider"`
	API       string      `yaml:"api"`
	TokenEnv  string      `yaml:"tokenEnv"`
	SSHKeyEnv string      `yaml:"sshKeyEnv"`
	Updates   []yaml.Node `yaml:"updates"`
}

type rawUpdate struct {
	Type          string   `yaml:"type"`
	File          string   `yaml:"file"`
	Image         string   `yaml:"image"`
	Container     string   `yaml:"container"`
	Key           string   `yaml:"key"`
	NewName       string   `yaml:"newName"`
	RepositoryKey string   `yaml:"repositoryKey"`
	Active        string   `yaml:"active"`
	Slots         []string `yaml:"slots"`
	WeightKey     string   `yaml:"weightKey"`
	Weight        *int     `yaml:"weight"`
}

// parseDeploy validates an environment's deploy block: each mistake is a
// usage error at file:line naming the field and what it wants.
func parseDeploy(file, env string, n *yaml.Node) (*Deploy, error) {
	at := func(line int, field, want string) error {
		return fault.Usagef("%s:%d: environment %q: %s: %s", file, line, env, strings.TrimSuffix("deploy."+field, "."), want)
	}
	var raw rawDeploy
	if err := decodeStrict(n, &raw); err != nil {
		return nil, at(n.Line, "", err.Error()+" (deploy takes repo, branch, path, mode, provider, api, tokenEnv, sshKeyEnv, updates)")
	}
	d := &Deploy{Repo: raw.Repo, Branch: raw.Branch, Path: raw.Path, Mode: raw.Mode, Provider: raw.Provider, API: raw.API,
		TokenEnv: raw.TokenEnv, SSHKeyEnv: raw.SSHKeyEnv, Line: n.Line}
	if d.Repo == "" {
		return nil, at(n.Line, "repo", "required: the URL of the GitOps repository (https://…, ssh://…, git@host:path or file://…)")
	}
	if !validRepoURL(d.Repo) {
		return nil, at(n.Line, "repo", d.Repo+" is not a git URL: want https://…, ssh://…, git@host:path or file://…")
	}
	if d.Branch == "" {
		d.Branch = "main"
	}
	if strings.ContainsAny(d.Branch, " ~^:?*[\\") || strings.HasPrefix(d.Branch, "-") {
		return nil, at(n.Line, "branch", d.Branch+" is not a branch name")
	}
	if d.Path != "" && (path.IsAbs(d.Path) || strings.HasPrefix(path.Clean(d.Path), "..")) {
		return nil, at(n.Line, "path", d.Path+": want a folder inside the repository (relative, no ..)")
	}
	switch d.Mode {
	case "":
		d.Mode = DeployCommit
	case DeployCommit, DeployPullRequest:
	default:
		return nil, at(n.Line, "mode", d.Mode+": want commit or pull-request")
	}
	switch d.Provider {
	case "", "github", "gitlab":
	default:
		return nil, at(n.Line, "provider", d.Provider+": want github or gitlab")
	}
	if d.API != "" {
		if u, err := url.Parse(d.API); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, at(n.Line, "api", d.API+": want an http(s) URL")
		}
	}
	d.TokenEnv, d.SSHKeyEnv = cmpOr(d.TokenEnv, EnvGitToken), cmpOr(d.SSHKeyEnv, EnvGitSSHKey)
	if len(raw.Updates) == 0 {
		return nil, at(n.Line, "updates", "required: at least one of kustomize, helm, manifest, blue-green, canary")
	}
	// The decoded copy lost the lines: take them from the file's nodes.
	var items []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "updates" {
			items = n.Content[i+1].Content
		}
	}
	for i := range raw.Updates {
		line := n.Line
		if i < len(items) {
			line = items[i].Line
		}
		u, err := parseUpdate(&raw.Updates[i], func(field, want string) error {
			return at(line, "updates["+strconv.Itoa(i)+"]."+field, want)
		})
		if err != nil {
			return nil, err
		}
		d.Updates = append(d.Updates, u)
	}
	return d, nil
}

func parseUpdate(n *yaml.Node, at func(field, want string) error) (Update, error) {
	var r rawUpdate
	if err := decodeStrict(n, &r); err != nil {
		return Update{}, at("", err.Error())
	}
	u := Update{Type: r.Type, File: r.File, Image: r.Image, Container: r.Container, Key: r.Key, NewName: r.NewName,
		RepositoryKey: r.RepositoryKey, Active: r.Active, Slots: r.Slots, WeightKey: r.WeightKey}
	if u.File != "" && (path.IsAbs(u.File) || strings.HasPrefix(path.Clean(u.File), "..")) {
		return Update{}, at("file", u.File+": want a file inside deploy.path (relative, no ..)")
	}
	need := func(field, v, want string) error {
		if v == "" {
			return at(field, "required for "+u.Type+": "+want)
		}
		return nil
	}
	var err error
	switch u.Type {
	case UpdateKustomize:
		u.File = cmpOr(u.File, "kustomization.yaml")
		err = need("image", u.Image, "the images[].name of the kustomization to set")
	case UpdateHelm:
		if err = need("file", u.File, "the values file, e.g. values-staging.yaml"); err == nil {
			err = need("key", u.Key, "the key path of the digest, e.g. image.digest")
		}
		if err == nil && u.RepositoryKey != "" {
			err = need("newName", u.NewName, "the image repository written to repositoryKey")
		}
	case UpdateManifest:
		err = need("container", u.Container, "the name of the container whose image is set")
	case UpdateBlueGreen:
		if err = need("file", u.File, "the values file holding both slots"); err != nil {
			break
		}
		u.Key, u.Active = cmpOr(u.Key, "{slot}.image.digest"), cmpOr(u.Active, "activeSlot")
		if len(u.Slots) == 0 {
			u.Slots = []string{"blue", "green"}
		}
		switch {
		case !strings.Contains(u.Key, "{slot}"):
			err = at("key", u.Key+": want {slot} where the slot's name goes, e.g. {slot}.image.digest")
		case len(u.Slots) != 2 || u.Slots[0] == u.Slots[1] || u.Slots[0] == "" || u.Slots[1] == "":
			err = at("slots", "want two different slot names, e.g. [blue, green]")
		}
	case UpdateCanary:
		if err = need("file", u.File, "the Rollout manifest or values file"); err == nil {
			err = need("key", u.Key, "the key path of the canary's image or digest")
		}
		if err == nil {
			err = need("weightKey", u.WeightKey, "the key path of the canary's traffic weight")
		}
		if err == nil && (r.Weight == nil || *r.Weight < 0 || *r.Weight > 100) {
			err = at("weight", "want the canary's traffic weight, 0 to 100")
		}
		if err == nil {
			u.Weight = *r.Weight
		}
	case "":
		err = at("type", "required: kustomize, helm, manifest, blue-green or canary")
	default:
		err = at("type", u.Type+": want kustomize, helm, manifest, blue-green or canary")
	}
	return u, err
}

// decodeStrict decodes n into v refusing unknown fields.
func decodeStrict(n *yaml.Node, v any) error {
	data, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		msg := err.Error()
		if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
			msg = te.Errors[0]
		}
		msg = yamlLine.ReplaceAllString(msg, "$2")
		return errorString(unknownField.ReplaceAllString(msg, "is not one of its settings"))
	}
	return nil
}

var unknownField = regexp.MustCompile(`not found in type config\.raw\w+`)

type errorString string

func (e errorString) Error() string { return string(e) }

func validRepoURL(s string) bool {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" {
		switch u.Scheme {
		case "https", "http", "ssh", "git":
			return u.Host != ""
		case "file":
			return u.Path != ""
		}
		return false
	}
	// scp-like: user@host:path
	at, colon := strings.Index(s, "@"), strings.Index(s, ":")
	return at > 0 && colon > at+1 && colon < len(s)-1
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
