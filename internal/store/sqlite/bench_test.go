package sqlite_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/sqlite"
)

// BenchmarkGetRole reads one role of 10,000, as every signed request does
// for its caller.
func BenchmarkGetRole(b *testing.B) {
	ctx := b.Context()
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "podiam.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const acct = "111122223333"
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := db.CreateAccount(ctx, store.Account{ID: acct, CreatedAt: t0}); err != nil {
		b.Fatal(err)
	}
	for i := range 10000 {
		name := fmt.Sprintf("role-%05d", i)
		r := store.Role{AccountID: acct, Name: name, Path: "/", ID: "AROA" + name,
			ARN: "arn:aws:iam::" + acct + ":role/" + name, AssumeRolePolicyDocument: "{}", CreatedAt: t0,
			Tags: []store.Tag{{Key: "k", Value: "v"}}}
		if err := db.CreateRole(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := db.GetRole(ctx, acct, fmt.Sprintf("role-%05d", i%10000)); err != nil {
				b.Error(err)
				return
			}
			i += 7919
		}
	})
}
