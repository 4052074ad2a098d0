package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/blob"
	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/sqlite"
)

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func i32(v int32) *int32   { return &v }
func i64(v int64) *int64   { return &v }
func str(v string) *string { return &v }

// TestDueAfter: the days are added to the time, and the result rounded
// up to the next midnight UTC.
func TestDueAfter(t *testing.T) {
	for _, c := range []struct {
		from string
		days int32
		want string
	}{
		{"2026-01-15T10:30:00Z", 3, "2026-01-19T00:00:00Z"},
		{"2026-01-15T00:00:00Z", 3, "2026-01-18T00:00:00Z"},
		{"2026-01-15T23:59:59Z", 1, "2026-01-17T00:00:00Z"},
		{"2026-01-15T00:00:01+02:00", 1, "2026-01-16T00:00:00Z"}, // 14th 22:00:01 UTC, +1 day, rounded up
		{"2026-12-31T12:00:00Z", 1, "2027-01-02T00:00:00Z"},
		{"2026-01-15T10:30:00Z", 110000, "2327-03-20T00:00:00Z"}, // past a time.Duration's range: still the future
	} {
		if got := dueAfter(day(c.from), c.days); !got.Equal(day(c.want)) {
			t.Errorf("dueAfter(%s, %d) = %s, want %s", c.from, c.days, got, c.want)
		}
	}
}

// TestRuleMatches: a rule covers the objects its filter selects, by
// prefix, tags and size, and expires them by Days or Date; a disabled
// rule nothing.
func TestRuleMatches(t *testing.T) {
	t0 := day("2026-02-10T10:30:00Z")
	tags := []store.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}
	days3 := &Expiration{Days: i32(3)}
	for _, c := range []struct {
		name string
		rule LifecycleRule
		key  string
		size int64
		tags []store.Tag
		now  string
		want bool
	}{
		{"prefix, due", LifecycleRule{Enabled: true, Filter: &LifecycleFilter{Prefix: str("logs/")}, Expiration: days3}, "logs/x", 1, nil, "2026-02-14T00:00:00Z", true},
		{"prefix, a second before", LifecycleRule{Enabled: true, Filter: &LifecycleFilter{Prefix: str("logs/")}, Expiration: days3}, "logs/x", 1, nil, "2026-02-13T23:59:59Z", false},
		{"other prefix", LifecycleRule{Enabled: true, Filter: &LifecycleFilter{Prefix: str("logs/")}, Expiration: days3}, "log/x", 1, nil, "2026-03-01T00:00:00Z", false},
		{"legacy prefix", LifecycleRule{Enabled: true, Prefix: str("logs/"), Expiration: days3}, "logs/x", 1, nil, "2026-02-14T00:00:00Z", true},
		{"disabled", LifecycleRule{Filter: &LifecycleFilter{}, Expiration: days3}, "logs/x", 1, nil, "2027-01-01T00:00:00Z", false},
		{"empty filter", LifecycleRule{Enabled: true, Filter: &LifecycleFilter{}, Expiration: days3}, "x", 0, nil, "2026-02-14T00:00:00Z", true},
		{"tag present", LifecycleRule{Enabled: true, Filter: &LifecycleFilter{Tag: &store.Tag{Key: "b", Value: "2"}}, Expiration: days3}, "x", 0, tags, "2026-02-14T00:00:00Z", true},
		{"tag of another value", LifecycleRule{Enabled: true, Filter: &LifecycleFilter{Tag: &store.Tag{Key: "b", Value: "3"}}, Expiration: days3}, "x", 0, tags, "2026-02-14T00:00:00Z", false},
		{"and, all met", LifecycleRule{Enabled: true, Filter: &LifecycleFilter{And: &LifecycleAnd{Prefix: str("p/"), Tags: tags, SizeGreaterThan: i64(10), SizeLessThan: i64(20)}}, Expiration: days3}, "p/x", 15, tags, "2026-02-14T00:00:00Z", true},
		{"and, a tag missing", LifecycleRule{Enabled: true, Filter: &LifecycleFilter{And: &LifecycleAnd{Tags: tags}}, Expiration: days3}, "p/x", 15, tags[:1], "2026-02-14T00:00:00Z", false},
		{"size at the lower bound", LifecycleRule{Enabled: true, Filter: &LifecycleFilter{SizeGreaterThan: i64(10)}, Expiration: days3}, "x", 10, nil, "2026-02-14T00:00:00Z", false},
		{"size at the upper bound", LifecycleRule{Enabled: true, Filter: &LifecycleFilter{SizeLessThan: i64(10)}, Expiration: days3}, "x", 10, nil, "2026-02-14T00:00:00Z", false},
		{"size under the upper bound", LifecycleRule{Enabled: true, Filter: &LifecycleFilter{SizeLessThan: i64(10)}, Expiration: days3}, "x", 9, nil, "2026-02-14T00:00:00Z", true},
		{"date reached", LifecycleRule{Enabled: true, Filter: &LifecycleFilter{}, Expiration: &Expiration{Date: new(day("2026-02-11T00:00:00Z"))}}, "x", 0, nil, "2026-02-11T00:00:00Z", true},
		{"date not reached", LifecycleRule{Enabled: true, Filter: &LifecycleFilter{}, Expiration: &Expiration{Date: new(day("2026-02-11T00:00:00Z"))}}, "x", 0, nil, "2026-02-10T23:59:59Z", false},
		{"delete marker rule expires no object", LifecycleRule{Enabled: true, Filter: &LifecycleFilter{}, Expiration: &Expiration{ExpiredObjectDeleteMarker: new(true)}}, "x", 0, nil, "2030-01-01T00:00:00Z", false},
	} {
		if got := c.rule.currentExpired(c.key, c.size, c.tags, t0, day(c.now)); got != c.want {
			t.Errorf("%s: expired = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestDecideVersions: what rules do to the versions of a versioned
// bucket.
func TestDecideVersions(t *testing.T) {
	t0 := day("2026-02-10T10:30:00Z")
	at := func(d int) time.Time { return t0.Add(time.Duration(d) * 24 * time.Hour) }
	all := &LifecycleFilter{}
	// k: three versions, replaced on days 1 and 2; d: a lone delete
	// marker; m: a delete marker over one version.
	vs := []ObjectVersion{
		{Key: "d", VersionID: "d1", IsLatest: true, IsDeleteMarker: true, LastModified: at(0)},
		{Key: "k", VersionID: "k3", IsLatest: true, LastModified: at(2), Size: 5},
		{Key: "k", VersionID: "k2", LastModified: at(1), NoncurrentSince: at(2), Size: 5},
		{Key: "k", VersionID: "k1", LastModified: at(0), NoncurrentSince: at(1), Size: 5},
		{Key: "m", VersionID: "m2", IsLatest: true, IsDeleteMarker: true, LastModified: at(1)},
		{Key: "m", VersionID: "m1", LastModified: at(0)}, // NoncurrentSince from m2
	}
	type want struct {
		id string
		a  VersionAction
	}
	for _, c := range []struct {
		name  string
		rules []LifecycleRule
		now   time.Time
		want  []want
	}{
		{"nothing due", []LifecycleRule{{Enabled: true, Filter: all, NoncurrentExpiration: &NoncurrentExpiration{NoncurrentDays: i32(1)}}}, at(1), nil},
		// k1 noncurrent since day 1 10:30: due day 2 + 1 -> midnight of day 3.
		{"noncurrent after a day", []LifecycleRule{{ID: "nc", Enabled: true, Filter: all, NoncurrentExpiration: &NoncurrentExpiration{NoncurrentDays: i32(1)}}},
			day("2026-02-13T00:00:00Z"), []want{{"k1", DeleteNoncurrent}, {"m1", DeleteNoncurrent}}},
		{"noncurrent, all due", []LifecycleRule{{Enabled: true, Filter: all, NoncurrentExpiration: &NoncurrentExpiration{NoncurrentDays: i32(1)}}},
			at(5), []want{{"k2", DeleteNoncurrent}, {"k1", DeleteNoncurrent}, {"m1", DeleteNoncurrent}}},
		{"keep the newest noncurrent", []LifecycleRule{{Enabled: true, Filter: all, NoncurrentExpiration: &NoncurrentExpiration{NoncurrentDays: i32(1), NewerNoncurrentVersions: i32(1)}}},
			at(5), []want{{"k1", DeleteNoncurrent}}},
		{"noncurrent under another prefix", []LifecycleRule{{Enabled: true, Filter: &LifecycleFilter{Prefix: str("z")}, NoncurrentExpiration: &NoncurrentExpiration{NoncurrentDays: i32(1)}}}, at(5), nil},
		{"current expires: a delete marker", []LifecycleRule{{Enabled: true, Filter: all, Expiration: &Expiration{Days: i32(1)}}},
			at(5), []want{{"k3", ExpireCurrent}}},
		{"lone delete marker", []LifecycleRule{{Enabled: true, Filter: all, Expiration: &Expiration{ExpiredObjectDeleteMarker: new(true)}}},
			at(0), []want{{"d1", RemoveDeleteMarker}}},
		{"delete marker set false", []LifecycleRule{{Enabled: true, Filter: all, Expiration: &Expiration{ExpiredObjectDeleteMarker: new(false)}}}, at(0), nil},
		{"disabled", []LifecycleRule{{Filter: all, Expiration: &Expiration{ExpiredObjectDeleteMarker: new(true)}, NoncurrentExpiration: &NoncurrentExpiration{NoncurrentDays: i32(1)}}}, at(9), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got []want
			for _, d := range DecideVersions(c.rules, vs, c.now) {
				got = append(got, want{d.Version.VersionID, d.Action})
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("decided %v, want %v", got, c.want)
			}
		})
	}
}

// testBlobs adapts blob.Store to Blobs.
type testBlobs struct{ *blob.Store }

func (b testBlobs) Create() (BlobWriter, error) { return b.Store.Create() }
func (b testBlobs) Open(id string) (BlobReader, error) {
	r, err := b.Store.Open(id)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// TestLifecycleRunner: on a real SQLite store and blob store, with the
// clock moved on, a run expires the objects each rule selects once they
// are due (their bytes go too), aborts old uploads with their parts, and
// keeps everything else.
func TestLifecycleRunner(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db, err := sqlite.Open(filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bs, err := blob.Open(blob.Config{Dir: filepath.Join(dir, "blobs"), Key: make([]byte, blob.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	now := day("2026-02-10T10:30:00Z")
	clock := func() time.Time { return now }
	const acct = "111122223333"
	if err := db.CreateAccount(ctx, store.Account{ID: acct, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	seal, _ := creds.NewSealer(map[byte][]byte{1: bytes.Repeat([]byte{1}, 32)}, 1, nil)
	ids, err := iam.NewService(iam.Config{Store: db, Sealer: seal, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(Config{Store: db, Blobs: testBlobs{bs}, Identities: ids, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	root := &Request{Caller: &iam.Caller{Account: acct, ARN: "arn:aws:iam::" + acct + ":root", Root: true}}
	if err := svc.CreateBucket(ctx, root, "data", ""); err != nil {
		t.Fatal(err)
	}
	put := func(key string, size int, tags ...store.Tag) store.Object {
		t.Helper()
		o, err := svc.PutObject(ctx, root, PutInput{Bucket: "data", Key: key, Body: bytes.NewReader(make([]byte, size)), Size: int64(size), Tags: tags})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	l := &Lifecycle{Rules: []LifecycleRule{
		{ID: "logs", Enabled: true, Filter: &LifecycleFilter{Prefix: str("logs/")}, Expiration: &Expiration{Days: i32(3)}},
		{ID: "tmp", Enabled: true, Filter: &LifecycleFilter{Tag: &store.Tag{Key: "tmp", Value: "yes"}}, Expiration: &Expiration{Days: i32(1)}},
		{ID: "big", Enabled: true, Filter: &LifecycleFilter{And: &LifecycleAnd{Prefix: str("big/"), SizeGreaterThan: i64(100)}}, Expiration: &Expiration{Date: new(day("2026-03-01T00:00:00Z"))}},
		{ID: "off", Filter: &LifecycleFilter{Prefix: str("keep/")}, Expiration: &Expiration{Days: i32(1)}},
		{ID: "uploads", Enabled: true, Filter: &LifecycleFilter{Prefix: str("up/")}, AbortUploadDays: i32(2)},
	}}
	if err := svc.PutBucketLifecycle(ctx, root, "data", func() (*Lifecycle, error) { return l, nil }); err != nil {
		t.Fatal(err)
	}
	objs := map[string]store.Object{}
	for _, k := range []string{"logs/a", "logs/b", "keep/x", "other"} {
		objs[k] = put(k, 10)
	}
	objs["tagged"] = put("tagged", 10, store.Tag{Key: "tmp", Value: "yes"})
	objs["big/small"] = put("big/small", 10)
	objs["big/large"] = put("big/large", 200)
	u1, err := svc.CreateMultipartUpload(ctx, root, "data", "up/one", nil, "", "")
	if err != nil {
		t.Fatal(err)
	}
	p1, err := svc.UploadPart(ctx, root, PartInput{Bucket: "data", Key: "up/one", UploadID: u1.ID, Number: 1, Body: strings.NewReader("part"), Size: 4})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := svc.CreateMultipartUpload(ctx, root, "data", "elsewhere", nil, "", "")
	now = day("2026-02-11T22:30:00Z")
	u2, _ := svc.CreateMultipartUpload(ctx, root, "data", "up/two", nil, "", "")

	var events []LifecycleEvent
	lr, err := NewLifecycleRunner(RunnerConfig{S3: svc, Accounts: db, Report: func(_ context.Context, e LifecycleEvent) { events = append(events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	run := func(at string) LifecycleStats {
		t.Helper()
		now = day(at)
		st, err := lr.Run(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	present := func(want ...string) {
		t.Helper()
		page, err := db.ListObjects(ctx, "data", "", "", 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range page.Objects {
			got = append(got, o.Key)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("at %s the bucket holds %q, want %q", now.Format(time.RFC3339), got, want)
		}
	}
	blobGone := func(id string) {
		t.Helper()
		if f, err := bs.Open(id); err == nil || !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, blob.ErrNotFound) {
			if f != nil {
				f.Close()
			}
			t.Fatalf("blob %s still there (%v)", id, err)
		}
	}
	blobKept := func(id string) {
		t.Helper()
		f, err := bs.Open(id)
		if err != nil {
			t.Fatalf("blob %s: %v", id, err)
		}
		f.Close()
	}
	uploadGone := func(id string, gone bool) {
		t.Helper()
		if _, err := db.GetUpload(ctx, id); errors.Is(err, store.ErrNotFound) != gone {
			t.Fatalf("upload %s: %v, want gone=%v", id, err, gone)
		}
	}

	all := []string{"big/large", "big/small", "keep/x", "logs/a", "logs/b", "other", "tagged"}
	if st := run("2026-02-11T23:59:59Z"); st.Expired != 0 || st.Aborted != 0 || st.Buckets != 1 {
		t.Fatalf("before anything is due: %+v", st)
	}
	present(all...)
	// tagged: 10th 10:30 + 1 day, rounded up to midnight.
	if st := run("2026-02-12T00:00:00Z"); st.Expired != 1 {
		t.Fatalf("on the 12th: %+v", st)
	}
	present("big/large", "big/small", "keep/x", "logs/a", "logs/b", "other")
	blobGone(objs["tagged"].BlobID)
	// logs/b written again on the 13th: its days count from then.
	now = day("2026-02-13T08:00:00Z")
	objs["logs/b"] = put("logs/b", 10)
	// u1 (10th 10:30 + 2 days) is due at midnight of the 13th; u2 (11th
	// 22:30) at midnight of the 14th.
	if st := run("2026-02-13T23:59:59Z"); st.Expired != 0 || st.Aborted != 1 {
		t.Fatalf("on the 13th: %+v", st)
	}
	uploadGone(u1.ID, true)
	uploadGone(u2.ID, false)
	blobGone(p1.BlobID)
	if st := run("2026-02-14T00:00:00Z"); st.Expired != 1 || st.Aborted != 1 {
		t.Fatalf("on the 14th: %+v", st)
	}
	present("big/large", "big/small", "keep/x", "logs/b", "other")
	uploadGone(u2.ID, true)
	uploadGone(other.ID, false)
	if st := run("2026-03-01T00:00:00Z"); st.Expired != 2 {
		t.Fatalf("on the 1st of March: %+v", st)
	}
	present("big/small", "keep/x", "other")
	blobGone(objs["big/large"].BlobID)
	blobKept(objs["big/small"].BlobID)
	blobKept(objs["keep/x"].BlobID)
	uploadGone(other.ID, false)

	var got []string
	for _, e := range events {
		if e.Account != acct || e.Bucket != "data" {
			t.Errorf("event %+v", e)
		}
		got = append(got, e.Action+" "+e.Operation+" "+e.Key+" "+e.RuleID)
	}
	want := []string{
		"s3:LifecycleExpiration S3.EXPIRE.OBJECT tagged tmp",
		"s3:LifecycleAbortIncompleteMultipartUpload S3.DELETE.UPLOAD up/one uploads",
		"s3:LifecycleExpiration S3.EXPIRE.OBJECT logs/a logs",
		"s3:LifecycleAbortIncompleteMultipartUpload S3.DELETE.UPLOAD up/two uploads",
		"s3:LifecycleExpiration S3.EXPIRE.OBJECT big/large big",
		"s3:LifecycleExpiration S3.EXPIRE.OBJECT logs/b logs",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Without a configuration, nothing more goes.
	if err := svc.DeleteBucketLifecycle(ctx, root, "data"); err != nil {
		t.Fatal(err)
	}
	if st := run("2030-01-01T00:00:00Z"); st.Buckets != 0 || st.Expired != 0 {
		t.Fatalf("after DeleteBucketLifecycle: %+v", st)
	}
	present("big/small", "keep/x", "other")
}

// fakeVersions records what the runner asks of a versioning store.
type fakeVersions struct {
	versions []ObjectVersion
	did      []string
}

func (f *fakeVersions) Versioned(b store.Bucket) bool { return b.Settings["versioning"] != "" }
func (f *fakeVersions) WalkVersions(_ context.Context, _ string, fn func([]ObjectVersion) error) error {
	return fn(f.versions)
}
func (f *fakeVersions) ExpireCurrent(_ context.Context, _, key, id string) error {
	f.did = append(f.did, "marker "+key+" "+id)
	return nil
}
func (f *fakeVersions) DeleteVersion(_ context.Context, _, key, id string) error {
	if id == "gone" {
		return store.ErrNotFound
	}
	f.did = append(f.did, "delete "+key+" "+id)
	return nil
}

// TestLifecycleRunnerVersions: a versioned bucket's decisions go to the
// versioning store; one whose version went meanwhile is skipped.
func TestLifecycleRunnerVersions(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	t0 := day("2026-02-10T10:30:00Z")
	db.CreateAccount(ctx, store.Account{ID: "111122223333", CreatedAt: t0})
	enc, _ := EncodeLifecycle(&Lifecycle{Rules: []LifecycleRule{{Enabled: true, Filter: &LifecycleFilter{},
		Expiration: &Expiration{Days: i32(1)}, NoncurrentExpiration: &NoncurrentExpiration{NoncurrentDays: i32(1)}}}})
	for _, b := range []string{"plain", "versioned"} {
		st := store.Bucket{Name: b, AccountID: "111122223333", CreatedAt: t0, Settings: map[string]string{settingLifecycle: enc}}
		if b == "versioned" {
			st.Settings["versioning"] = "Enabled"
		}
		if err := db.CreateBucket(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	seal, _ := creds.NewSealer(map[byte][]byte{1: bytes.Repeat([]byte{1}, 32)}, 1, nil)
	ids, _ := iam.NewService(iam.Config{Store: db, Sealer: seal})
	svc, _ := New(Config{Store: db, Blobs: noBlobs{}, Identities: ids})
	fv := &fakeVersions{versions: []ObjectVersion{
		{Key: "k", VersionID: "v2", ID: "id-2", IsLatest: true, LastModified: t0},
		{Key: "k", VersionID: "v1", ID: "id-1", LastModified: t0, NoncurrentSince: t0},
		{Key: "k", VersionID: "null", ID: "gone", LastModified: t0, NoncurrentSince: t0},
	}}
	var events []LifecycleEvent
	lr, _ := NewLifecycleRunner(RunnerConfig{S3: svc, Accounts: db, Versions: fv, Report: func(_ context.Context, e LifecycleEvent) { events = append(events, e) }})
	st, err := lr.Run(ctx, t0.Add(72*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"marker k id-2", "delete k id-1"}; !reflect.DeepEqual(fv.did, want) || st.Expired != 2 || st.Buckets != 2 {
		t.Fatalf("did %q (%+v), want %q", fv.did, st, want)
	}
	if len(events) != 2 || events[0].Operation != OpCreateDeleteMarker || events[0].VersionID != "v2" || events[1].Operation != OpExpireObject {
		t.Fatalf("events %+v", events)
	}
}

// raceStore is a Store that runs a hook just before the lifecycle acts on
// a version it listed: a delete marker written, or a version deleted for
// good (after any check the service made before the write).
type raceStore struct {
	Store
	before func()
}

func (r raceStore) PutObject(ctx context.Context, o store.Object) (*store.Object, error) {
	if o.DeleteMarker {
		r.before()
	}
	return r.Store.PutObject(ctx, o)
}

func (r raceStore) PutObjectIf(ctx context.Context, o store.Object, current string) (*store.Object, error) {
	if o.DeleteMarker {
		r.before()
	}
	return r.Store.PutObjectIf(ctx, o, current)
}

func (r raceStore) DeleteObjectVersion(ctx context.Context, bucket, key, versionID string) (store.Object, error) {
	r.before()
	return r.Store.DeleteObjectVersion(ctx, bucket, key, versionID)
}

// raceRig is a service on a real SQLite and blob store whose bucket
// "data" has the lifecycle lc and the versioning state given, with its
// store behind a raceStore; put writes key "k" as the account's root.
type raceRig struct {
	db    *sqlite.DB
	blobs *blob.Store
	svc   *Service
	race  *raceStore
	now   time.Time
	put   func(body string) store.Object
}

func newRaceRig(t *testing.T, lc *Lifecycle, versioning string) *raceRig {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	db, err := sqlite.Open(filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bs, err := blob.Open(blob.Config{Dir: filepath.Join(dir, "blobs"), Key: make([]byte, blob.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	t0 := day("2026-02-10T10:30:00Z")
	const acct = "111122223333"
	if err := db.CreateAccount(ctx, store.Account{ID: acct, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	enc, _ := EncodeLifecycle(lc)
	if err := db.CreateBucket(ctx, store.Bucket{Name: "data", AccountID: acct, CreatedAt: t0,
		Settings: map[string]string{settingLifecycle: enc, settingVersioning: versioning}}); err != nil {
		t.Fatal(err)
	}
	seal, _ := creds.NewSealer(map[byte][]byte{1: bytes.Repeat([]byte{1}, 32)}, 1, nil)
	ids, _ := iam.NewService(iam.Config{Store: db, Sealer: seal})
	rs := &raceStore{Store: db, before: func() {}}
	svc, err := New(Config{Store: rs, Blobs: testBlobs{bs}, Identities: ids, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	root := &Request{Caller: &iam.Caller{Account: acct, ARN: "arn:aws:iam::" + acct + ":root", Root: true}}
	g := &raceRig{db: db, blobs: bs, svc: svc, race: rs, now: t0}
	g.put = func(body string) store.Object {
		o, err := svc.PutObject(ctx, root, PutInput{Bucket: "data", Key: "k", Body: strings.NewReader(body), Size: int64(len(body))})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	return g
}

// hasBlob reports whether blob id can still be opened.
func (g *raceRig) hasBlob(id string) bool {
	r, err := g.blobs.Open(id)
	if err != nil {
		return false
	}
	r.Close()
	return true
}

// TestLifecycleExpireRace: on a real SQLite and blob store, a write that
// lands between the runner's listing of a key (and the service's look at
// its current version) and the delete marker that expires the version
// listed survives it, in a Suspended bucket (where the
// null delete marker would replace the new null version and remove its
// bytes) as in an Enabled one; without the write, the current version is
// expired.
func TestLifecycleExpireRace(t *testing.T) {
	for _, c := range []struct {
		versioning string
		write      bool
	}{
		{VersioningSuspended, false},
		{VersioningSuspended, true},
		{VersioningEnabled, false},
		{VersioningEnabled, true},
	} {
		name := c.versioning
		if c.write {
			name += " with a write between"
		}
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			g := newRaceRig(t, &Lifecycle{Rules: []LifecycleRule{{Enabled: true, Filter: &LifecycleFilter{}, Expiration: &Expiration{Days: i32(1)}}}}, c.versioning)
			db, svc, rs, put, t0, hasBlob := g.db, g.svc, g.race, g.put, g.now, g.hasBlob
			old := put("old")
			var written store.Object
			rs.before = func() {
				if c.write && written.BlobID == "" {
					written = put("new")
				}
			}
			lr, _ := NewLifecycleRunner(RunnerConfig{S3: svc, Accounts: db, Versions: svc})
			st, err := lr.Run(ctx, t0.Add(72*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			cur, err := db.GetObject(ctx, "data", "k")
			if err != nil {
				t.Fatal(err)
			}
			if !c.write {
				if st.Expired != 1 || !cur.DeleteMarker {
					t.Fatalf("nothing between: expired %d, current %+v; want a delete marker", st.Expired, cur)
				}
				if c.versioning == VersioningSuspended && (!cur.Null || hasBlob(old.BlobID)) {
					t.Fatalf("the null marker %+v kept the null version's bytes %v", cur, hasBlob(old.BlobID))
				}
				return
			}
			if st.Expired != 0 || cur.DeleteMarker || cur.VersionID != written.VersionID || cur.BlobID != written.BlobID {
				t.Fatalf("expired %d, current %+v; want the write between %+v", st.Expired, cur, written)
			}
			if !hasBlob(written.BlobID) {
				t.Fatal("the write between lost its bytes")
			}
		})
	}
}

// TestLifecycleDeleteNoncurrentRace: on a real SQLite and blob store, a
// noncurrent null version falls due; a null write in the Suspended bucket
// lands after the runner decided (replacing that null version, as S3
// does) and survives the runner, bytes and all; without the write the
// noncurrent versions are removed.
func TestLifecycleDeleteNoncurrentRace(t *testing.T) {
	for _, write := range []bool{false, true} {
		t.Run(fmt.Sprintf("write between %v", write), func(t *testing.T) {
			ctx := t.Context()
			g := newRaceRig(t, &Lifecycle{Rules: []LifecycleRule{{Enabled: true, Filter: &LifecycleFilter{},
				NoncurrentExpiration: &NoncurrentExpiration{NoncurrentDays: i32(1)}}}}, VersioningEnabled)
			db, svc, rs, put, t0 := g.db, g.svc, g.race, g.put, g.now
			versioning := func(status string) {
				if _, err := db.UpdateBucket(ctx, "data", func(b *store.Bucket) error { b.Settings[settingVersioning] = status; return nil }); err != nil {
					t.Fatal(err)
				}
			}
			put("v1")
			versioning(VersioningSuspended)
			null := put("null") // the null version, current
			versioning(VersioningEnabled)
			put("v2") // the null version is noncurrent now
			versioning(VersioningSuspended)
			var written store.Object
			rs.before = func() {
				if write && written.BlobID == "" {
					written = put("new") // replaces the noncurrent null version; current
				}
			}
			lr, _ := NewLifecycleRunner(RunnerConfig{S3: svc, Accounts: db, Versions: svc})
			if _, err := lr.Run(ctx, t0.Add(72*time.Hour)); err != nil {
				t.Fatal(err)
			}
			page, err := db.ListObjectVersions(ctx, "data", "", "", "", 100)
			if err != nil {
				t.Fatal(err)
			}
			if !write {
				if len(page.Versions) != 1 || page.Versions[0].Null {
					t.Fatalf("versions left %+v; want v2 alone", page.Versions)
				}
				if g.hasBlob(null.BlobID) {
					t.Fatal("the expired null version kept its bytes")
				}
				return
			}
			cur, err := db.GetObject(ctx, "data", "k")
			if err != nil || !cur.Null || cur.BlobID != written.BlobID {
				t.Fatalf("current %+v (%v); want the write between %+v", cur, err, written)
			}
			if !g.hasBlob(written.BlobID) {
				t.Fatal("the write between lost its bytes")
			}
		})
	}
}
