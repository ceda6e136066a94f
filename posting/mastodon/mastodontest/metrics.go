package mastodontest

import (
	"math"
	"net/http"
	"slices"
	"time"
)

// RouteStatus is GET /api/v1/statuses/:id: one status, with its counts.
const RouteStatus = "GET /api/v1/statuses/{id}"

// Counts are a status's favourites, boosts and replies.
type Counts struct{ Favourites, Reblogs, Replies int }

// Growth is the fake's default engagement of a status at an age on the server's clock: counts
// that grow fast in the first hours, then slowly, different for each status.
func Growth(id string, age time.Duration) Counts {
	var seed uint64
	for _, c := range id {
		seed = seed*31 + uint64(c)
	}
	appeal := 0.5 + float64(seed%1000)/1000
	h := max(age.Hours(), 0)
	g := appeal * ((1 - math.Exp(-h/3)) + 0.25*math.Log1p(h/24))
	n := func(scale float64) int { return int(math.Round(scale * g)) }
	return Counts{Favourites: n(35), Reblogs: n(11), Replies: n(7)}
}

// SetMetrics replaces Growth (for tests that want given counts).
func (s *Server) SetMetrics(f func(id string, age time.Duration) Counts) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.metrics = f
}

// DeleteStatus removes a status, as its author deleting it would.
func (s *Server) DeleteStatus(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.statuses[id]; ok {
		if a := s.accounts[st.Account]; a != nil {
			a.statuses = slices.DeleteFunc(a.statuses, func(x *Status) bool { return x.ID == id })
		}
	}
	delete(s.statuses, id)
}

// showStatus is GET /api/v1/statuses/:id: a public or unlisted status to anyone, a private one
// to its author only (404 otherwise, as Mastodon hides it), with its counts at this moment.
func (s *Server) showStatus(w http.ResponseWriter, r *http.Request, c caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.statuses[r.PathValue("id")]
	if !ok || st.Visibility == "private" && (c.account == nil || c.account.Username != st.Account) {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	grow := s.metrics
	if grow == nil {
		grow = Growth
	}
	n := grow(st.ID, s.now().Sub(st.CreatedAt))
	out := s.statusJSONLocked(st)
	out.FavouritesCount, out.ReblogsCount, out.RepliesCount = n.Favourites, n.Reblogs, n.Replies
	writeJSON(w, http.StatusOK, out)
}
