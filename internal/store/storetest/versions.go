package storetest

import (
	"testing"
	"time"

	"github.com/podiam/podiam/internal/store"
)

// version is an object version of bucket "v" at t0 plus n seconds.
func version(key, id, blob string, n int) store.Object {
	o := object("v", key, blob)
	o.VersionID, o.LastModified = id, t0.Add(time.Duration(n)*time.Second)
	return o
}

func noncurrent(o store.Object, since time.Time) store.Object {
	o.NoncurrentSince = since
	return o
}

func testVersions(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	must(t, s.CreateBucket(ctx, bucket(acct1, "v")))

	// An object from before versioning is the null version (id "").
	pre := version("k", "", "blob-pre", 0)
	must2(s.PutObject(ctx, pre))
	got(s.GetObjectVersion(ctx, "v", "k", store.NullVersion)).equals(t, "the object before versioning is the null version", pre)

	v1 := version("k", "0001", "blob-1", 1)
	if r := must2(s.PutObject(ctx, v1)); r != nil {
		t.Errorf("a new version replaced %+v", r)
	}
	v2 := version("k", "0002", "blob-2", 2)
	if r := must2(s.PutObject(ctx, v2)); r != nil {
		t.Errorf("a new version replaced %+v", r)
	}
	got(s.GetObject(ctx, "v", "k")).equals(t, "the current version", v2)
	got(s.GetObjectVersion(ctx, "v", "k", "0001")).equals(t, "a noncurrent version", noncurrent(v1, v2.LastModified))
	got(s.GetObjectVersion(ctx, "v", "k", "0002")).equals(t, "the current version by id", v2)
	got(s.GetObjectVersion(ctx, "v", "k", store.NullVersion)).equals(t, "the null version, noncurrent", noncurrent(pre, v1.LastModified))
	got(s.GetObjectVersion(ctx, "v", "k", "0003")).fails(t, "a missing version", store.ErrNotFound)
	got(s.GetObjectVersion(ctx, "nope", "k", "0001")).fails(t, "a version of a missing bucket", store.ErrNotFound)
	for _, b := range []string{"blob-pre", "blob-1", "blob-2"} {
		if !must2(s.BlobReferenced(ctx, b)) {
			t.Errorf("%s of a version is not referenced", b)
		}
	}

	// A delete marker becomes current and hides the key from ListObjects.
	marker := store.Object{Bucket: "v", Key: "k", VersionID: "0003", DeleteMarker: true, LastModified: t0.Add(3 * time.Second)}
	if r := must2(s.PutObject(ctx, marker)); r != nil {
		t.Errorf("a delete marker replaced %+v", r)
	}
	got(s.GetObject(ctx, "v", "k")).equals(t, "the current version is the marker", marker)
	other := version("other", "0004", "blob-o", 4)
	must2(s.PutObject(ctx, other))
	keys := func(p store.ObjectPage) []string {
		var out []string
		for _, o := range p.Objects {
			out = append(out, o.Key)
		}
		return out
	}
	same(t, "ListObjects leaves out a key whose current version is a marker", keys(must2(s.ListObjects(ctx, "v", "", "", 0))), []string{"other"})

	ids := func(p store.VersionPage) []string {
		var out []string
		for _, o := range p.Versions {
			id := o.Key + "@" + o.VersionID
			if o.NoncurrentSince.IsZero() {
				id += "*"
			}
			out = append(out, id)
		}
		return out
	}
	all := must2(s.ListObjectVersions(ctx, "v", "", "", "", 0))
	same(t, "every version, by key, newest first", ids(all), []string{"k@0003*", "k@0002", "k@0001", "k@", "other@0004*"})
	if all.More {
		t.Error("More without a limit")
	}
	p := must2(s.ListObjectVersions(ctx, "v", "", "", "", 2))
	same(t, "first page", ids(p), []string{"k@0003*", "k@0002"})
	if !p.More {
		t.Error("first page without More")
	}
	same(t, "after a version", ids(must2(s.ListObjectVersions(ctx, "v", "", "k", "0002", 2))), []string{"k@0001", "k@"})
	same(t, "after every version of a key", ids(must2(s.ListObjectVersions(ctx, "v", "", "k", "", 0))), []string{"other@0004*"})
	same(t, "a prefix", ids(must2(s.ListObjectVersions(ctx, "v", "o", "", "", 0))), []string{"other@0004*"})
	if _, err := s.ListObjectVersions(ctx, "nope", "", "", "", 0); err == nil {
		t.Error("listed the versions of a missing bucket")
	}

	// Tags of one version.
	tagged := noncurrent(v1, v2.LastModified)
	tagged.Tags = tags("env", "old")
	got(s.UpdateObjectVersion(ctx, "v", "k", "0001", func(o *store.Object) error { o.Tags = tagged.Tags; return nil })).equals(t, "retag a version", tagged)
	got(s.GetObjectVersion(ctx, "v", "k", "0001")).equals(t, "the retagged version", tagged)
	if _, err := s.UpdateObjectVersion(ctx, "v", "k", "0001", func(o *store.Object) error { o.VersionID = "x"; return nil }); err == nil {
		t.Error("an update changed a version's id")
	}

	// Removing the current marker makes the newest version current again.
	got(s.DeleteObjectVersion(ctx, "v", "k", "0003")).equals(t, "remove the marker", marker)
	got(s.GetObject(ctx, "v", "k")).equals(t, "the version before the marker is current again", v2)
	got(s.DeleteObjectVersion(ctx, "v", "k", "0003")).fails(t, "remove the marker again", store.ErrNotFound)
	got(s.DeleteObjectVersion(ctx, "v", "k", "0001")).equals(t, "remove a noncurrent version", tagged)
	if must2(s.BlobReferenced(ctx, "blob-1")) {
		t.Error("a removed version's blob is still referenced")
	}
	same(t, "versions left", ids(must2(s.ListObjectVersions(ctx, "v", "", "", "", 0))), []string{"k@0002*", "k@", "other@0004*"})

	// A null version written while suspended replaces the null version,
	// wherever it is, and orders by its id.
	n1 := version("k", "0005", "blob-n1", 5)
	n1.Null = true
	r := must2(s.PutObject(ctx, n1))
	if r == nil || r.BlobID != "blob-pre" {
		t.Fatalf("a suspended put replaced %+v, want the null version", r)
	}
	n2 := version("k", "0006", "blob-n2", 6)
	n2.Null = true
	r = must2(s.PutObject(ctx, n2))
	if r == nil || r.BlobID != "blob-n1" {
		t.Fatalf("a second suspended put replaced %+v, want the current null version", r)
	}
	same(t, "one null version", ids(must2(s.ListObjectVersions(ctx, "v", "", "", "", 0))), []string{"k@0006*", "k@0002", "other@0004*"})
	got(s.GetObjectVersion(ctx, "v", "k", store.NullVersion)).equals(t, "the null version", n2)

	wantErr(t, "delete a bucket with versions", s.DeleteBucket(ctx, "v"), store.ErrDeleteConflict)
	for _, v := range []struct{ key, id string }{{"k", store.NullVersion}, {"other", "0004"}} {
		got(s.DeleteObjectVersion(ctx, "v", v.key, v.id)).must(t)
	}
	got(s.GetObject(ctx, "v", "k")).equals(t, "the last version is current", v2)
	wantErr(t, "delete a bucket with one version left", s.DeleteBucket(ctx, "v"), store.ErrDeleteConflict)
	got(s.DeleteObjectVersion(ctx, "v", "k", "0002")).must(t)
	got(s.GetObject(ctx, "v", "k")).fails(t, "no version left", store.ErrNotFound)
	must(t, s.DeleteBucket(ctx, "v"))
}

// testVersionedUpload checks that completing an upload in a versioned
// bucket keeps the version it follows.
func testVersionedUpload(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	must(t, s.CreateBucket(ctx, bucket(acct1, "v")))
	v1 := version("big", "0001", "blob-1", 1)
	must2(s.PutObject(ctx, v1))
	must(t, s.CreateUpload(ctx, store.Upload{ID: "u", Bucket: "v", Key: "big", AccountID: acct1, CreatedAt: t0}))
	v2 := version("big", "0002", "whole", 2)
	replaced, _, err := s.CompleteUpload(ctx, "u", v2)
	if err != nil || replaced != nil {
		t.Fatalf("complete = %+v, %v", replaced, err)
	}
	got(s.GetObject(ctx, "v", "big")).equals(t, "the completed version", v2)
	got(s.GetObjectVersion(ctx, "v", "big", "0001")).equals(t, "the version before", noncurrent(v1, v2.LastModified))
}

// testPutObjectIf checks the conditional put of a version: it lands only
// over the version it names, and a refused one writes nothing.
func testPutObjectIf(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	must(t, s.CreateBucket(ctx, bucket(acct1, "v")))
	marker := func(key, id string, n int, null bool) store.Object {
		return store.Object{Bucket: "v", Key: key, VersionID: id, Null: null, DeleteMarker: true, LastModified: t0.Add(time.Duration(n) * time.Second)}
	}

	// Over the current version: it becomes noncurrent, nothing replaced.
	v1 := version("k", "0001", "blob-1", 1)
	must2(s.PutObject(ctx, v1))
	m2 := marker("k", "0002", 2, false)
	if r, err := s.PutObjectIf(ctx, m2, "0001"); err != nil || r != nil {
		t.Fatalf("put over the current version = %+v, %v", r, err)
	}
	got(s.GetObject(ctx, "v", "k")).equals(t, "the conditional marker is current", m2)
	got(s.GetObjectVersion(ctx, "v", "k", "0001")).equals(t, "the version it covers", noncurrent(v1, m2.LastModified))

	// Over a version no longer current: refused, nothing written.
	got(s.PutObjectIf(ctx, marker("k", "0003", 3, false), "0001")).fails(t, "put over a noncurrent version", store.ErrConflict)
	got(s.GetObject(ctx, "v", "k")).equals(t, "the current version after a refused put", m2)
	got(s.GetObjectVersion(ctx, "v", "k", "0003")).fails(t, "the refused version", store.ErrNotFound)

	// A key or bucket with no version: refused, nothing written.
	got(s.PutObjectIf(ctx, marker("nope", "0004", 4, false), "0001")).fails(t, "put over a missing key", store.ErrNotFound)
	got(s.GetObject(ctx, "v", "nope")).fails(t, "the missing key after a refused put", store.ErrNotFound)
	missing := marker("k", "0005", 5, false)
	missing.Bucket = "nope"
	got(s.PutObjectIf(ctx, missing, "0002")).fails(t, "put into a missing bucket", store.ErrNotFound)

	// The null version is named by its own id: a null write that took
	// its place is another version, and a null marker put over it
	// replaces it, returned for its blob.
	n1 := version("n", "0006", "blob-n1", 6)
	n1.Null = true
	must2(s.PutObject(ctx, n1))
	n2 := version("n", "0007", "blob-n2", 7)
	n2.Null = true
	must2(s.PutObject(ctx, n2))
	got(s.PutObjectIf(ctx, marker("n", "0008", 8, true), "0006")).fails(t, "put over a null version replaced since", store.ErrConflict)
	got(s.GetObject(ctx, "v", "n")).equals(t, "the later null write after a refused put", n2)
	if !must2(s.BlobReferenced(ctx, "blob-n2")) {
		t.Error("a refused put unreferenced the current null version's blob")
	}
	m8 := marker("n", "0008", 8, true)
	got(s.PutObjectIf(ctx, m8, "0007")).equals(t, "a null marker over the current null version replaces it", &n2)
	got(s.GetObject(ctx, "v", "n")).equals(t, "the null marker is current", m8)
	if must2(s.BlobReferenced(ctx, "blob-n2")) {
		t.Error("the replaced null version's blob is still referenced")
	}

	// An object from before versioning is named by "".
	pre := version("p", "", "blob-pre", 9)
	must2(s.PutObject(ctx, pre))
	got(s.PutObjectIf(ctx, marker("p", "0010", 10, false), "0001")).fails(t, "put over another id than the unversioned object's", store.ErrConflict)
	if r, err := s.PutObjectIf(ctx, marker("p", "0010", 10, false), ""); err != nil || r != nil {
		t.Fatalf("put over the object from before versioning = %+v, %v", r, err)
	}
	got(s.GetObjectVersion(ctx, "v", "p", store.NullVersion)).equals(t, "the object from before versioning, noncurrent", noncurrent(pre, t0.Add(10*time.Second)))
}
