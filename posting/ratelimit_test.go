package posting

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfterAndResetAt(t *testing.T) {
	now := time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)
	retry := []struct {
		header string
		want   time.Time
		ok     bool
	}{
		{"", time.Time{}, false},
		{"30", now.Add(30 * time.Second), true},
		{" 0 ", now, true},
		{"-5", time.Time{}, false},
		{"Tue, 30 Mar 2027 16:05:00 GMT", now.Add(5*time.Minute + ResetMargin), true},
		{"soon", time.Time{}, false},
	}
	for _, tt := range retry {
		h := http.Header{}
		if tt.header != "" {
			h.Set("Retry-After", tt.header)
		}
		if got, ok := RetryAfter(h, now); ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("Retry-After %q: %v %v, want %v %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
	reset := []struct {
		value string
		want  time.Time
		ok    bool
	}{
		{"", time.Time{}, false},
		{"1806422700", time.Unix(1806422700, 0).Add(ResetMargin), true},
		{"1806422700.250", time.Unix(1806422700, 250e6), true},
		{"90", now.Add(90 * time.Second), true},
		{"1.5", now.Add(1500 * time.Millisecond), true},
		{"0", time.Time{}, false},
		{"2027-03-30T16:05:00.000000Z", now.Add(5 * time.Minute), true},
		{"2027-03-30T18:05:00+02:00", now.Add(5*time.Minute + ResetMargin), true},
		{"315360000", now.Add(315360000 * time.Second), true},
		{"later", time.Time{}, false},
	}
	for _, tt := range reset {
		if got, ok := ResetAt(tt.value, now); ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("reset %q: %v %v, want %v %v", tt.value, got, ok, tt.want, tt.ok)
		}
	}
}
