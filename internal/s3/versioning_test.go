package s3

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/memory"
)

func TestNewVersionIDOrder(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := &Service{now: func() time.Time { return now }, rand: bytes.NewReader(bytes.Repeat([]byte{0xff, 0, 0x7f}, 1000))}
	prev := ""
	for i := range 50 {
		if i == 25 {
			now = now.Add(-time.Hour) // a clock that goes back still makes later ids
		}
		id, err := s.newVersionID()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseVersionID(id); err != nil || len(id) != VersionIDLen {
			t.Fatalf("made %q, which does not parse: %v", id, err)
		}
		if id <= prev {
			t.Fatalf("id %d %q is not after %q", i, id, prev)
		}
		prev = id
	}
}

func TestParseVersionID(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"null", true},
		{strings.Repeat("A", 32), true},
		{"-0123456789ABCDEFGHIJKLMNOPQRST_", true},
		{"", false},
		{"NULL", false},
		{strings.Repeat("A", 31), false},
		{strings.Repeat("A", 33), false},
		{strings.Repeat("A", 31) + "+", false},
		{strings.Repeat("A", 31) + ".", false},
		{"../../../../../../../../etc/pass", false},
	} {
		_, err := ParseVersionID(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseVersionID(%q) = %v, want ok %v", tt.in, err, tt.ok)
		}
	}
}

// FuzzParseVersionID: an accepted id is "null" or 32 characters of the
// alphabet and comes back unchanged; every id made from bytes parses, and
// ids sort as the bytes they encode.
func FuzzParseVersionID(f *testing.F) {
	f.Add("null", []byte("abc"), []byte("abd"))
	f.Add(strings.Repeat("z", 32), []byte{0xff}, []byte{0})
	f.Add("%00", []byte{}, []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, s string, a, b []byte) {
		if got, err := ParseVersionID(s); err == nil {
			if got != s {
				t.Fatalf("ParseVersionID(%q) = %q", s, got)
			}
			if s != store.NullVersion {
				if len(s) != VersionIDLen {
					t.Fatalf("accepted %q of length %d", s, len(s))
				}
				for i := range len(s) {
					if !strings.ContainsRune(versionAlphabet, rune(s[i])) {
						t.Fatalf("accepted %q with %q", s, s[i])
					}
				}
			}
		}
		var x, y [24]byte
		copy(x[:], a)
		copy(y[:], b)
		ex, ey := encodeVersionID(x), encodeVersionID(y)
		for _, e := range []string{ex, ey} {
			if _, err := ParseVersionID(e); err != nil {
				t.Fatalf("a made id %q does not parse: %v", e, err)
			}
		}
		if c := bytes.Compare(x[:], y[:]); c != strings.Compare(ex, ey) {
			t.Fatalf("bytes compare %d, ids %q %q compare %d", c, ex, ey, strings.Compare(ex, ey))
		}
	})
}

// versionedService is a service over a memory store whose bucket "ver" is
// versioned, called by the account's root.
func versionedService(t testing.TB) (*Service, *store.Bucket, *Request) {
	ctx := context.Background()
	st := memory.New()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st.CreateAccount(ctx, store.Account{ID: "111122223333", CreatedAt: now})
	seal, _ := creds.NewSealer(map[byte][]byte{1: bytes.Repeat([]byte{1}, 32)}, 1, nil)
	ids, err := iam.NewService(iam.Config{Store: st, Sealer: seal})
	if err != nil {
		t.Fatal(err)
	}
	b := store.Bucket{Name: "ver", AccountID: "111122223333", Settings: map[string]string{settingVersioning: VersioningEnabled}, CreatedAt: now}
	if err := st.CreateBucket(ctx, b); err != nil {
		t.Fatal(err)
	}
	svc, err := New(Config{Store: st, Blobs: noBlobs{}, Identities: ids, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	r := &Request{Caller: &iam.Caller{Account: "111122223333", ARN: "arn:aws:iam::111122223333:root", Root: true}}
	return svc, &b, r
}

// FuzzListObjectVersionsPaging: whatever versions, null versions and
// markers a bucket holds, walking ListObjectVersions page by page with
// its Next markers (max-keys n, a delimiter or not) returns what one
// listing returns, in the same order.
func FuzzListObjectVersionsPaging(f *testing.F) {
	f.Add([]byte("aab/ba/a\x80b\x81a"), uint8(1), true)
	f.Add([]byte("abcabcabc\x80\x80"), uint8(2), false)
	f.Fuzz(func(t *testing.T, ops []byte, n uint8, delimit bool) {
		if len(ops) > 64 {
			return
		}
		svc, b, r := versionedService(t)
		ctx := context.Background()
		keys := []string{"a", "a/b", "a/c", "b", "b/x/y", "c"}
		for _, op := range ops {
			o := store.Object{Bucket: "ver", Key: keys[int(op&0x7f)%len(keys)], LastModified: svc.now()}
			switch {
			case op&0x80 != 0:
				o.DeleteMarker = true
			default:
				o.BlobID, o.ETag = "blob", "etag"
			}
			state := VersioningEnabled
			if op%5 == 0 {
				state = VersioningSuspended // a suspended write: the null version
			}
			// The store checks a write's stamp against the bucket as
			// stored: it is given the state the write was stamped for.
			b.Settings = map[string]string{settingVersioning: state}
			if _, err := svc.store.UpdateBucket(ctx, "ver", func(sb *store.Bucket) error { sb.Settings = maps.Clone(b.Settings); return nil }); err != nil {
				t.Fatal(err)
			}
			if err := svc.stampVersion(*b, &o); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.store.PutObject(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		in := VersionListInput{Bucket: "ver", MaxKeys: -1}
		if delimit {
			in.Delimiter = "/"
		}
		whole, err := svc.ListObjectVersions(ctx, r, in)
		if err != nil || whole.Truncated {
			t.Fatalf("one listing: %+v, %v", whole, err)
		}
		flat := func(p VersionListPage) []string {
			var out []string
			for _, v := range p.Versions {
				out = append(out, v.Key+"@"+ListedVersionID(v))
			}
			for _, cp := range p.CommonPrefixes {
				out = append(out, cp+"/")
			}
			return out
		}
		want := flat(whole)
		in.MaxKeys = int(n%4) + 1
		var got []string
		for range 200 {
			p, err := svc.ListObjectVersions(ctx, r, in)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, flat(p)...)
			if !p.Truncated {
				break
			}
			in.KeyMarker, in.VersionIDMarker = p.NextKeyMarker, p.NextVersionIDMarker
		}
		versionsOnly := func(l []string) []string {
			return slices.DeleteFunc(slices.Clone(l), func(s string) bool { return strings.HasSuffix(s, "/") })
		}
		if !slices.Equal(versionsOnly(want), versionsOnly(got)) {
			t.Fatalf("pages of %d gave versions in the order %v, one listing %v", in.MaxKeys, got, want)
		}
		sortedWant, sortedGot := slices.Clone(want), slices.Clone(got)
		slices.Sort(sortedWant)
		slices.Sort(sortedGot)
		if !slices.Equal(sortedWant, sortedGot) {
			t.Fatalf("pages of %d gave %v, one listing %v", in.MaxKeys, got, want)
		}
	})
}
