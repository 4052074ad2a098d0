package sqlite

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/store"
)

// BenchmarkGetObject reads objects of a bucket of 1,000 and of 100,000
// (the 1,000 read spread over the whole bucket), as every GET does, from
// 8 readers a core.
func BenchmarkGetObject(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			ctx := b.Context()
			db, err := Open(filepath.Join(b.TempDir(), "podiam.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			const acct = "111122223333"
			t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			if err := db.CreateAccount(ctx, store.Account{ID: acct, CreatedAt: t0}); err != nil {
				b.Fatal(err)
			}
			if err := db.CreateBucket(ctx, store.Bucket{Name: "bench", AccountID: acct, CreatedAt: t0}); err != nil {
				b.Fatal(err)
			}
			tx, err := db.w.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for i := range n {
				o := store.Object{Bucket: "bench", Key: fmt.Sprintf("obj/%07d", i), BlobID: fmt.Sprintf("blob%07d", i), Size: 4096,
					ETag: "d41d8cd98f00b204e9800998ecf8427e", Headers: map[string]string{"content-type": "application/octet-stream"}, LastModified: t0}
				if _, err := tx.ExecContext(ctx, insertObject, objectArgs(o)...); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			stride := n / 1000
			b.ResetTimer()
			b.SetParallelism(8) // 16 readers on 2 cores, as a loaded server has
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := db.GetObject(ctx, "bench", fmt.Sprintf("obj/%07d", (i%1000)*stride)); err != nil {
						b.Error(err)
						return
					}
					i += 7
				}
			})
		})
	}
}

// FuzzParseMap: the fast reading of stored maps agrees with encoding/json
// on every map idsText writes, and on anything else either agrees or
// leaves it to encoding/json.
func FuzzParseMap(f *testing.F) {
	f.Add("content-type", "text/plain", "CRC32", "AAAAAA==")
	f.Add("a\"b", "\\", "é", "\x01")
	f.Add("", "", ",", ":")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		in := map[string]string{k1: v1, k2: v2}
		got, err := parseMap(idsText(in))
		if err != nil {
			t.Fatal(err)
		}
		var want map[string]string
		if err := json.Unmarshal([]byte(idsText(in)), &want); err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, want) {
			t.Fatalf("parseMap(%s) = %q, want %q", idsText(in), got, want)
		}
		raw := "{" + k1 + "}" + v1
		if m, ok := plainMap(raw); ok {
			var want map[string]string
			if err := json.Unmarshal([]byte(raw), &want); err != nil || !maps.Equal(m, want) {
				t.Fatalf("plainMap(%q) = %q, encoding/json %q, %v", raw, m, want, err)
			}
		}
	})
}
