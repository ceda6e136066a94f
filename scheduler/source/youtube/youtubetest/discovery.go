package youtubetest

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The discovery documents google.golang.org/api v0.312.0 ships (youtube/v3/youtube-api.json,
// revision 20261104, and youtubeanalytics/v2/youtubeanalytics-api.json), gzipped: the
// generated clients onair uses were made from them.
var (
	//go:embed youtube-api.json.gz
	youtubeDoc []byte
	//go:embed youtubeanalytics-api.json.gz
	analyticsDoc []byte
)

type discoveryDoc struct {
	ServicePath string                      `json:"servicePath"`
	Revision    string                      `json:"revision"`
	Parameters  map[string]param            `json:"parameters"`
	Resources   map[string]resource         `json:"resources"`
	Schemas     map[string]schemaProperties `json:"schemas"`
}

type resource struct {
	Methods map[string]method `json:"methods"`
}

type method struct {
	ID         string           `json:"id"`
	Path       string           `json:"path"`
	HTTPMethod string           `json:"httpMethod"`
	Parameters map[string]param `json:"parameters"`
	Response   struct {
		Ref string `json:"$ref"`
	} `json:"response"`
}

type param struct {
	Type     string   `json:"type"`
	Format   string   `json:"format"`
	Location string   `json:"location"`
	Required bool     `json:"required"`
	Repeated bool     `json:"repeated"`
	Enum     []string `json:"enum"`
	Minimum  string   `json:"minimum"`
	Maximum  string   `json:"maximum"`
}

type schemaProperties struct {
	Properties map[string]struct {
		Items struct {
			Ref string `json:"$ref"`
		} `json:"items"`
	} `json:"properties"`
}

// Method is one method of a discovery document, as the fake checks requests against it.
type Method struct {
	ID     string // "youtube.liveBroadcasts.list"
	HTTP   string // "GET"
	Path   string // "/youtube/v3/liveBroadcasts"
	params map[string]param
	global map[string]param
	// parts are the resource's properties a "part" parameter may name (the list response's
	// item schema, without kind and etag).
	parts []string
}

var (
	methodsOnce sync.Once
	methods     map[string]*Method // "GET /youtube/v3/liveBroadcasts" -> method
	methodsErr  error
)

// Methods returns the methods of both documents, by "HTTP /path".
func Methods() (map[string]*Method, error) {
	methodsOnce.Do(func() {
		methods = map[string]*Method{}
		for _, gz := range [][]byte{youtubeDoc, analyticsDoc} {
			var d discoveryDoc
			zr, err := gzip.NewReader(bytes.NewReader(gz))
			if err == nil {
				var b []byte
				if b, err = io.ReadAll(zr); err == nil {
					err = json.Unmarshal(b, &d)
				}
			}
			if err != nil {
				methodsErr = fmt.Errorf("read the embedded discovery document: %w", err)
				return
			}
			for _, r := range d.Resources {
				for _, m := range r.Methods {
					mm := &Method{ID: m.ID, HTTP: m.HTTPMethod, Path: "/" + d.ServicePath + m.Path, params: m.Parameters, global: d.Parameters}
					if list, ok := d.Schemas[m.Response.Ref]; ok {
						if item, ok := d.Schemas[list.Properties["items"].Items.Ref]; ok {
							for p := range item.Properties {
								if p != "kind" && p != "etag" {
									mm.parts = append(mm.parts, p)
								}
							}
							slices.Sort(mm.parts)
						}
					}
					methods[mm.HTTP+" "+mm.Path] = mm
				}
			}
		}
	})
	return methods, methodsErr
}

// Check returns what is wrong with a request's query for this method, as the document says
// (and, for the rules only its reference pages state, as they say): unknown parameters, a
// missing required one, a value of the wrong type or outside its range or enum, a parameter
// that is not repeated given twice, an unknown part.
func (m *Method) Check(q url.Values) []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, m.ID+": "+fmt.Sprintf(format, args...)) }
	for name, p := range m.params {
		if p.Required && len(q[name]) == 0 {
			bad("required parameter %s missing", name)
		}
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		vals := q[name]
		p, ok := m.params[name]
		if !ok {
			if p, ok = m.global[name]; !ok {
				bad("unknown parameter %s", name)
				continue
			}
		}
		if len(vals) > 1 && !p.Repeated {
			bad("parameter %s given %d times", name, len(vals))
		}
		for _, v := range vals {
			items := []string{v}
			if p.Repeated {
				items = strings.Split(v, ",")
			}
			for _, it := range items {
				if msg := p.check(it); msg != "" {
					bad("%s=%q: %s", name, it, msg)
				}
				if name == "part" && len(m.parts) > 0 && !slices.Contains(m.parts, strings.TrimSpace(it)) {
					bad("part %q is not one of %s", it, strings.Join(m.parts, ", "))
				}
			}
		}
	}
	return errs
}

func (p param) check(v string) string {
	switch p.Type {
	case "integer":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "not an integer"
		}
		if p.Minimum != "" {
			if lo, _ := strconv.ParseInt(p.Minimum, 10, 64); n < lo {
				return "below the minimum " + p.Minimum
			}
		}
		if p.Maximum != "" {
			if hi, _ := strconv.ParseInt(p.Maximum, 10, 64); n > hi {
				return "above the maximum " + p.Maximum
			}
		}
	case "boolean":
		if v != "true" && v != "false" {
			return "not true or false"
		}
	}
	if len(p.Enum) > 0 && !slices.Contains(p.Enum, v) {
		return "not one of " + strings.Join(p.Enum, ", ")
	}
	return ""
}

// exactlyOne is the reference pages' "Filters (specify exactly one of the following
// parameters)".
func exactlyOne(q url.Values, names ...string) string {
	var given []string
	for _, n := range names {
		if q.Has(n) {
			given = append(given, n)
		}
	}
	if len(given) != 1 {
		return fmt.Sprintf("specify exactly one of %s (got %d: %s)", strings.Join(names, ", "), len(given), strings.Join(given, ", "))
	}
	return ""
}
