package youtubetest

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

func parts(q url.Values) map[string]bool {
	out := map[string]bool{}
	for _, v := range q["part"] {
		for _, p := range strings.Split(v, ",") {
			out[strings.TrimSpace(p)] = true
		}
	}
	return out
}

func ids(q url.Values) []string {
	var out []string
	for _, v := range q["id"] {
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" {
				out = append(out, id)
			}
		}
	}
	return out
}

func thumbnails(b *Broadcast) map[string]any {
	if b.NoThumbnail {
		return nil
	}
	base := "https://i.ytimg.com/vi/" + b.ID + "/"
	th := map[string]any{
		"default": map[string]any{"url": base + "default_live.jpg", "width": 120, "height": 90},
		"medium":  map[string]any{"url": base + "mqdefault_live.jpg", "width": 320, "height": 180},
		"high":    map[string]any{"url": base + "hqdefault_live.jpg", "width": 480, "height": 360},
	}
	if b.MaxRes {
		th["standard"] = map[string]any{"url": base + "sddefault_live.jpg", "width": 640, "height": 480}
		th["maxres"] = map[string]any{"url": base + "maxresdefault_live.jpg", "width": 1280, "height": 720}
	}
	return th
}

func etag(s string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(s))[:min(27, len(s)+1)]
}

func (s *Server) broadcastJSON(b *Broadcast, m moment, want map[string]bool) map[string]any {
	item := map[string]any{"kind": "youtube#liveBroadcast", "etag": etag(b.ID + m.life), "id": b.ID}
	if want["snippet"] {
		sn := map[string]any{"publishedAt": rfc3339(b.ScheduledStart.Add(-7 * 24 * time.Hour)), "channelId": s.Channel.ID,
			"title": m.title, "description": m.description, "scheduledStartTime": rfc3339(m.scheduledStart),
			"isDefaultBroadcast": false, "liveChatId": "KicKGFVD" + b.ID}
		if th := thumbnails(b); th != nil {
			sn["thumbnails"] = th
		}
		for k, t := range map[string]time.Time{"scheduledEndTime": m.scheduledEnd, "actualStartTime": m.actualStart, "actualEndTime": m.actualEnd} {
			if !t.IsZero() {
				sn[k] = rfc3339(t)
			}
		}
		item["snippet"] = sn
	}
	if want["status"] {
		privacy := b.Privacy
		if privacy == "" {
			privacy = "public"
		}
		item["status"] = map[string]any{"lifeCycleStatus": m.life, "privacyStatus": privacy, "recordingStatus": m.recording,
			"madeForKids": false, "selfDeclaredMadeForKids": false}
	}
	if want["contentDetails"] {
		item["contentDetails"] = map[string]any{"boundStreamId": "x5Mkq2E0dbdWpT7uQvGzA" + b.ID[:3], "enableDvr": true,
			"enableEmbed": true, "recordFromStart": true, "enableAutoStart": false, "enableAutoStop": false,
			"latencyPreference": "normal", "projection": "rectangular",
			"monitorStream": map[string]any{"enableMonitorStream": true, "broadcastStreamDelayMs": 0}}
	}
	if want["statistics"] && m.life == "live" {
		item["statistics"] = map[string]any{"totalChatCount": "0"}
	}
	return item
}

// inStatus reports whether a broadcast in lifeCycleStatus life matches broadcastStatus.
// "upcoming" is what has not started for viewers (created, ready, and test streams), "active"
// what is live, "completed" what ended.
func inStatus(life, status string) bool {
	switch status {
	case "upcoming":
		return life == "created" || life == "ready" || life == "testStarting" || life == "testing"
	case "active":
		return life == "liveStarting" || life == "live"
	case "completed":
		return life == "complete"
	case "all":
		return life != "revoked"
	}
	return false
}

func pageToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("CAUQ" + strconv.Itoa(offset)))
}

func pageOffset(tok string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "CAUQ"))
	return n, err == nil && n >= 0
}

func (s *Server) liveBroadcasts(w http.ResponseWriter, q url.Values, now time.Time) {
	want := parts(q)
	s.mu.Lock()
	type pair struct {
		b *Broadcast
		m moment
	}
	var list []pair
	if wantIDs := ids(q); len(wantIDs) > 0 {
		for _, id := range wantIDs {
			if b, ok := s.broadcasts[id]; ok {
				if m := b.at(now); !m.gone {
					list = append(list, pair{b, m})
				}
			}
		}
	} else {
		status := q.Get("broadcastStatus")
		for _, b := range s.broadcasts {
			m := b.at(now)
			if m.gone || status != "" && !inStatus(m.life, status) {
				continue
			}
			list = append(list, pair{b, m})
		}
		slices.SortFunc(list, func(a, b pair) int {
			if c := a.m.scheduledStart.Compare(b.m.scheduledStart); c != 0 {
				return c
			}
			return strings.Compare(a.b.ID, b.b.ID)
		})
	}
	s.mu.Unlock()

	total := len(list)
	per := 5
	if v := q.Get("maxResults"); v != "" {
		per, _ = strconv.Atoi(v)
	}
	resp := map[string]any{"kind": "youtube#liveBroadcastListResponse", "etag": etag(strconv.Itoa(total))}
	if !q.Has("id") {
		off := 0
		if tok := q.Get("pageToken"); tok != "" {
			var ok bool
			if off, ok = pageOffset(tok); !ok {
				googleError(w, http.StatusBadRequest, "invalidPageToken", "youtube.parameter", "The request specifies an invalid page token.")
				return
			}
		}
		end := min(off+per, total)
		if off > total {
			off = total
		}
		if end < total {
			resp["nextPageToken"] = pageToken(end)
		}
		if off > 0 {
			resp["prevPageToken"] = pageToken(max(0, off-per))
		}
		list = list[off:end]
	}
	items := make([]any, 0, len(list))
	for _, p := range list {
		items = append(items, s.broadcastJSON(p.b, p.m, want))
	}
	resp["pageInfo"] = map[string]any{"totalResults": total, "resultsPerPage": per}
	resp["items"] = items
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) videos(w http.ResponseWriter, q url.Values, now time.Time) {
	want := parts(q)
	var items []any
	s.mu.Lock()
	for _, id := range ids(q) {
		b, ok := s.broadcasts[id]
		if !ok {
			continue
		}
		m := b.at(now)
		if m.gone || m.life == "revoked" {
			continue
		}
		item := map[string]any{"kind": "youtube#video", "etag": etag(id + "v"), "id": id}
		if want["snippet"] {
			item["snippet"] = map[string]any{"title": m.title, "description": m.description, "channelId": s.Channel.ID,
				"channelTitle": s.Channel.Title, "liveBroadcastContent": map[string]string{"live": "live", "complete": "none"}[m.life]}
		}
		if want["liveStreamingDetails"] {
			d := map[string]any{"scheduledStartTime": rfc3339(m.scheduledStart)}
			if !m.scheduledEnd.IsZero() {
				d["scheduledEndTime"] = rfc3339(m.scheduledEnd)
			}
			if !m.actualStart.IsZero() {
				d["actualStartTime"] = rfc3339(m.actualStart)
			}
			if !m.actualEnd.IsZero() {
				d["actualEndTime"] = rfc3339(m.actualEnd)
			}
			if m.life == "live" {
				d["activeLiveChatId"] = "KicKGFVD" + id
				if !b.HideViewers {
					d["concurrentViewers"] = strconv.Itoa(m.viewers)
				}
			}
			item["liveStreamingDetails"] = d
		}
		if want["statistics"] {
			item["statistics"] = map[string]any{"viewCount": strconv.FormatInt(m.views, 10), "likeCount": "0",
				"favoriteCount": "0", "commentCount": "0"}
		}
		items = append(items, item)
	}
	s.mu.Unlock()
	if items == nil {
		items = []any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"kind": "youtube#videoListResponse", "etag": etag("videos"),
		"items": items, "pageInfo": map[string]any{"totalResults": len(items), "resultsPerPage": len(items)}})
}

func (s *Server) channels(w http.ResponseWriter, q url.Values) {
	want := parts(q)
	s.mu.Lock()
	ch := s.Channel
	s.mu.Unlock()
	item := map[string]any{"kind": "youtube#channel", "etag": etag(ch.ID), "id": ch.ID}
	if want["snippet"] {
		item["snippet"] = map[string]any{"title": ch.Title, "description": "", "customUrl": "@" + strings.ToLower(strings.ReplaceAll(ch.Title, " ", "")),
			"publishedAt": "2019-03-14T09:00:00Z"}
	}
	items := []any{item}
	if q.Get("mine") != "true" {
		items = []any{}
		for _, id := range ids(q) {
			if id == ch.ID {
				items = []any{item}
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"kind": "youtube#channelListResponse", "etag": etag("channels"),
		"pageInfo": map[string]any{"totalResults": len(items), "resultsPerPage": 5}, "items": items})
}

// reports answers reports.query for filters=video==ID with dimensions liveOrOnDemand (or none)
// and the metrics views, estimatedMinutesWatched, averageViewDuration.
func (s *Server) reports(w http.ResponseWriter, q url.Values, now time.Time) {
	id, _ := strings.CutPrefix(q.Get("filters"), "video==")
	metrics := strings.Split(q.Get("metrics"), ",")
	known := []string{"views", "estimatedMinutesWatched", "averageViewDuration"}
	for _, m := range metrics {
		if !slices.Contains(known, m) {
			googleError(w, http.StatusBadRequest, "badRequest", "global", "Unknown identifier ("+m+") given in field parameters.metrics.")
			return
		}
	}
	dims := q.Get("dimensions")
	if dims != "" && dims != "liveOrOnDemand" {
		googleError(w, http.StatusBadRequest, "badRequest", "global", "The query is not supported.")
		return
	}
	if ids := q.Get("ids"); ids != "channel==MINE" && ids != "channel=="+s.Channel.ID {
		googleError(w, http.StatusForbidden, "forbidden", "global", "Forbidden")
		return
	}
	headers := []any{}
	if dims != "" {
		headers = append(headers, map[string]any{"name": "liveOrOnDemand", "columnType": "DIMENSION", "dataType": "STRING"})
	}
	for _, m := range metrics {
		headers = append(headers, map[string]any{"name": m, "columnType": "METRIC", "dataType": "INTEGER"})
	}
	s.mu.Lock()
	a, ok := s.analytics[id]
	s.mu.Unlock()
	rows := []any{}
	if ok && on(a.AvailableAt, now) {
		row := func(kind string, views, minutes, avg int64) []any {
			var r []any
			if dims != "" {
				r = append(r, kind)
			}
			for _, m := range metrics {
				r = append(r, map[string]int64{"views": views, "estimatedMinutesWatched": minutes, "averageViewDuration": avg}[m])
			}
			return r
		}
		if dims == "" {
			views := a.LiveViews + a.ReplayViews
			avg := int64(0)
			if views > 0 {
				avg = (a.LiveViews*a.LiveAverageSeconds + a.ReplayViews*a.ReplayAverageSeconds) / views
			}
			rows = append(rows, row("", views, a.LiveMinutes+a.ReplayMinutes, avg))
		} else {
			if a.LiveViews > 0 {
				rows = append(rows, row("LIVE", a.LiveViews, a.LiveMinutes, a.LiveAverageSeconds))
			}
			if a.ReplayViews > 0 {
				rows = append(rows, row("ON_DEMAND", a.ReplayViews, a.ReplayMinutes, a.ReplayAverageSeconds))
			}
		}
	}
	resp := map[string]any{"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers}
	if len(rows) > 0 {
		resp["rows"] = rows
	}
	writeJSON(w, http.StatusOK, resp)
}
