package s3

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/blob"
	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/memory"
	"github.com/podiam/podiam/internal/store/sqlite"
)

// realBlobs adapts a blob.Store to Blobs, as the server does.
type realBlobs struct{ *blob.Store }

func (b realBlobs) Create() (BlobWriter, error) { return b.Store.Create() }
func (b realBlobs) Open(id string) (BlobReader, error) {
	r, err := b.Store.Open(id)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// hookStore runs hook once, just before the first object write that
// reaches the store (PutObject, CompleteUpload or DeleteObject), or the
// first bucket update that reads its account's settings: the moment
// between a request's reading of its bucket and its write, where a slow
// upload spends minutes.
type hookStore struct {
	Store
	hook func()
}

func (h *hookStore) fire() {
	if f := h.hook; f != nil {
		h.hook = nil
		f()
	}
}

func (h *hookStore) PutObject(ctx context.Context, o store.Object) (*store.Object, error) {
	h.fire()
	return h.Store.PutObject(ctx, o)
}

func (h *hookStore) CompleteUpload(ctx context.Context, id string, o store.Object) (*store.Object, []store.Part, error) {
	h.fire()
	return h.Store.CompleteUpload(ctx, id, o)
}

func (h *hookStore) UpdateBucketWithAccountSettings(ctx context.Context, name string, update func(*store.Bucket, map[string]string) error) (store.Bucket, error) {
	h.fire()
	return h.Store.UpdateBucketWithAccountSettings(ctx, name, update)
}

func (h *hookStore) DeleteObject(ctx context.Context, bucket, key string) (store.Object, error) {
	h.fire()
	return h.Store.DeleteObject(ctx, bucket, key)
}

// TestStaleVersioning: a write whose request read its bucket before its
// versioning state changed (a PUT, a multipart completion or a DELETE
// that began before versioning was enabled, or suspended) lands as the
// state at its write calls for: the version V1 written meanwhile
// survives, with its bytes, and the late write is a new version (or
// marker). Beside each, the control where nothing intervenes. Both
// backends, real blobs.
func TestStaleVersioning(t *testing.T) {
	type write func(t *testing.T, svc *Service, r *Request) DeleteOutcome
	put := func(t *testing.T, svc *Service, r *Request) DeleteOutcome {
		o, err := svc.PutObject(t.Context(), r, PutInput{Bucket: "race", Key: "k", Body: strings.NewReader("late"), Size: 4})
		if err != nil {
			t.Fatalf("the late put: %v", err)
		}
		return DeleteOutcome{VersionID: VersionHeader(o)}
	}
	multipart := func(t *testing.T, svc *Service, r *Request) DeleteOutcome {
		ctx := t.Context()
		u, err := svc.CreateMultipartUpload(ctx, r, "race", "k", nil, "", "")
		if err != nil {
			t.Fatal(err)
		}
		p, err := svc.UploadPart(ctx, r, PartInput{Bucket: "race", Key: "k", UploadID: u.ID, Number: 1, Body: strings.NewReader("late"), Size: 4})
		if err != nil {
			t.Fatal(err)
		}
		o, err := svc.CompleteMultipartUpload(ctx, r, "race", "k", u.ID, []CompletedPart{{Number: 1, ETag: p.ETag}})
		if err != nil {
			t.Fatalf("the late completion: %v", err)
		}
		return DeleteOutcome{VersionID: VersionHeader(o)}
	}
	del := func(t *testing.T, svc *Service, r *Request) DeleteOutcome {
		out, err := svc.DeleteObject(t.Context(), r, "race", "k", "")
		if err != nil {
			t.Fatalf("the late delete: %v", err)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		// initial is the bucket's versioning state when the late request
		// reads it; change, when set, is the state the owner puts before
		// writing V1 ("v1"), between that read and the late write.
		initial, change string
		late            write
		// want is the versions after, newest first, each named by its
		// bytes ("pre" the object from before, "v1", "late", or
		// "marker"), then /null for the null version, * for the current
		// one; wantNull is whether the late write is the null version.
		want     []string
		wantNull bool
	}{
		{name: "put, versioning enabled meanwhile", change: VersioningEnabled, late: put, want: []string{"late*", "v1", "pre/null"}},
		{name: "put, nothing meanwhile", late: put, want: []string{"late/null*"}, wantNull: true},
		{name: "put, enabled after suspended", initial: VersioningSuspended, change: VersioningEnabled, late: put, want: []string{"late*", "v1", "pre/null"}},
		{name: "put, suspended after enabled", initial: VersioningEnabled, change: VersioningSuspended, late: put, want: []string{"late/null*", "pre"}, wantNull: true},
		{name: "put, enabled, nothing meanwhile", initial: VersioningEnabled, late: put, want: []string{"late*", "pre"}},
		{name: "multipart, versioning enabled meanwhile", change: VersioningEnabled, late: multipart, want: []string{"late*", "v1", "pre/null"}},
		{name: "multipart, nothing meanwhile", late: multipart, want: []string{"late/null*"}, wantNull: true},
		{name: "delete, versioning enabled meanwhile", change: VersioningEnabled, late: del, want: []string{"marker*", "v1", "pre/null"}},
		{name: "delete, nothing meanwhile", late: del, want: nil, wantNull: true},
	} {
		for _, backend := range []string{"memory", "sqlite"} {
			t.Run(tt.name+"/"+backend, func(t *testing.T) {
				ctx := t.Context()
				svc, r, st := raceService(t, backend)
				if tt.initial != "" {
					if err := svc.PutBucketVersioning(ctx, r, "race", tt.initial, ""); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := svc.PutObject(ctx, r, PutInput{Bucket: "race", Key: "k", Body: strings.NewReader("pre"), Size: 3}); err != nil {
					t.Fatal(err)
				}
				if _, err := svc.bucket(ctx, "race"); err != nil { // cached: the late request's view
					t.Fatal(err)
				}
				st.hook = func() {} // nothing intervenes; the hook is spent
				if tt.change != "" {
					st.hook = func() {
						if err := svc.PutBucketVersioning(ctx, r, "race", tt.change, ""); err != nil {
							t.Fatal(err)
						}
						if _, err := svc.PutObject(ctx, r, PutInput{Bucket: "race", Key: "k", Body: strings.NewReader("v1"), Size: 2}); err != nil {
							t.Fatal(err)
						}
					}
				}
				late := tt.late(t, svc, r)
				if st.hook != nil {
					t.Fatal("the late request did not reach the store")
				}
				if got := late.VersionID == store.NullVersion || late.VersionID == ""; got != tt.wantNull {
					t.Errorf("the late write's version is %q, want null %v", late.VersionID, tt.wantNull)
				}
				page, err := svc.ListObjectVersions(ctx, r, VersionListInput{Bucket: "race", MaxKeys: -1})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, o := range page.Versions {
					name := "marker"
					if !o.DeleteMarker {
						_, f, err := svc.GetObject(ctx, r, "race", "k", ListedVersionID(o))
						if err != nil {
							t.Fatalf("GET ?versionId=%s: %v", ListedVersionID(o), err)
						}
						b, _ := io.ReadAll(f)
						f.Close()
						name = string(b)
					}
					if o.IsNull() {
						name += "/null"
					}
					if o.NoncurrentSince.IsZero() {
						name += "*"
					}
					got = append(got, name)
				}
				if !slices.Equal(got, tt.want) {
					t.Fatalf("versions %v, want %v", got, tt.want)
				}
			})
		}
	}
}

// raceService is a service over a backend's store (wrapped in a
// hookStore), with real blobs, whose bucket "race" was never versioned,
// called by the account's root.
func raceService(t *testing.T, backend string) (*Service, *Request, *hookStore) {
	ctx := t.Context()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var st store.Store = memory.New()
	if backend == "sqlite" {
		db, err := sqlite.Open(filepath.Join(t.TempDir(), "podiam.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		st = db
	}
	if err := st.CreateAccount(ctx, store.Account{ID: "111122223333", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateBucket(ctx, store.Bucket{Name: "race", AccountID: "111122223333", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	seal, _ := creds.NewSealer(map[byte][]byte{1: bytes.Repeat([]byte{1}, 32)}, 1, nil)
	ids, err := iam.NewService(iam.Config{Store: st, Sealer: seal})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := blob.Open(blob.Config{Dir: t.TempDir(), Key: bytes.Repeat([]byte{2}, blob.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	hs := &hookStore{Store: st}
	svc, err := New(Config{Store: hs, Blobs: realBlobs{bs}, Identities: ids, Now: func() time.Time { now = now.Add(time.Second); return now }})
	if err != nil {
		t.Fatal(err)
	}
	return svc, &Request{Caller: &iam.Caller{Account: "111122223333", ARN: "arn:aws:iam::111122223333:root", Root: true}}, hs
}
