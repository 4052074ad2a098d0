package storetest

import (
	"errors"
	"testing"

	"github.com/podiam/podiam/internal/store"
)

// setVersioning keeps state as bucket's versioning setting.
func setVersioning(t *testing.T, s store.Store, bucket, state string) {
	t.Helper()
	got(s.UpdateBucket(t.Context(), bucket, func(b *store.Bucket) error {
		if b.Settings == nil {
			b.Settings = map[string]string{}
		}
		b.Settings[store.SettingVersioning] = state
		return nil
	})).must(t)
}

// listed is a bucket's versions as key@id, the current ones marked *.
func listed(t *testing.T, s store.Store, bucket string) []string {
	t.Helper()
	var out []string
	for _, o := range must2(s.ListObjectVersions(t.Context(), bucket, "", "", "", 0)).Versions {
		id := o.Key + "@" + o.VersionID
		if o.NoncurrentSince.IsZero() {
			id += "*"
		}
		out = append(out, id)
	}
	return out
}

// testStaleVersioning checks that a write stamped for a versioning state
// the bucket no longer has (its writer read the bucket before versioning
// was enabled or changed) is ErrConflict and changes nothing, beside the
// same write when its stamp fits.
func testStaleVersioning(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	must(t, s.CreateBucket(ctx, bucket(acct1, "v")))

	// Never versioned: the write without an id replaces the object.
	pre := version("k", "", "blob-pre", 0)
	must2(s.PutObject(ctx, pre))
	if r := must2(s.PutObject(ctx, version("k", "", "blob-pre2", 1))); r == nil || r.BlobID != "blob-pre" {
		t.Fatalf("a write before versioning replaced %+v, want the object", r)
	}

	// Versioning enabled, then a version V1 written.
	setVersioning(t, s, "v", store.VersioningEnabled)
	v1 := version("k", "0002", "blob-1", 2)
	if r := must2(s.PutObject(ctx, v1)); r != nil {
		t.Fatalf("a new version replaced %+v", r)
	}
	want := []string{"k@0002*", "k@"}
	same(t, "versions", listed(t, s, "v"), want)

	// A write without an id (its writer saw the bucket unversioned) is
	// refused and V1 stays, current, with its bytes.
	got(s.PutObject(ctx, version("k", "", "blob-late", 3))).fails(t, "a write without an id to a versioned bucket", store.ErrConflict)
	got(s.PutObject(ctx, version("new", "", "blob-late", 3))).fails(t, "a write without an id of a new key to a versioned bucket", store.ErrConflict)
	same(t, "versions after the refused writes", listed(t, s, "v"), want)
	got(s.GetObjectVersion(ctx, "v", "k", "0002")).equals(t, "V1 after the refused write", v1)
	if must2(s.BlobReferenced(ctx, "blob-late")) {
		t.Error("the refused write's blob is referenced")
	}
	must(t, s.CreateUpload(ctx, store.Upload{ID: "u", Bucket: "v", Key: "k", AccountID: acct1, CreatedAt: t0}))
	if _, _, err := s.CompleteUpload(ctx, "u", version("k", "", "blob-whole", 3)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("completing an upload without an id in a versioned bucket: %v, want ErrConflict", err)
	}
	got(s.GetUpload(ctx, "u")).must(t) // the refused completion kept the upload
	same(t, "versions after the refused completion", listed(t, s, "v"), want)
	got(s.DeleteObject(ctx, "v", "k")).fails(t, "a plain delete in a versioned bucket", store.ErrConflict)
	got(s.DeleteObject(ctx, "v", "absent")).fails(t, "a plain delete of a missing key in a versioned bucket", store.ErrConflict)
	same(t, "versions after the refused delete", listed(t, s, "v"), want)

	// Enabled: a null version (stamped while suspended) is refused and
	// the null version from before versioning stays; a new version is not.
	n := version("k", "0003", "blob-n", 3)
	n.Null = true
	got(s.PutObject(ctx, n)).fails(t, "a null version while enabled", store.ErrConflict)
	got(s.GetObjectVersion(ctx, "v", "k", store.NullVersion)).equals(t, "the null version after the refused write", noncurrent(version("k", "", "blob-pre2", 1), v1.LastModified))
	v2 := version("k", "0004", "blob-2", 4)
	if r := must2(s.PutObject(ctx, v2)); r != nil {
		t.Fatalf("a new version replaced %+v", r)
	}
	want = []string{"k@0004*", "k@0002", "k@"}
	same(t, "versions after V2", listed(t, s, "v"), want)

	// Suspended: a new version (stamped while enabled) or a marker is
	// refused; the null version it calls for is not.
	setVersioning(t, s, "v", store.VersioningSuspended)
	got(s.PutObject(ctx, version("k", "0005", "blob-3", 5))).fails(t, "a new version while suspended", store.ErrConflict)
	marker := store.Object{Bucket: "v", Key: "k", VersionID: "0005", DeleteMarker: true, LastModified: t0}
	got(s.PutObject(ctx, marker)).fails(t, "a marker that is not null while suspended", store.ErrConflict)
	same(t, "versions after the refused suspended writes", listed(t, s, "v"), want)
	n = version("k", "0006", "blob-n", 6)
	n.Null = true
	if r := must2(s.PutObject(ctx, n)); r == nil || r.BlobID != "blob-pre2" {
		t.Fatalf("a null version while suspended replaced %+v, want the null version", r)
	}
	same(t, "versions after the null version", listed(t, s, "v"), []string{"k@0006*", "k@0004", "k@0002"})

	// A bucket never versioned takes writes and deletes without ids.
	must(t, s.CreateBucket(ctx, bucket(acct1, "plain")))
	must2(s.PutObject(ctx, object("plain", "k", "blob-p")))
	got(s.DeleteObject(ctx, "plain", "k")).equals(t, "a plain delete in a bucket never versioned", object("plain", "k", "blob-p"))
}
