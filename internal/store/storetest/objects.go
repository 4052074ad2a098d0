package storetest

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/store"
)

func bucket(acct, name string) store.Bucket {
	return store.Bucket{AccountID: acct, Name: name, CreatedAt: t0}
}

func object(bucket, key, blob string) store.Object {
	return store.Object{Bucket: bucket, Key: key, BlobID: blob, Size: int64(len(key)), ETag: "d41d8cd98f00b204e9800998ecf8427e",
		Headers: map[string]string{"content-type": "text/plain", "x-amz-meta-k": "v"}, Checksums: map[string]string{"CRC32": "AAAAAA=="},
		Tags: tags("t", "1"), LastModified: t0}
}

func testBuckets(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	wantErr(t, "create a bucket of a missing account", s.CreateBucket(ctx, bucket("999999999999", "x")), store.ErrNotFound)
	b1, b2, other := bucket(acct1, "b-two"), bucket(acct1, "a-one"), bucket(acct2, "c-other")
	b1.Region = "eu-west-1"
	for _, b := range []store.Bucket{b1, b2, other} {
		must(t, s.CreateBucket(ctx, b))
	}
	wantErr(t, "a name taken in another account", s.CreateBucket(ctx, bucket(acct2, "b-two")), store.ErrAlreadyExists)
	got(s.GetBucket(ctx, "b-two")).equals(t, "get bucket", b1)
	got(s.GetBucket(ctx, "nope")).fails(t, "get missing bucket", store.ErrNotFound)
	got(s.ListBuckets(ctx, acct1)).equals(t, "list buckets by name", []store.Bucket{b2, b1})

	want := b1
	want.Policy = `{"Version":"2012-10-17"}`
	want.PolicyPrincipalIDs = map[string]string{"arn:aws:iam::" + acct1 + ":user/carol": "AIDACAROL", "arn:aws:iam::" + acct1 + ":role/gone": ""}
	got(s.UpdateBucket(ctx, "b-two", func(b *store.Bucket) error {
		b.Policy, b.PolicyPrincipalIDs = want.Policy, maps.Clone(want.PolicyPrincipalIDs)
		return nil
	})).equals(t, "update bucket", want)
	got(s.GetBucket(ctx, "b-two")).equals(t, "get updated bucket", want)
	if _, err := s.UpdateBucket(ctx, "b-two", func(b *store.Bucket) error { b.AccountID = acct2; return nil }); err == nil {
		t.Error("a bucket moved to another account")
	}
	got(s.GetBucket(ctx, "b-two")).equals(t, "unchanged after a refused update", want)
	cleared := b1
	got(s.UpdateBucket(ctx, "b-two", func(b *store.Bucket) error { b.Policy, b.PolicyPrincipalIDs = "", nil; return nil })).equals(t, "remove the policy", cleared)
	got(s.GetBucket(ctx, "b-two")).equals(t, "get the bucket without its policy", cleared)
	set := b1
	set.Settings = map[string]string{"versioning": `{"Status":"Enabled"}`, "tagging": `[{"Key":"a","Value":"b"}]`}
	got(s.UpdateBucket(ctx, "b-two", func(b *store.Bucket) error { b.Settings = maps.Clone(set.Settings); return nil })).equals(t, "settings", set)
	got(s.GetBucket(ctx, "b-two")).equals(t, "get the bucket's settings", set)
	got(s.ListBuckets(ctx, acct1)).equals(t, "list buckets with settings", []store.Bucket{b2, set})
	got(s.UpdateBucket(ctx, "b-two", func(b *store.Bucket) error {
		delete(b.Settings, "tagging")
		delete(b.Settings, "versioning")
		return nil
	})).equals(t, "no settings", cleared)
	got(s.GetBucket(ctx, "b-two")).equals(t, "get the bucket without settings", cleared)

	_ = must2(s.PutObject(ctx, object("a-one", "k", "blob1")))
	wantErr(t, "delete a bucket with objects", s.DeleteBucket(ctx, "a-one"), store.ErrDeleteConflict)
	got(s.DeleteObject(ctx, "a-one", "k")).must(t)
	must(t, s.DeleteBucket(ctx, "a-one"))
	got(s.GetBucket(ctx, "a-one")).fails(t, "get deleted bucket", store.ErrNotFound)
	wantErr(t, "delete a missing bucket", s.DeleteBucket(ctx, "a-one"), store.ErrNotFound)
}

func testAccountSettings(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	got(s.AccountSettings(ctx, acct1)).equals(t, "an account without settings", map[string]string(nil))
	got(s.AccountSettings(ctx, "999999999999")).fails(t, "settings of a missing account", store.ErrNotFound)
	wantErr(t, "put a setting of a missing account", s.PutAccountSetting(ctx, "999999999999", "publicAccessBlock", "{}"), store.ErrNotFound)
	must(t, s.PutAccountSetting(ctx, acct1, "publicAccessBlock", `{"blockPublicPolicy":true}`))
	must(t, s.PutAccountSetting(ctx, acct1, "other", "x"))
	got(s.AccountSettings(ctx, acct1)).equals(t, "settings", map[string]string{"publicAccessBlock": `{"blockPublicPolicy":true}`, "other": "x"})
	got(s.AccountSettings(ctx, acct2)).equals(t, "another account's settings are its own", map[string]string(nil))
	must(t, s.PutAccountSetting(ctx, acct1, "publicAccessBlock", `{"restrictPublicBuckets":true}`))
	got(s.AccountSettings(ctx, acct1)).equals(t, "a setting replaced", map[string]string{"publicAccessBlock": `{"restrictPublicBuckets":true}`, "other": "x"})
	must(t, s.PutAccountSetting(ctx, acct1, "other", ""))
	must(t, s.PutAccountSetting(ctx, acct1, "never-set", ""))
	got(s.AccountSettings(ctx, acct1)).equals(t, "a setting removed", map[string]string{"publicAccessBlock": `{"restrictPublicBuckets":true}`})
	must(t, s.PutAccountSetting(ctx, acct1, "publicAccessBlock", ""))
	got(s.AccountSettings(ctx, acct1)).equals(t, "every setting removed", map[string]string(nil))
}

// testUpdateBucketWithAccountSettings: the update of a bucket gets its
// owner's settings as committed, and a setting put while it runs waits
// for it to commit, so that what the update decided from them still
// holds when it lands.
func testUpdateBucketWithAccountSettings(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	must(t, s.CreateBucket(ctx, bucket(acct1, "mine")))
	seen := func(name string) (saw map[string]string) {
		t.Helper()
		got(s.UpdateBucketWithAccountSettings(ctx, name, func(b *store.Bucket, account map[string]string) error {
			saw = account
			return nil
		})).must(t)
		return saw
	}
	if got := seen("mine"); got != nil {
		t.Errorf("an account without settings: the update saw %v", got)
	}
	must(t, s.PutAccountSetting(ctx, acct1, "publicAccessBlock", `{"blockPublicPolicy":true}`))
	must(t, s.PutAccountSetting(ctx, acct2, "publicAccessBlock", `{"restrictPublicBuckets":true}`))
	if got, want := seen("mine"), map[string]string{"publicAccessBlock": `{"blockPublicPolicy":true}`}; !maps.Equal(got, want) {
		t.Errorf("the update saw %v, want its owner's %v", got, want)
	}
	got(s.UpdateBucketWithAccountSettings(ctx, "nope", func(*store.Bucket, map[string]string) error { return nil })).fails(t, "update a missing bucket", store.ErrNotFound)

	// The settings are the update's own copy.
	got(s.UpdateBucketWithAccountSettings(ctx, "mine", func(_ *store.Bucket, account map[string]string) error {
		account["publicAccessBlock"] = "changed"
		return nil
	})).must(t)
	got(s.AccountSettings(ctx, acct1)).equals(t, "settings after an update changed its copy", map[string]string{"publicAccessBlock": `{"blockPublicPolicy":true}`})

	// A setting put during the update lands after it commits; beside it,
	// the update's write, decided from the settings it saw.
	done := make(chan error, 1)
	want := bucket(acct1, "mine")
	want.Policy = `{"Version":"2012-10-17"}`
	got(s.UpdateBucketWithAccountSettings(ctx, "mine", func(b *store.Bucket, account map[string]string) error {
		go func() { done <- s.PutAccountSetting(ctx, acct1, "publicAccessBlock", "") }()
		select {
		case err := <-done:
			t.Errorf("a setting was put inside the bucket's update (%v)", err)
		case <-time.After(50 * time.Millisecond):
		}
		if account["publicAccessBlock"] == "" {
			t.Error("the update did not see the committed block")
		}
		b.Policy = want.Policy
		return nil
	})).equals(t, "the update", want)
	select {
	case err := <-done:
		must(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the setting put during the update never landed")
	}
	got(s.AccountSettings(ctx, acct1)).equals(t, "the setting put after the update", map[string]string(nil))
	if got := seen("mine"); got != nil {
		t.Errorf("after the setting was removed the update saw %v", got)
	}
	got(s.GetBucket(ctx, "mine")).equals(t, "the bucket", want)
}

// must2 drops a value of a step that must not fail.
func must2[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func testObjects(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	must(t, s.CreateBucket(ctx, bucket(acct1, "data")))
	_, err := s.PutObject(ctx, object("missing", "k", "b"))
	wantErr(t, "put into a missing bucket", err, store.ErrNotFound)

	// Keys that could escape a path or sort oddly are plain keys here.
	keys := []string{"a/b/c.txt", "a/b/d.txt", "a/e", "../../etc/passwd", "a//x", "\u00e9t\u00e9", "a", "b\x01c", "z\U0001F600"}
	for i, k := range keys {
		if r := must2(s.PutObject(ctx, object("data", k, fmt.Sprintf("blob-%d", i)))); r != nil {
			t.Errorf("new object %q replaced %+v", k, r)
		}
	}
	o := object("data", "a/e", "blob-new")
	o.Headers = nil
	replaced := must2(s.PutObject(ctx, o))
	if replaced == nil || replaced.BlobID != "blob-2" {
		t.Fatalf("replacing a/e returned %+v", replaced)
	}
	got(s.GetObject(ctx, "data", "a/e")).equals(t, "get replaced object", o)
	got(s.GetObject(ctx, "data", "nope")).fails(t, "get missing object", store.ErrNotFound)
	got(s.GetObject(ctx, "missing", "a")).fails(t, "get from a missing bucket", store.ErrNotFound)

	names := func(p store.ObjectPage) []string {
		var out []string
		for _, o := range p.Objects {
			out = append(out, o.Key)
		}
		return out
	}
	all := must2(s.ListObjects(ctx, "data", "", "", 0))
	same(t, "every key in byte order", names(all), []string{"../../etc/passwd", "a", "a//x", "a/b/c.txt", "a/b/d.txt", "a/e", "b\x01c", "z\U0001F600", "\u00e9t\u00e9"})
	if all.More {
		t.Error("More without a limit")
	}
	p := must2(s.ListObjects(ctx, "data", "a/", "", 2))
	same(t, "prefix a/, first page", names(p), []string{"a//x", "a/b/c.txt"})
	if !p.More {
		t.Error("first page of three has no More")
	}
	p = must2(s.ListObjects(ctx, "data", "a/", "a/b/c.txt", 2))
	same(t, "prefix a/, after a/b/c.txt", names(p), []string{"a/b/d.txt", "a/e"})
	if p.More {
		t.Error("last page has More")
	}
	same(t, "prefix equal to a key", names(must2(s.ListObjects(ctx, "data", "a", "", 0))), []string{"a", "a//x", "a/b/c.txt", "a/b/d.txt", "a/e"})
	same(t, "a prefix of no key", names(must2(s.ListObjects(ctx, "data", "q", "", 0))), []string(nil))
	_, err = s.ListObjects(ctx, "missing", "", "", 0)
	wantErr(t, "list a missing bucket", err, store.ErrNotFound)

	if ok := must2(s.BlobReferenced(ctx, "blob-new")); !ok {
		t.Error("blobE not referenced")
	}
	if ok := must2(s.BlobReferenced(ctx, "blob-2")); ok {
		t.Error("the replaced blob is still referenced")
	}
	tagged := o
	tagged.Tags = tags("env", "prod")
	got(s.UpdateObject(ctx, "data", "a/e", func(x *store.Object) error { x.Tags = tagged.Tags; return nil })).equals(t, "retag", tagged)
	got(s.GetObject(ctx, "data", "a/e")).equals(t, "get retagged", tagged)
	if _, err := s.UpdateObject(ctx, "data", "a/e", func(x *store.Object) error { x.BlobID = "other"; return nil }); err == nil {
		t.Error("an update changed the object's bytes")
	}
	got(s.UpdateObject(ctx, "data", "nope", func(*store.Object) error { return nil })).fails(t, "update a missing object", store.ErrNotFound)
	o = tagged
	got(s.DeleteObjectIf(ctx, "data", "a/e", "blob-old")).fails(t, "delete an object that holds another blob", store.ErrConflict)
	got(s.DeleteObjectIf(ctx, "data", "nope", "blob-new")).fails(t, "delete a missing object if", store.ErrNotFound)
	got(s.GetObject(ctx, "data", "a/e")).equals(t, "a refused conditional delete leaves the object", o)
	got(s.DeleteObjectIf(ctx, "data", "a/e", "blob-new")).equals(t, "conditional delete returns the object", o)
	must2(s.PutObject(ctx, o))
	versioned := func(state string) {
		t.Helper()
		must2(s.UpdateBucket(ctx, "data", func(b *store.Bucket) error {
			b.Settings = map[string]string{store.SettingVersioning: state}
			if state == "" {
				b.Settings = nil
			}
			return nil
		}))
	}
	versioned(store.VersioningEnabled)
	got(s.DeleteObjectIf(ctx, "data", "a/e", "blob-new")).fails(t, "conditional delete once the bucket is versioned", store.ErrConflict)
	got(s.GetObject(ctx, "data", "a/e")).equals(t, "a conditional delete refused for versioning leaves the object", o)
	versioned("")
	got(s.DeleteObject(ctx, "data", "a/e")).equals(t, "delete returns the object", o)
	got(s.DeleteObject(ctx, "data", "a/e")).fails(t, "delete again", store.ErrNotFound)
	if ok := must2(s.BlobReferenced(ctx, "blob-new")); ok {
		t.Error("a deleted object's blob is still referenced")
	}
}

func testUploads(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	must(t, s.CreateBucket(ctx, bucket(acct1, "data")))
	u1 := store.Upload{ID: "u1", Bucket: "data", Key: "big", Initiator: "arn:aws:iam::" + acct1 + ":root", AccountID: acct1,
		Headers: map[string]string{"content-type": "text/plain"}, ChecksumAlgorithm: "CRC32", CreatedAt: t0}
	u2 := u1
	u2.ID, u2.Key, u2.Headers, u2.ChecksumAlgorithm = "u2", "a-first", nil, ""
	wantErr(t, "upload into a missing bucket", s.CreateUpload(ctx, store.Upload{ID: "x", Bucket: "missing", CreatedAt: t0}), store.ErrNotFound)
	must(t, s.CreateUpload(ctx, u1))
	must(t, s.CreateUpload(ctx, u2))
	wantErr(t, "the same upload id again", s.CreateUpload(ctx, u1), store.ErrAlreadyExists)
	got(s.GetUpload(ctx, "u1")).equals(t, "get upload", u1)
	got(s.ListUploads(ctx, "data")).equals(t, "list uploads by key", []store.Upload{u2, u1})

	part := func(n int, blob string) store.Part {
		return store.Part{UploadID: "u1", Number: n, BlobID: blob, Size: 5, ETag: "abc", Checksums: map[string]string{"CRC32": "AAAAAA=="}, LastModified: t0}
	}
	for _, p := range []store.Part{part(2, "p2"), part(1, "p1a")} {
		if r := must2(s.PutPart(ctx, p)); r != nil {
			t.Errorf("new part %d replaced %+v", p.Number, r)
		}
	}
	if r := must2(s.PutPart(ctx, part(1, "p1b"))); r == nil || r.BlobID != "p1a" {
		t.Fatalf("replacing part 1 returned %+v", r)
	}
	_, err := s.PutPart(ctx, store.Part{UploadID: "nope", Number: 1, LastModified: t0})
	wantErr(t, "a part of a missing upload", err, store.ErrNotFound)
	got(s.ListParts(ctx, "u1")).equals(t, "list parts by number", []store.Part{part(1, "p1b"), part(2, "p2")})
	if !must2(s.BlobReferenced(ctx, "p2")) || must2(s.BlobReferenced(ctx, "p1a")) {
		t.Error("part blobs: p2 must be referenced, p1a not")
	}
	wantErr(t, "delete a bucket with an upload", s.DeleteBucket(ctx, "data"), store.ErrDeleteConflict)

	o := object("data", "big", "whole")
	replaced, parts, err := s.CompleteUpload(ctx, "u1", o)
	if err != nil || replaced != nil || len(parts) != 2 {
		t.Fatalf("complete = %+v, %d parts, %v", replaced, len(parts), err)
	}
	got(s.GetObject(ctx, "data", "big")).equals(t, "the completed object", o)
	got(s.GetUpload(ctx, "u1")).fails(t, "the completed upload", store.ErrNotFound)
	if must2(s.BlobReferenced(ctx, "p2")) {
		t.Error("a completed upload's part is still referenced")
	}
	_, _, err = s.CompleteUpload(ctx, "u1", o)
	wantErr(t, "complete again", err, store.ErrNotFound)

	must2(s.PutPart(ctx, store.Part{UploadID: "u2", Number: 1, BlobID: "q1", LastModified: t0}))
	ps := must2(s.DeleteUpload(ctx, "u2"))
	if len(ps) != 1 || ps[0].BlobID != "q1" {
		t.Fatalf("abort returned %+v", ps)
	}
	got(s.ListParts(ctx, "u2")).fails(t, "parts of an aborted upload", store.ErrNotFound)
	_, err = s.DeleteUpload(ctx, "u2")
	wantErr(t, "abort again", err, store.ErrNotFound)
	got(s.DeleteObject(ctx, "data", "big")).must(t)
	must(t, s.DeleteBucket(ctx, "data"))
}
