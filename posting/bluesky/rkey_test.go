package bluesky

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tidSyntax is the TID spec's reference regex (https://atproto.com/specs/tid).
var tidSyntax = regexp.MustCompile(`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`)

// decodeTID reads a TID's microseconds and clock identifier.
func decodeTID(t *testing.T, s string) (time.Time, uint64) {
	t.Helper()
	var v uint64
	for _, c := range s {
		i := strings.IndexRune(base32Sortable, c)
		if i < 0 {
			t.Fatalf("%q: %q not in the alphabet", s, c)
		}
		v = v<<5 | uint64(i)
	}
	if v>>63 != 0 {
		t.Fatalf("%q: top bit set", s)
	}
	return time.UnixMicro(int64(v >> 10)).UTC(), v & 0x3FF
}

func TestRecordKey(t *testing.T) {
	due := time.Date(2027, 3, 30, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		key  string
		due  time.Time
	}{
		{"plain", "onair-7-teaser-1", due},
		{"empty key", "", due},
		{"epoch", "k", time.Unix(0, 0)},
		{"before the epoch", "k", time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"far future", "k", time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"sub-second due", "k", due.Add(123456789 * time.Nanosecond)},
		{"non-UTC zone", "k", due.In(time.FixedZone("CEST", 2*3600))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := RecordKey(tt.key, tt.due)
			if !tidSyntax.MatchString(k) || !validTID(k) {
				t.Fatalf("%q is not a TID", k)
			}
			if again := RecordKey(tt.key, tt.due); again != k {
				t.Errorf("not stable: %q then %q", k, again)
			}
			at, _ := decodeTID(t, k)
			from := tt.due.Truncate(time.Second)
			if from.Before(time.Unix(0, 0)) {
				from = time.Unix(0, 0)
			}
			if at.Before(from) || !at.Before(from.Add(time.Second)) {
				t.Errorf("%q holds %v, want within the second of %v", k, at, tt.due)
			}
		})
	}
}

func TestRecordKeysDiffer(t *testing.T) {
	due := time.Date(2027, 3, 30, 18, 0, 0, 0, time.UTC)
	seen := map[string]string{}
	for i := range 5000 {
		key := fmt.Sprintf("onair-%d", i)
		k := RecordKey(key, due) // all due at the same instant, on one account
		if other, ok := seen[k]; ok {
			t.Fatalf("%s and %s share the record key %s", key, other, k)
		}
		seen[k] = key
	}
	if RecordKey("a", due) == RecordKey("a", due.Add(time.Second)) {
		t.Error("another due time gives the same key")
	}
	// Keys sort by due time, as TIDs should.
	if !(RecordKey("zzz", due) < RecordKey("aaa", due.Add(time.Second))) {
		t.Error("a later post has a smaller key")
	}
}

func TestValidTID(t *testing.T) {
	for s, want := range map[string]bool{
		"3jzfcijpj2z2a":  true,
		"7777777777777":  true,
		"2222222222222":  true,
		"jzzzzzzzzzzzz":  true,
		"kzzzzzzzzzzzz":  false, // top bit set
		"3jzfcijpj2z2":   false,
		"3jzfcijpj2z2aa": false,
		"3jzfcijpj2z21":  false,
		"3JZFCIJPJ2Z2A":  false,
		"self":           false,
	} {
		if validTID(s) != want || tidSyntax.MatchString(s) != want {
			t.Errorf("validTID(%q) = %v, want %v", s, validTID(s), want)
		}
	}
}
