package s3

import (
	"context"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// conflictStore refuses the first n object writes (PutObject,
// CompleteUpload) with store.ErrConflict, as a store does a write stamped
// for a versioning state its bucket no longer has, and counts them all.
type conflictStore struct {
	Store
	n, writes int
}

func (c *conflictStore) refuse() bool {
	c.writes++
	return c.writes <= c.n
}

func (c *conflictStore) PutObject(ctx context.Context, o store.Object) (*store.Object, error) {
	if c.refuse() {
		return nil, store.ErrConflict
	}
	return c.Store.PutObject(ctx, o)
}

func (c *conflictStore) CompleteUpload(ctx context.Context, id string, o store.Object) (*store.Object, []store.Part, error) {
	if c.refuse() {
		return nil, nil, store.ErrConflict
	}
	return c.Store.CompleteUpload(ctx, id, o)
}

// TestCommitConflict: a write whose every attempt the store refuses as
// stale (a PUT, a multipart completion, a delete marker) gives up after
// stampTries with S3's OperationAborted (kind Conflict), writing nothing;
// the control, where only all but the last attempt are refused, lands.
func TestCommitConflict(t *testing.T) {
	put := func(t *testing.T, svc *Service, r *Request) error {
		_, err := svc.PutObject(t.Context(), r, PutInput{Bucket: "race", Key: "k", Body: strings.NewReader("late"), Size: 4})
		return err
	}
	var uploadID string
	var parts []CompletedPart
	multipart := func(t *testing.T, svc *Service, r *Request) error {
		_, err := svc.CompleteMultipartUpload(t.Context(), r, "race", "k", uploadID, parts)
		return err
	}
	del := func(t *testing.T, svc *Service, r *Request) error {
		_, err := svc.DeleteObject(t.Context(), r, "race", "k", "")
		return err
	}
	for _, tt := range []struct {
		name  string
		write func(*testing.T, *Service, *Request) error
	}{{"put", put}, {"multipart", multipart}, {"delete marker", del}} {
		for _, refused := range []int{stampTries, stampTries - 1} {
			name := tt.name + "/every attempt refused"
			if refused < stampTries {
				name = tt.name + "/the last attempt lands"
			}
			t.Run(name, func(t *testing.T) {
				ctx := t.Context()
				svc, r, hs := raceService(t, "memory")
				if err := svc.PutBucketVersioning(ctx, r, "race", VersioningEnabled, ""); err != nil {
					t.Fatal(err)
				}
				if _, err := svc.PutObject(ctx, r, PutInput{Bucket: "race", Key: "k", Body: strings.NewReader("pre"), Size: 3}); err != nil {
					t.Fatal(err)
				}
				u, err := svc.CreateMultipartUpload(ctx, r, "race", "k", nil, "", "")
				if err != nil {
					t.Fatal(err)
				}
				p, err := svc.UploadPart(ctx, r, PartInput{Bucket: "race", Key: "k", UploadID: u.ID, Number: 1, Body: strings.NewReader("late"), Size: 4})
				if err != nil {
					t.Fatal(err)
				}
				uploadID, parts = u.ID, []CompletedPart{{Number: 1, ETag: p.ETag}}
				cs := &conflictStore{Store: hs.Store, n: refused}
				hs.Store = cs

				err = tt.write(t, svc, r)
				if want := min(refused+1, stampTries); cs.writes != want {
					t.Errorf("%d writes reached the store, want %d", cs.writes, want)
				}
				page, lerr := svc.ListObjectVersions(ctx, r, VersionListInput{Bucket: "race", MaxKeys: -1})
				if lerr != nil {
					t.Fatal(lerr)
				}
				if refused < stampTries {
					if err != nil {
						t.Fatalf("the write whose last attempt lands: %v", err)
					}
					if len(page.Versions) != 2 {
						t.Fatalf("%d versions after the write landed, want 2", len(page.Versions))
					}
					return
				}
				e, ok := fault.As(err)
				if !ok || e.Kind != fault.Conflict || e.Subject != fault.None ||
					e.Message != "A conflicting conditional operation is currently in progress against this resource. Please try again." {
					t.Fatalf("the write refused at every attempt: %v; want a Conflict (OperationAborted)", err)
				}
				if len(page.Versions) != 1 {
					t.Fatalf("%d versions after the refusal, want 1", len(page.Versions))
				}
			})
		}
	}
}
