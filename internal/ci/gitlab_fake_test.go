package ci

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// fakeNotes implements GitLab's merge-request notes API (list with offset
// pagination, create, update) for one project and merge request, and
// accepts one PRIVATE-TOKEN. Like GitLab, it refuses a JOB-TOKEN on every
// notes endpoint, whatever its value: CI_JOB_TOKEN may not write notes.
type fakeNotes struct {
	project, mr string
	token       string
	maxPerPage  int  // GitLab caps per_page; a small cap forces several pages
	omitLink    bool // answer with X-Next-Page only, as some proxies leave it

	mu       sync.Mutex
	notes    []fakeNote
	nextID   int64
	requests []string // "GET page=2", "POST", "PUT 3": the requests served
	calls    int      // every request, refused or served
}

type fakeNote struct {
	ID     int64  `json:"id"`
	Body   string `json:"body"`
	System bool   `json:"system"`
}

func newFakeNotes(t *testing.T, token string) (*fakeNotes, *httptest.Server) {
	f := &fakeNotes{project: "42", mr: "7", token: token, maxPerPage: 2, nextID: 100}
	mux := http.NewServeMux()
	base := "/api/v4/projects/{project}/merge_requests/{mr}/notes"
	mux.HandleFunc("GET "+base, f.guard(f.list))
	mux.HandleFunc("POST "+base, f.guard(f.create))
	mux.HandleFunc("PUT "+base+"/{note}", f.guard(f.update))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, srv
}

// seed adds notes as if others had written them.
func (f *fakeNotes) seed(notes ...fakeNote) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range notes {
		f.nextID++
		n.ID = f.nextID
		f.notes = append(f.notes, n)
	}
}

func (f *fakeNotes) snapshot() []fakeNote {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.notes)
}

// guard answers as GitLab does to a job token, a wrong token or another
// merge request.
func (f *fakeNotes) guard(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.calls++
		f.mu.Unlock()
		if r.Header.Get("JOB-TOKEN") != "" || r.Header.Get("PRIVATE-TOKEN") != f.token {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "401 Unauthorized"})
			return
		}
		if r.PathValue("project") != f.project || r.PathValue("mr") != f.mr {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Project Not Found"})
			return
		}
		next(w, r)
	}
}

func (f *fakeNotes) list(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	if perPage <= 0 || perPage > f.maxPerPage {
		perPage = f.maxPerPage
	}
	f.requests = append(f.requests, fmt.Sprintf("GET page=%d", page))

	notes := slices.Clone(f.notes) // oldest first, as sort=asc asks
	if q.Get("sort") != "asc" {
		slices.Reverse(notes)
	}
	total := len(notes)
	pages := max((total+perPage-1)/perPage, 1)
	from, to := min((page-1)*perPage, total), min(page*perPage, total)

	h := w.Header()
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(perPage))
	h.Set("X-Total", strconv.Itoa(total))
	h.Set("X-Total-Pages", strconv.Itoa(pages))
	if page > 1 {
		h.Set("X-Prev-Page", strconv.Itoa(page-1))
	}
	if page < pages {
		h.Set("X-Next-Page", strconv.Itoa(page+1))
	}
	if page < pages && !f.omitLink {
		next := *r.URL
		nq := next.Query()
		nq.Set("page", strconv.Itoa(page+1))
		next.RawQuery = nq.Encode()
		h.Set("Link", fmt.Sprintf(`<http://%s%s>; rel="next"`, r.Host, next.String()))
	}
	writeJSON(w, http.StatusOK, notes[from:to])
}

func (f *fakeNotes) create(w http.ResponseWriter, r *http.Request) {
	var in struct{ Body string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Body == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "body is missing"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, "POST")
	f.nextID++
	n := fakeNote{ID: f.nextID, Body: in.Body}
	f.notes = append(f.notes, n)
	writeJSON(w, http.StatusCreated, n)
}

func (f *fakeNotes) update(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("note"), 10, 64)
	var in struct{ Body string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Body == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "body is missing"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, "PUT "+r.PathValue("note"))
	for i := range f.notes {
		if f.notes[i].ID == id && !f.notes[i].System {
			f.notes[i].Body = in.Body
			writeJSON(w, http.StatusOK, f.notes[i])
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "404 Not found"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// gitlabEnv is a merge-request pipeline's environment against srv.
func gitlabEnv(srvURL string, extra ...string) map[string]string {
	m := map[string]string{
		"GITLAB_CI":            "true",
		"CI_API_V4_URL":        srvURL + "/api/v4",
		"CI_PROJECT_ID":        "42",
		"CI_MERGE_REQUEST_IID": "7",
	}
	for i := 0; i < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}
