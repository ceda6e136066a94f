package twitchtest

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// params are the query parameters each endpoint takes (Twitch API reference), with the most
// values a repeated one takes and the range of first.
var params = map[string]struct {
	allowed  map[string]int // name -> how many times it may be given
	required []string
	oneOf    []string // exactly one of these
	firstMax int
}{
	EndpointUsers:    {allowed: map[string]int{"id": 100, "login": 100}},
	EndpointSchedule: {allowed: map[string]int{"broadcaster_id": 1, "id": 100, "start_time": 1, "utc_offset": 1, "first": 1, "after": 1}, required: []string{"broadcaster_id"}, firstMax: 25},
	EndpointStreams:  {allowed: map[string]int{"user_id": 100, "user_login": 100, "game_id": 100, "type": 1, "language": 100, "first": 1, "before": 1, "after": 1}, firstMax: 100},
	EndpointVideos: {allowed: map[string]int{"id": 100, "user_id": 1, "game_id": 1, "language": 1, "period": 1, "sort": 1, "type": 1, "first": 1, "after": 1, "before": 1},
		oneOf: []string{"id", "user_id", "game_id"}, firstMax: 100},
}

var enums = map[string]map[string][]string{
	EndpointStreams: {"type": {"all", "live"}},
	EndpointVideos:  {"type": {"all", "archive", "highlight", "upload"}, "period": {"all", "day", "month", "week"}, "sort": {"time", "trending", "views"}},
}

// check returns what is wrong with a Helix query, "" if nothing.
func check(ep string, q url.Values) string {
	p, ok := params[ep]
	if !ok {
		return ""
	}
	names := make([]string, 0, len(q))
	for n := range q {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		most, ok := p.allowed[n]
		if !ok {
			return "unknown parameter " + n
		}
		if len(q[n]) > most {
			return fmt.Sprintf("%s given %d times (at most %d)", n, len(q[n]), most)
		}
		if vals, ok := enums[ep][n]; ok && !slices.Contains(vals, q.Get(n)) {
			return fmt.Sprintf("%s %q is not one of %s", n, q.Get(n), strings.Join(vals, ", "))
		}
	}
	for _, n := range p.required {
		if q.Get(n) == "" {
			return "missing required parameter " + n
		}
	}
	if len(p.oneOf) > 0 {
		given := 0
		for _, n := range p.oneOf {
			if q.Has(n) {
				given++
			}
		}
		if given != 1 {
			return "specify exactly one of " + strings.Join(p.oneOf, ", ")
		}
	}
	if ep == EndpointUsers && len(q["id"])+len(q["login"]) > 100 {
		return "more than 100 ids and logins"
	}
	if ep == EndpointVideos && q.Has("id") && (q.Has("type") || q.Has("period") || q.Has("sort") || q.Has("first")) {
		return "type, period, sort and first go with user_id or game_id, not id"
	}
	if v := q.Get("first"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > p.firstMax {
			return fmt.Sprintf("first %q is not between 1 and %d", v, p.firstMax)
		}
	}
	if v := q.Get("start_time"); v != "" {
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			return "start_time is not RFC 3339"
		}
	}
	return ""
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// page cuts items at the cursor after and returns the next cursor ("" at the end). A cursor
// is opaque to clients; here it is the offset.
func page[T any](items []T, q url.Values, def int) ([]T, string, bool) {
	first := def
	if v := q.Get("first"); v != "" {
		first, _ = strconv.Atoi(v)
	}
	off := 0
	if c := q.Get("after"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil {
			return nil, "", false
		}
		if off, err = strconv.Atoi(strings.TrimPrefix(string(b), `{"b":{"Cursor":"`)); err != nil || off < 0 {
			return nil, "", false
		}
	}
	off = min(off, len(items))
	end := min(off+first, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(`{"b":{"Cursor":"` + strconv.Itoa(end)))
	}
	return items[off:end], next, true
}

func pagination(next string) map[string]any {
	if next == "" {
		return map[string]any{}
	}
	return map[string]any{"cursor": next}
}

func (s *Server) users(w http.ResponseWriter, q url.Values) {
	s.mu.Lock()
	u := s.User
	s.mu.Unlock()
	data := []any{}
	if slices.ContainsFunc(q["login"], func(l string) bool { return strings.EqualFold(l, u.Login) }) || slices.Contains(q["id"], u.ID) {
		data = append(data, map[string]any{"id": u.ID, "login": u.Login, "display_name": u.DisplayName, "type": "",
			"broadcaster_type": "affiliate", "description": "", "profile_image_url": "https://static-cdn.jtvnw.net/jtv_user_pictures/" + u.Login + "-profile_image-300x300.png",
			"offline_image_url": "https://static-cdn.jtvnw.net/jtv_user_pictures/" + u.Login + "-channel_offline_image-1920x1080.png",
			"view_count":        0, "created_at": "2016-12-14T20:32:28Z"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

func (s *Server) schedule(w http.ResponseWriter, q url.Values, now time.Time) {
	s.mu.Lock()
	u := s.User
	if q.Get("broadcaster_id") != u.ID {
		s.mu.Unlock()
		helixError(w, http.StatusNotFound, "schedule was not found")
		return
	}
	from := now
	if v := q.Get("start_time"); v != "" {
		from, _ = time.Parse(time.RFC3339, v)
	}
	type seg struct {
		g *Segment
		v segmentView
	}
	var list []seg
	for _, g := range s.segments {
		v := g.at(now)
		if v.gone {
			continue
		}
		if v.start.Before(from) || q.Has("id") && !slices.Contains(q["id"], g.ID) {
			continue
		}
		list = append(list, seg{g, v})
	}
	s.mu.Unlock()
	if len(list) == 0 {
		helixError(w, http.StatusNotFound, "segments were either all deleted or not found")
		return
	}
	slices.SortStableFunc(list, func(a, b seg) int { return a.v.start.Compare(b.v.start) })
	list, next, ok := page(list, q, 20)
	if !ok {
		helixError(w, http.StatusBadRequest, "invalid cursor")
		return
	}
	segments := make([]any, 0, len(list))
	for _, sg := range list {
		m := map[string]any{"id": sg.g.ID, "start_time": stamp(sg.v.start), "end_time": nil, "title": sg.v.title,
			"canceled_until": nil, "category": nil, "is_recurring": sg.g.Recurring}
		if !sg.v.end.IsZero() {
			m["end_time"] = stamp(sg.v.end)
		}
		if sg.v.canceled {
			until := sg.v.end
			if until.IsZero() {
				until = sg.v.start.Add(time.Hour)
			}
			m["canceled_until"] = stamp(until)
		}
		if sg.g.Category != "" {
			m["category"] = map[string]any{"id": "509670", "name": sg.g.Category}
		}
		segments = append(segments, m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"segments": segments, "broadcaster_id": u.ID,
		"broadcaster_name": u.DisplayName, "broadcaster_login": u.Login, "vacation": nil}, "pagination": pagination(next)})
}

func (s *Server) liveStreams(w http.ResponseWriter, q url.Values, now time.Time) {
	s.mu.Lock()
	u := s.User
	var data []any
	if slices.Contains(q["user_id"], u.ID) || slices.ContainsFunc(q["user_login"], func(l string) bool { return strings.EqualFold(l, u.Login) }) {
		for _, st := range s.streams {
			if !st.live(now) {
				continue
			}
			viewers := 0
			if st.Viewers != nil {
				viewers = st.Viewers(now)
			}
			data = append(data, map[string]any{"id": st.ID, "user_id": u.ID, "user_login": u.Login, "user_name": u.DisplayName,
				"game_id": "509670", "game_name": "Science & Technology", "type": "live", "title": st.Title, "tags": []string{"English"},
				"viewer_count": viewers, "started_at": stamp(st.Start), "language": "en",
				"thumbnail_url": "https://static-cdn.jtvnw.net/previews-ttv/live_user_" + u.Login + "-{width}x{height}.jpg",
				"tag_ids":       []string{}, "is_mature": false})
			break // a channel has one stream at a time
		}
	}
	s.mu.Unlock()
	if data == nil {
		data = []any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "pagination": map[string]any{}})
}

// duration writes d as Twitch does: "3h8m33s".
func duration(d time.Duration) string {
	d = d.Truncate(time.Second)
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%dm%ds", h, m, sec)
	case m > 0:
		return fmt.Sprintf("%dm%ds", m, sec)
	}
	return fmt.Sprintf("%ds", sec)
}

func (s *Server) videos(w http.ResponseWriter, q url.Values, now time.Time) {
	s.mu.Lock()
	u := s.User
	var list []*Stream
	for _, st := range s.streams {
		if !st.archived(now) {
			continue
		}
		switch {
		case q.Has("id") && slices.Contains(q["id"], st.VideoID):
		case q.Get("user_id") == u.ID && (q.Get("type") == "" || q.Get("type") == "all" || q.Get("type") == "archive"):
		default:
			continue
		}
		list = append(list, st)
	}
	slices.SortFunc(list, func(a, b *Stream) int { return b.Start.Compare(a.Start) }) // newest first
	data := []any{}
	list, next, ok := page(list, q, 20)
	for _, st := range list {
		end := now
		if !st.End.IsZero() && st.End.Before(now) {
			end = st.End
		}
		views := int64(0)
		if st.Views != nil {
			views = st.Views(now)
		}
		data = append(data, map[string]any{"id": st.VideoID, "stream_id": st.ID, "user_id": u.ID, "user_login": u.Login,
			"user_name": u.DisplayName, "title": st.Title, "description": "", "created_at": stamp(st.Start), "published_at": stamp(st.Start),
			"url": "https://www.twitch.tv/videos/" + st.VideoID, "thumbnail_url": "", "viewable": "public", "view_count": views,
			"language": "en", "type": "archive", "duration": duration(end.Sub(st.Start)), "muted_segments": nil})
	}
	s.mu.Unlock()
	if !ok {
		helixError(w, http.StatusBadRequest, "invalid cursor")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "pagination": pagination(next)})
}

// segmentID makes an id the way Twitch's look: base64 of the segment's UUID and ISO week.
func segmentID() string {
	b := make([]byte, 16)
	rand.Read(b)
	uuid := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
	return base64.StdEncoding.EncodeToString([]byte(`{"segmentID":"` + uuid + `","isoYear":2026,"isoWeek":49}`))
}
