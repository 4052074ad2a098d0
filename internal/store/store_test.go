package store_test

import (
	"testing"
	"time"

	"github.com/podiam/podiam/internal/store"
)

func TestManagementAccount(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name  string
		accts []store.Account
		want  string
	}{
		{"none", nil, ""},
		{"only members", []store.Account{{ID: "1", ManagementAccountID: "2"}}, ""},
		{"a member with a smaller id", []store.Account{{ID: "000000000001", ManagementAccountID: "9", CreatedAt: t0}, {ID: "900000000000", CreatedAt: t0.Add(time.Hour)}}, "900000000000"},
		{"earliest of several", []store.Account{{ID: "2", CreatedAt: t0.Add(time.Second)}, {ID: "3", CreatedAt: t0}}, "3"},
		{"same time: smallest id", []store.Account{{ID: "7", CreatedAt: t0}, {ID: "5", CreatedAt: t0}}, "5"},
	} {
		got, ok := store.ManagementAccount(c.accts)
		if ok != (c.want != "") || got.ID != c.want {
			t.Errorf("%s: got %q (%v), want %q", c.name, got.ID, ok, c.want)
		}
	}
}
