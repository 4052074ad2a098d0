package s3

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/podiam/podiam/internal/store"
)

// Lifecycle actions, as audit records name them; Operation tells them
// apart as S3's server access logs do.
const (
	ActionLifecycleExpiration = "s3:LifecycleExpiration"
	ActionLifecycleAbort      = "s3:LifecycleAbortIncompleteMultipartUpload"
)

// Lifecycle operations, as S3's server access logs name them.
const (
	OpExpireObject       = "S3.EXPIRE.OBJECT"       // an object or a noncurrent version deleted
	OpCreateDeleteMarker = "S3.CREATE.DELETEMARKER" // a versioned bucket's current version expired
	OpDeleteMarker       = "S3.EXPIRE.DELETEMARKER" // an expired object delete marker removed
	OpDeleteUpload       = "S3.DELETE.UPLOAD"       // an incomplete multipart upload aborted
)

// LifecycleEvent is one thing the lifecycle did, for the audit log.
type LifecycleEvent struct {
	Action    string // ActionLifecycleExpiration or ActionLifecycleAbort
	Operation string // one of the Op values
	Account   string // the bucket's owner
	Bucket    string
	Key       string
	VersionID string // "" for an unversioned bucket
	UploadID  string
	RuleID    string
}

// Resource is the event's object ARN.
func (e LifecycleEvent) Resource() string { return objectARN(e.Bucket, e.Key) }

// ObjectVersion is one version of a key (or a delete marker) as the
// lifecycle decides over it.
type ObjectVersion struct {
	Key, VersionID string
	// ID is the store's id of the version (store.Object.VersionID): one
	// write's own, even for a null version, whose VersionID is "null".
	ID             string
	IsLatest       bool
	IsDeleteMarker bool
	LastModified   time.Time
	// NoncurrentSince is when a newer version took its place; zero for
	// the latest.
	NoncurrentSince time.Time
	Size            int64
	Tags            []store.Tag
}

// VersionAction is what the lifecycle does to a version.
type VersionAction uint8

const (
	// ExpireCurrent places a delete marker over the current version.
	ExpireCurrent VersionAction = iota + 1
	// DeleteNoncurrent deletes a noncurrent version (or noncurrent
	// delete marker) for good.
	DeleteNoncurrent
	// RemoveDeleteMarker removes a delete marker that is the only
	// version left of its key.
	RemoveDeleteMarker
)

// VersionDecision is an action on one version and the rule that asks it.
type VersionDecision struct {
	Version ObjectVersion
	Action  VersionAction
	RuleID  string
}

// DecideVersions is what rules do at now to the versions of a versioned
// bucket, given key by key in key order, each key's versions newest
// first (as ListObjectVersions lists them): the current version
// expires (a delete marker is placed) under Expiration's Days or Date;
// noncurrent versions go NoncurrentDays after they became noncurrent,
// but for the NewerNoncurrentVersions newest; a delete marker that is
// its key's only version goes under ExpiredObjectDeleteMarker. Disabled
// rules do nothing.
func DecideVersions(rules []LifecycleRule, versions []ObjectVersion, now time.Time) []VersionDecision {
	var out []VersionDecision
	for start := 0; start < len(versions); {
		end := start + 1
		for end < len(versions) && versions[end].Key == versions[start].Key {
			end++
		}
		out = decideKey(out, rules, versions[start:end], now)
		start = end
	}
	return out
}

// decideKey appends the decisions for the versions of one key.
func decideKey(out []VersionDecision, rules []LifecycleRule, vs []ObjectVersion, now time.Time) []VersionDecision {
	noncurrent := 0 // noncurrent versions seen, newest first
	for i, v := range vs {
		if v.IsLatest {
			if d, ok := decideLatest(rules, v, len(vs) == 1, now); ok {
				out = append(out, d)
			}
			continue
		}
		newer := noncurrent
		noncurrent++
		since := v.NoncurrentSince
		if since.IsZero() && i > 0 {
			since = vs[i-1].LastModified
		}
		for _, r := range rules {
			n := r.NoncurrentExpiration
			if !r.Enabled || n == nil || n.NoncurrentDays == nil || !r.scope().matches(v.Key, v.Size, v.Tags) {
				continue
			}
			if n.NewerNoncurrentVersions != nil && int32(newer) < *n.NewerNoncurrentVersions {
				continue
			}
			if now.Before(dueAfter(since, *n.NoncurrentDays)) {
				continue
			}
			out = append(out, VersionDecision{Version: v, Action: DeleteNoncurrent, RuleID: r.ID})
			break
		}
	}
	return out
}

// decideLatest decides over a key's latest version; alone says it is the
// key's only version.
func decideLatest(rules []LifecycleRule, v ObjectVersion, alone bool, now time.Time) (VersionDecision, bool) {
	for _, r := range rules {
		e := r.Expiration
		if !r.Enabled || e == nil {
			continue
		}
		if v.IsDeleteMarker {
			if alone && e.ExpiredObjectDeleteMarker != nil && *e.ExpiredObjectDeleteMarker && r.scope().matches(v.Key, 0, nil) {
				return VersionDecision{Version: v, Action: RemoveDeleteMarker, RuleID: r.ID}, true
			}
			continue
		}
		if r.currentExpired(v.Key, v.Size, v.Tags, v.LastModified, now) {
			return VersionDecision{Version: v, Action: ExpireCurrent, RuleID: r.ID}, true
		}
	}
	return VersionDecision{}, false
}

// Versions is the versioning store as the lifecycle uses it; the server
// gives it once buckets have versions.
type Versions interface {
	// Versioned reports whether b has versioning on (Enabled or
	// Suspended).
	Versioned(b store.Bucket) bool
	// WalkVersions calls fn with each key's versions, in key order,
	// newest first.
	WalkVersions(ctx context.Context, bucket string, fn func([]ObjectVersion) error) error
	// ExpireCurrent places a delete marker over key if the version id
	// (an ObjectVersion's ID) is still its current version, in one step:
	// store.ErrConflict when another write took its place.
	ExpireCurrent(ctx context.Context, bucket, key, id string) error
	// DeleteVersion deletes for good the version or delete marker whose
	// id (an ObjectVersion's ID) is given, its bytes after its record;
	// store.ErrNotFound when another write has replaced it.
	DeleteVersion(ctx context.Context, bucket, key, id string) error
}

// Accounts lists the accounts, whose buckets the lifecycle walks
// (store.Store).
type Accounts interface {
	ListAccounts(ctx context.Context) ([]store.Account, error)
}

// RunnerConfig configures a LifecycleRunner.
type RunnerConfig struct {
	S3       *Service
	Accounts Accounts
	// Versions, when set, applies rules to versioned buckets' versions;
	// without it every bucket is treated as unversioned.
	Versions Versions
	// Report is told of each thing done (nil: nothing is told).
	Report func(context.Context, LifecycleEvent)
	// Ran, when set, is told of each run of RunEvery (tests wait on it).
	Ran    func(LifecycleStats, error)
	Logger *slog.Logger
}

// LifecycleRunner applies buckets' lifecycle configurations: a system
// action of each bucket's owner, authorized by nothing, each deletion
// reported.
type LifecycleRunner struct {
	cfg RunnerConfig
}

// NewLifecycleRunner builds a runner.
func NewLifecycleRunner(cfg RunnerConfig) (*LifecycleRunner, error) {
	if cfg.S3 == nil || cfg.Accounts == nil {
		return nil, errors.New("lifecycle runner: the S3 service and the accounts are needed")
	}
	if cfg.Report == nil {
		cfg.Report = func(context.Context, LifecycleEvent) {}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &LifecycleRunner{cfg: cfg}, nil
}

// LifecycleStats counts what a run did.
type LifecycleStats struct {
	Buckets  int // buckets with a lifecycle configuration
	Expired  int // objects, versions and delete markers gone or marked
	Aborted  int // uploads aborted
	Failures int // buckets whose run stopped on an error (logged)
}

// Run applies every bucket's lifecycle configuration as of now. A bucket
// that fails is logged and counted, and the others go on; the error is
// the context's or the listing's.
func (lr *LifecycleRunner) Run(ctx context.Context, now time.Time) (LifecycleStats, error) {
	var st LifecycleStats
	accounts, err := lr.cfg.Accounts.ListAccounts(ctx)
	if err != nil {
		return st, fmt.Errorf("lifecycle: list accounts: %w", err)
	}
	for _, a := range accounts {
		buckets, err := lr.cfg.S3.store.ListBuckets(ctx, a.ID)
		if err != nil {
			return st, fmt.Errorf("lifecycle: list buckets of %s: %w", a.ID, err)
		}
		for _, b := range buckets {
			if err := ctx.Err(); err != nil {
				return st, err
			}
			l, err := bucketLifecycle(b)
			if err == nil && l == nil {
				continue
			}
			st.Buckets++
			if err == nil {
				err = lr.runBucket(ctx, b, l, now, &st)
			}
			if err != nil {
				if ctx.Err() != nil {
					return st, ctx.Err()
				}
				st.Failures++
				lr.cfg.Logger.Error("lifecycle", "bucket", b.Name, "error", err)
			}
		}
	}
	return st, nil
}

// runBucket applies l to bucket b.
func (lr *LifecycleRunner) runBucket(ctx context.Context, b store.Bucket, l *Lifecycle, now time.Time, st *LifecycleStats) error {
	if v := lr.cfg.Versions; v != nil && v.Versioned(b) {
		if err := lr.runVersions(ctx, b, l, now, st); err != nil {
			return err
		}
	} else if err := lr.runObjects(ctx, b, l, now, st); err != nil {
		return err
	}
	return lr.runUploads(ctx, b, l, now, st)
}

// runObjects expires an unversioned bucket's objects: each goes as
// DeleteObject deletes it, its record, then its bytes (a crash between
// leaves a blob that the next start sweeps), and only if it is still the
// object the rule looked at.
func (lr *LifecycleRunner) runObjects(ctx context.Context, b store.Bucket, l *Lifecycle, now time.Time, st *LifecycleStats) error {
	s := lr.cfg.S3
	after := ""
	for {
		page, err := s.store.ListObjects(ctx, b.Name, "", after, MaxListKeys)
		if err != nil {
			return err
		}
		for _, o := range page.Objects {
			after = o.Key
			for _, r := range l.Rules {
				if !r.currentExpired(o.Key, o.Size, o.Tags, o.LastModified, now) {
					continue
				}
				gone, err := s.store.DeleteObjectIf(ctx, b.Name, o.Key, o.BlobID)
				if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
					break // deleted or replaced since it was listed
				}
				if err != nil {
					return err
				}
				s.blobs.Remove(gone.BlobID)
				st.Expired++
				lr.cfg.Report(ctx, LifecycleEvent{Action: ActionLifecycleExpiration, Operation: OpExpireObject, Account: b.AccountID,
					Bucket: b.Name, Key: o.Key, RuleID: r.ID})
				break
			}
		}
		if !page.More {
			return nil
		}
	}
}

// runVersions applies l to a versioned bucket, key by key.
func (lr *LifecycleRunner) runVersions(ctx context.Context, b store.Bucket, l *Lifecycle, now time.Time, st *LifecycleStats) error {
	v := lr.cfg.Versions
	return v.WalkVersions(ctx, b.Name, func(vs []ObjectVersion) error {
		for _, d := range DecideVersions(l.Rules, vs, now) {
			e := LifecycleEvent{Action: ActionLifecycleExpiration, Account: b.AccountID, Bucket: b.Name, Key: d.Version.Key,
				VersionID: d.Version.VersionID, RuleID: d.RuleID}
			var err error
			switch d.Action {
			case ExpireCurrent:
				e.Operation = OpCreateDeleteMarker
				err = v.ExpireCurrent(ctx, b.Name, d.Version.Key, d.Version.ID)
			case DeleteNoncurrent:
				e.Operation = OpExpireObject
				err = v.DeleteVersion(ctx, b.Name, d.Version.Key, d.Version.ID)
			case RemoveDeleteMarker:
				e.Operation = OpDeleteMarker
				err = v.DeleteVersion(ctx, b.Name, d.Version.Key, d.Version.ID)
			}
			if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
				continue
			}
			if err != nil {
				return err
			}
			st.Expired++
			lr.cfg.Report(ctx, e)
		}
		return nil
	})
}

// runUploads aborts the uploads l's rules find incomplete for too long,
// as AbortMultipartUpload does: the records, then the parts' bytes.
func (lr *LifecycleRunner) runUploads(ctx context.Context, b store.Bucket, l *Lifecycle, now time.Time, st *LifecycleStats) error {
	s := lr.cfg.S3
	uploads, err := s.store.ListUploads(ctx, b.Name)
	if err != nil {
		return err
	}
	for _, u := range uploads {
		for _, r := range l.Rules {
			if !r.uploadAborted(u.Key, u.CreatedAt, now) {
				continue
			}
			parts, err := s.store.DeleteUpload(ctx, u.ID)
			if errors.Is(err, store.ErrNotFound) {
				break // completed or aborted since
			}
			if err != nil {
				return err
			}
			for _, p := range parts {
				s.blobs.Remove(p.BlobID)
			}
			st.Aborted++
			lr.cfg.Report(ctx, LifecycleEvent{Action: ActionLifecycleAbort, Operation: OpDeleteUpload, Account: b.AccountID,
				Bucket: b.Name, Key: u.Key, UploadID: u.ID, RuleID: r.ID})
			break
		}
	}
	return nil
}

// RunEvery runs lr every interval, as of now(), until ctx ends; each run
// that did something is logged.
func (lr *LifecycleRunner) RunEvery(ctx context.Context, interval time.Duration, now func() time.Time) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st, err := lr.Run(ctx, now())
		if lr.cfg.Ran != nil {
			lr.cfg.Ran(st, err)
		}
		switch {
		case err != nil && ctx.Err() == nil:
			lr.cfg.Logger.Error("lifecycle", "error", err)
		case st.Expired > 0 || st.Aborted > 0 || st.Failures > 0:
			lr.cfg.Logger.Info("lifecycle", "buckets", st.Buckets, "expired", st.Expired, "aborted", st.Aborted, "failures", st.Failures)
		}
	}
}
