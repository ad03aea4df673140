package attest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slipwayhq/slipway/internal/ci"
	"github.com/slipwayhq/slipway/internal/fault"
)

// The CI systems' OIDC token sources keyless signing reads.
const (
	// EnvIDToken holds a ready OIDC token: GitLab CI's `id_tokens:` block
	// names it, and cosign reads the same variable.
	EnvIDToken = "SIGSTORE_ID_TOKEN"
	// EnvActionsTokenURL and EnvActionsToken are set on GitHub Actions for
	// jobs with `permissions: id-token: write`.
	EnvActionsTokenURL = "ACTIONS_ID_TOKEN_REQUEST_URL"
	EnvActionsToken    = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
	// SigstoreAudience is the audience Fulcio accepts.
	SigstoreAudience = "sigstore"
)

// maxTokenResponse bounds what is read from the Actions token endpoint.
const maxTokenResponse = 1 << 20

// IDToken finds the OIDC identity token keyless signing exchanges for a
// Fulcio certificate: SIGSTORE_ID_TOKEN when set (GitLab CI, or any CI
// that provides one), else, on GitHub Actions, one requested from the job's
// token endpoint with audience sigstore. source says where it came from,
// for messages. No error ever contains a token, the request token or the
// endpoint's answer.
func IDToken(ctx context.Context, getenv func(string) string, client *http.Client) (token, source string, err error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if t := strings.TrimSpace(getenv(EnvIDToken)); t != "" {
		return t, EnvIDToken, nil
	}
	u, bearer := getenv(EnvActionsTokenURL), getenv(EnvActionsToken)
	switch {
	case u != "" && bearer != "":
		t, err := actionsToken(ctx, u, bearer, client)
		return t, "the GitHub Actions OIDC token endpoint", err
	case u != "" || bearer != "":
		return "", "", fault.Usagef("--keyless: only one of %s and %s is set; GitHub Actions sets both for a job with `permissions: id-token: write`", EnvActionsTokenURL, EnvActionsToken)
	}
	switch ci.Detect(getenv) {
	case ci.GitHub:
		return "", "", fault.Usagef("--keyless on GitHub Actions needs the job's OIDC token: give the job `permissions: id-token: write` (%s is not set)", EnvActionsTokenURL)
	case ci.GitLab:
		return "", "", fault.Usagef("--keyless on GitLab CI needs an OIDC token in %s: add `id_tokens: {%s: {aud: sigstore}}` to the job", EnvIDToken, EnvIDToken)
	}
	return "", "", fault.Usagef("--keyless needs an OIDC identity token, and none was found: set %s, or run on GitHub Actions with `permissions: id-token: write`, or on GitLab CI with `id_tokens: {%s: {aud: sigstore}}`", EnvIDToken, EnvIDToken)
}

// actionsToken asks the GitHub Actions token endpoint for a token with
// audience sigstore.
func actionsToken(ctx context.Context, endpoint, bearer string, client *http.Client) (string, error) {
	const where = "the GitHub Actions OIDC token endpoint (" + EnvActionsTokenURL + ")"
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fault.Usagef("%s is not an http(s) URL", EnvActionsTokenURL)
	}
	q := u.Query()
	q.Set("audience", SigstoreAudience)
	u.RawQuery = q.Encode()
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fault.Runtimef("requesting a token from %s: %v", where, redactURL(err))
	}
	req.Header.Set("Authorization", "bearer "+bearer)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", fault.Runtimef("requesting a token from %s: %v", where, redactURL(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse))
	if err != nil {
		return "", fault.Runtimef("reading the token from %s: %v", where, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fault.Runtimef("%s answered %s: is `permissions: id-token: write` set on the job?", where, resp.Status)
	}
	var tok struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.Value == "" {
		return "", fault.Runtimef("%s answered %d bytes that hold no token (want JSON with a \"value\")", where, len(body))
	}
	return tok.Value, nil
}

// redactURL drops the URL from a transport error: the endpoint's query may
// carry job secrets.
func redactURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
