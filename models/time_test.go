package models

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	t.Parallel()
	want := time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		want     time.Time
	}{
		{"RFC 3339 with offset", "2027-03-30T18:00:00+02:00", want},
		{"RFC 3339 Z", "2027-03-30T16:00:00Z", want},
		{"RFC 3339 with milliseconds", "2027-03-30T16:00:00.000Z", want},
		{"RFC 3339 with a space", "2027-03-30 18:00:00+02:00", want},
		{"UTC text", "2027-03-30 16:00:00", want},
		{"UTC text without seconds", "2027-03-30 16:00", want},
		{"UTC text with T", "2027-03-30T16:00:00", want},
		{"Unix seconds", "1806422400", want},
		{"Unix milliseconds", "1806422400000", want},
		{"surrounding spaces", "  2027-03-30T16:00:00Z ", want},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTime(tt.in)
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("ParseTime(%q) = %v, want %v in UTC", tt.in, got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "tomorrow", "30/03/2027 18h", "2027-13-30 16:00:00", "2461130.16"} {
		t.Run("refuses "+bad, func(t *testing.T) {
			if _, err := ParseTime(bad); err == nil {
				t.Errorf("ParseTime(%q) accepted", bad)
			}
		})
	}
}

func TestTimeScan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		in          any
		want        time.Time
		wantInvalid string
	}{
		{"NULL", nil, time.Time{}, ""},
		{"text", "2027-03-30T16:00:00Z", time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC), ""},
		{"integer", int64(1806422400), time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC), ""},
		{"time from the driver", time.Date(2027, 3, 30, 18, 0, 0, 0, time.FixedZone("", 7200)), time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC), ""},
		{"garbage text", "next tuesday", time.Time{}, "next tuesday"},
		{"julian day float", 2461130.5, time.Time{}, "2461130.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Time
			if err := got.Scan(tt.in); err != nil {
				t.Fatalf("Scan: %v", err)
			}
			if !got.Time.Equal(tt.want) || got.Invalid != tt.wantInvalid {
				t.Errorf("Scan(%v) = %v invalid %q, want %v invalid %q", tt.in, got.Time, got.Invalid, tt.want, tt.wantInvalid)
			}
		})
	}
}

func TestTimeValueSortsAsText(t *testing.T) {
	t.Parallel()
	a, _ := NewTime(time.Date(2027, 3, 30, 16, 0, 0, 0, time.UTC)).Value()
	b, _ := NewTime(time.Date(2027, 3, 30, 16, 0, 0, 500e6, time.UTC)).Value()
	c, _ := NewTime(time.Date(2027, 3, 30, 16, 0, 1, 0, time.UTC)).Value()
	if !(a.(string) < b.(string) && b.(string) < c.(string)) {
		t.Errorf("values do not sort as text: %v %v %v", a, b, c)
	}
	if v, _ := (Time{}).Value(); v != nil {
		t.Errorf("zero Time = %v, want NULL", v)
	}
}

func TestOffsets(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	// 2027-03-28 02:00 CET -> 03:00 CEST.
	start := time.Date(2027, 3, 29, 18, 0, 0, 0, paris)
	tests := []struct {
		offset string
		want   time.Time
	}{
		{"1d", time.Date(2027, 3, 28, 18, 0, 0, 0, paris)},
		{"2d", time.Date(2027, 3, 27, 18, 0, 0, 0, paris)}, // across the change: still 18:00 local
		{"1w", time.Date(2027, 3, 22, 18, 0, 0, 0, paris)},
		{"48h", start.Add(-48 * time.Hour)}, // exact: 17:00 local on the 27th
		{"1h30m", start.Add(-90 * time.Minute)},
		{"10m", start.Add(-10 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.offset, func(t *testing.T) {
			o, err := ParseOffset(tt.offset)
			if err != nil {
				t.Fatal(err)
			}
			if got := o.Before(start, paris); !got.Equal(tt.want) {
				t.Errorf("%s before %v = %v, want %v", tt.offset, start, got.In(paris), tt.want)
			}
		})
	}
	for _, bad := range []string{"7", "d7", "7x", "1h,1h", "60m,1h", "-1d"} {
		if _, err := ParseOffsets(bad); err == nil {
			t.Errorf("ParseOffsets(%q) accepted", bad)
		}
	}
	if got, err := NormalizeOffsets(" 7D, 3d,1d ,1h30m"); err != nil || got != "7d,3d,1d,1h30m" {
		t.Errorf("NormalizeOffsets = %q, %v", got, err)
	}
}

func TestSplitHashtags(t *testing.T) {
	t.Parallel()
	got := SplitHashtags("#SpringLaunch, Paris  #Mode #")
	want := []string{"#SpringLaunch", "#Paris", "#Mode"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
