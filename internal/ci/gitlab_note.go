package ci

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/slipwayhq/slipway/internal/fault"
)

// Summary creates or updates the merge request's note for the model: the
// first note whose body holds marker is edited in place, so a merge request
// carries one note per model however often its pipeline runs.
//
// It needs CI_MERGE_REQUEST_IID (a merge-request pipeline) and a project or
// group access token (api scope, Reporter role or above) in
// SLIPWAY_GITLAB_TOKEN or GITLAB_TOKEN. CI_JOB_TOKEN is never used here:
// GitLab accepts it on a short list of endpoints (packages, releases,
// pipelines...) and refuses it for notes, so trying it only turns every
// merge-request pipeline without a token into a 401. Without a token it does
// nothing and says so in one line.
func (g *gitlabPublisher) Summary(ctx context.Context, modelName, marker, markdown string) error {
	if marker == "" {
		return fault.Usagef("merge-request note for %s: empty marker", modelName)
	}
	iid := g.o.getenv("CI_MERGE_REQUEST_IID")
	api := g.api()
	switch {
	case iid == "":
		g.debugf("not a merge-request pipeline (CI_MERGE_REQUEST_IID unset): no note for %s", modelName)
		return nil
	case api.Token == "":
		g.debugf("no project token (SLIPWAY_GITLAB_TOKEN or GITLAB_TOKEN; CI_JOB_TOKEN may not write notes): no merge-request note for %s", modelName)
		return nil
	}
	mr, err := strconv.ParseInt(iid, 10, 64)
	if err != nil {
		return fault.Usagef("CI_MERGE_REQUEST_IID %q is not a number", iid)
	}
	project := cmp.Or(g.o.getenv("CI_PROJECT_ID"), g.o.getenv("CI_PROJECT_PATH"))
	if project == "" {
		return fault.Runtimef("merge-request note for %s: CI_PROJECT_ID is not set", modelName)
	}
	client, err := api.Client()
	if err != nil {
		return err
	}

	body := markdown
	if !strings.Contains(body, marker) {
		body = marker + "\n" + body
	}
	note, err := findNote(ctx, client, project, mr, marker)
	if err != nil {
		return api.Error(ctx, err, authHint(api), "listing notes of merge request !%d", mr)
	}
	if note == nil {
		_, _, err = client.Notes.CreateMergeRequestNote(project, mr,
			&gitlab.CreateMergeRequestNoteOptions{Body: &body},
			gitlab.WithContext(ctx), gitlab.WithRequestRetry(retryUnprocessed))
		if err != nil {
			return api.Error(ctx, err, authHint(api), "creating the note for %s on merge request !%d", modelName, mr)
		}
		return nil
	}
	if note.Body == body {
		return nil // an edit would only mark the note "edited"
	}
	_, _, err = client.Notes.UpdateMergeRequestNote(project, mr, note.ID,
		&gitlab.UpdateMergeRequestNoteOptions{Body: &body}, gitlab.WithContext(ctx))
	if err != nil {
		return api.Error(ctx, err, authHint(api), "updating note %d for %s on merge request !%d", note.ID, modelName, mr)
	}
	return nil
}

// findNote walks every page of the merge request's notes, oldest first, for
// the first user note holding marker; nil when there is none.
func findNote(ctx context.Context, client *gitlab.Client, project string, mr int64, marker string) (*gitlab.Note, error) {
	opt := &gitlab.ListMergeRequestNotesOptions{
		ListOptions: gitlab.ListOptions{PerPage: 100},
		OrderBy:     gitlab.Ptr("created_at"),
		Sort:        gitlab.Ptr("asc"),
	}
	for note, err := range gitlab.Scan2(func(page gitlab.PaginationOptionFunc) ([]*gitlab.Note, *gitlab.Response, error) {
		return client.Notes.ListMergeRequestNotes(project, mr, opt, page, gitlab.WithContext(ctx))
	}) {
		if err != nil {
			return nil, err
		}
		if !note.System && strings.Contains(note.Body, marker) {
			return note, nil
		}
	}
	return nil, nil
}

// retryUnprocessed retries a create only when GitLab cannot have acted on
// it (rate limited): retrying after a 5xx could post a second note.
func retryUnprocessed(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	return err == nil && resp.StatusCode == http.StatusTooManyRequests, nil
}

// api is the GitLab API as the job's environment and the options give it,
// with a project token only: never CI_JOB_TOKEN (see Summary).
func (g *gitlabPublisher) api() GitLabAPI {
	a := GitLabAPIFromEnv(g.o.getenv)
	if a.JobToken {
		a.Token, a.JobToken = "", false
	}
	if g.o.gitlabURL != "" {
		a.BaseURL = g.o.gitlabURL
	}
	if g.o.gitlabToken != "" {
		a.Token, a.JobToken = g.o.gitlabToken, false
	}
	a.HTTPClient = g.o.httpClient
	a.Log = slog.New(slog.NewTextHandler(g.o.w, nil))
	return a
}

// authHint says what a refused token lacks for merge-request notes.
func authHint(GitLabAPI) string {
	return "the token needs the api scope and at least the Reporter role"
}
