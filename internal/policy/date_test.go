package policy

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-11-24", utc(2026, 11, 24, 0, 0, 0), true},
		{"2026-11-24T08:00:00Z", utc(2026, 11, 24, 8, 0, 0), true},
		{"2026-11-24T08:00:00.123Z", utc(2026, 11, 24, 8, 0, 0).Add(123 * time.Millisecond), true},
		{"2026-11-24T09:00:00+01:00", utc(2026, 11, 24, 8, 0, 0), true},
		{"2026-11-24T08:00:00", utc(2026, 11, 24, 8, 0, 0), true},
		{"2026-11-24T08:00", utc(2026, 11, 24, 8, 0, 0), true},
		{"2026-11-24T08:00Z", utc(2026, 11, 24, 8, 0, 0), true},
		{"2026-11-24T10:00+02:00", utc(2026, 11, 24, 8, 0, 0), true},
		{"20261124T080000Z", utc(2026, 11, 24, 8, 0, 0), true},
		{"2026-11-24T08:00:00.5Z", utc(2026, 11, 24, 8, 0, 0).Add(500 * time.Millisecond), true},
		{"2026-11-24T08:00:00.5", utc(2026, 11, 24, 8, 0, 0).Add(500 * time.Millisecond), true},
		{"2026-11-24T08:00-01:00", utc(2026, 11, 24, 9, 0, 0), true},
		{"1795507200", time.Unix(1795507200, 0), true},
		{"", time.Time{}, false},
		{"yesterday", time.Time{}, false},
		{"2026-13-01", time.Time{}, false},
		{"2026-11-24T25:00:00Z", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseDate(tt.in)
			if ok != tt.ok || (ok && !got.Equal(tt.want)) {
				t.Fatalf("parseDate(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
