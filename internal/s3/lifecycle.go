package s3

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/store"
)

// A bucket's lifecycle configuration: rules that expire objects, old
// versions and delete markers, and abort multipart uploads left
// incomplete, applied by LifecycleRunner. Transitions are kept and shown
// back, with no effect: podiam has one storage class.

// settingLifecycle is the bucket setting of the lifecycle configuration,
// the JSON of a Lifecycle.
const settingLifecycle = "lifecycle"

// Lifecycle limits, as S3's.
const (
	MaxLifecycleRules         = 1000
	MaxLifecycleRuleIDLen     = 255
	MaxNewerNoncurrentVersion = 100
)

// Transition default minimum object sizes
// (x-amz-transition-default-minimum-object-size): S3 gives the second to
// configurations that do not choose, as it does since 2024.
const (
	TransitionSizeByClass = "varies_by_storage_class"
	TransitionSize128K    = "all_storage_classes_128K"
)

// Lifecycle is a bucket's lifecycle configuration. Pointers mark what
// was given, so that the configuration reads back as it was written.
type Lifecycle struct {
	Rules []LifecycleRule
	// TransitionMinimumSize is one of the TransitionSize values.
	TransitionMinimumSize string `json:",omitempty"`
}

// LifecycleRule is one rule: the objects it covers (Filter, or the
// older top-level Prefix) and its actions.
type LifecycleRule struct {
	ID      string `json:",omitempty"`
	Enabled bool
	// Prefix is the older form of a rule's scope, without a Filter.
	Prefix *string          `json:",omitempty"`
	Filter *LifecycleFilter `json:",omitempty"`

	Expiration            *Expiration            `json:",omitempty"`
	NoncurrentExpiration  *NoncurrentExpiration  `json:",omitempty"`
	AbortUploadDays       *int32                 `json:",omitempty"` // AbortIncompleteMultipartUpload's DaysAfterInitiation
	Transitions           []Transition           `json:",omitempty"`
	NoncurrentTransitions []NoncurrentTransition `json:",omitempty"`
}

// LifecycleFilter selects objects by one of: a key prefix, a tag, a size
// bound, or And of several; empty, it selects every object.
type LifecycleFilter struct {
	Prefix          *string       `json:",omitempty"`
	Tag             *store.Tag    `json:",omitempty"`
	SizeGreaterThan *int64        `json:",omitempty"`
	SizeLessThan    *int64        `json:",omitempty"`
	And             *LifecycleAnd `json:",omitempty"`
}

// LifecycleAnd selects the objects that meet all of its conditions.
type LifecycleAnd struct {
	Prefix          *string     `json:",omitempty"`
	Tags            []store.Tag `json:",omitempty"`
	SizeGreaterThan *int64      `json:",omitempty"`
	SizeLessThan    *int64      `json:",omitempty"`
}

// Expiration expires current objects after Days or on Date, or (alone)
// removes delete markers left with no other version of their key.
type Expiration struct {
	Days                      *int32     `json:",omitempty"`
	Date                      *time.Time `json:",omitempty"`
	ExpiredObjectDeleteMarker *bool      `json:",omitempty"`
}

// NoncurrentExpiration removes noncurrent versions NoncurrentDays after
// they became noncurrent, keeping the NewerNoncurrentVersions newest.
type NoncurrentExpiration struct {
	NoncurrentDays          *int32 `json:",omitempty"`
	NewerNoncurrentVersions *int32 `json:",omitempty"`
}

// Transition moves current objects to another storage class (kept, with
// no effect).
type Transition struct {
	Days         *int32     `json:",omitempty"`
	Date         *time.Time `json:",omitempty"`
	StorageClass string
}

// NoncurrentTransition moves noncurrent versions to another storage
// class (kept, with no effect).
type NoncurrentTransition struct {
	NoncurrentDays          *int32 `json:",omitempty"`
	NewerNoncurrentVersions *int32 `json:",omitempty"`
	StorageClass            string
}

// transitionClasses are the storage classes a transition may name, with
// the fewest days S3 allows before it (0: none).
var transitionClasses = map[string]int32{
	"GLACIER": 0, "STANDARD_IA": 30, "ONEZONE_IA": 30, "INTELLIGENT_TIERING": 0, "DEEP_ARCHIVE": 0, "GLACIER_IR": 0,
}

func lifecycleMalformed() *fault.Error { return malformedXML() }

func lifecycleArgument(msg string) *fault.Error { return invalid(fault.None, "%s", msg) }

func lifecycleRequest(msg string) *fault.Error { return invalid(fault.Request, "%s", msg) }

// Validate checks a configuration as S3 does: what its schema refuses is
// MalformedXML, a value out of range InvalidArgument, rules that cannot
// go together InvalidRequest.
func (l *Lifecycle) Validate() error {
	if len(l.Rules) == 0 {
		return lifecycleMalformed()
	}
	if len(l.Rules) > MaxLifecycleRules {
		return lifecycleArgument("The number of lifecycle rules must not exceed the allowed limit of 1000 rules")
	}
	switch l.TransitionMinimumSize {
	case "", TransitionSizeByClass, TransitionSize128K:
	default:
		return lifecycleArgument("Invalid value for x-amz-transition-default-minimum-object-size")
	}
	ids := map[string]bool{}
	for i := range l.Rules {
		r := &l.Rules[i]
		if utf8.RuneCountInString(r.ID) > MaxLifecycleRuleIDLen {
			return lifecycleArgument("ID length should not exceed allowed limit of 255")
		}
		if r.ID != "" {
			if ids[r.ID] {
				return lifecycleArgument("Rule ID must be unique. Found same ID for more than one rule")
			}
			ids[r.ID] = true
		}
		if err := r.validate(); err != nil {
			return err
		}
	}
	return nil
}

func (r *LifecycleRule) validate() error {
	if (r.Prefix == nil) == (r.Filter == nil) {
		return lifecycleMalformed() // a rule has a Filter or a Prefix, one of them
	}
	var tags []store.Tag
	if f := r.Filter; f != nil {
		n := 0
		for _, set := range []bool{f.Prefix != nil, f.Tag != nil, f.SizeGreaterThan != nil, f.SizeLessThan != nil, f.And != nil} {
			if set {
				n++
			}
		}
		if n > 1 {
			return lifecycleMalformed()
		}
		if f.Tag != nil {
			tags = []store.Tag{*f.Tag}
		}
		gt, lt := f.SizeGreaterThan, f.SizeLessThan
		if a := f.And; a != nil {
			tags = a.Tags
			gt, lt = a.SizeGreaterThan, a.SizeLessThan
			seen := map[string]bool{}
			for _, t := range a.Tags {
				if seen[t.Key] {
					return lifecycleArgument("Duplicate Tag Keys are not allowed.")
				}
				seen[t.Key] = true
			}
		}
		for _, t := range tags {
			if t.Key == "" || utf8.RuneCountInString(t.Key) > MaxTagKeyLen {
				return invalid(fault.Tag, "The TagKey you have provided is invalid")
			}
			if utf8.RuneCountInString(t.Value) > MaxTagValueLen {
				return invalid(fault.Tag, "The TagValue you have provided is invalid")
			}
		}
		if (gt != nil && *gt < 0) || (lt != nil && *lt <= 0) {
			return lifecycleArgument("The object size filter must be a positive number")
		}
		if gt != nil && lt != nil && *gt >= *lt {
			return lifecycleArgument("ObjectSizeLessThan must be greater than ObjectSizeGreaterThan")
		}
	}
	if r.Expiration == nil && r.NoncurrentExpiration == nil && r.AbortUploadDays == nil && len(r.Transitions) == 0 && len(r.NoncurrentTransitions) == 0 {
		return lifecycleRequest("At least one action needs to be specified in a rule")
	}
	if e := r.Expiration; e != nil {
		given := 0
		for _, set := range []bool{e.Days != nil, e.Date != nil, e.ExpiredObjectDeleteMarker != nil} {
			if set {
				given++
			}
		}
		if given != 1 {
			return lifecycleMalformed()
		}
		if e.Days != nil && *e.Days <= 0 {
			return lifecycleArgument("'Days' for Expiration action must be a positive integer")
		}
		if e.Date != nil && !midnight(*e.Date) {
			return lifecycleArgument("'Date' must be at midnight GMT")
		}
		if e.ExpiredObjectDeleteMarker != nil && len(tags) > 0 {
			return lifecycleRequest("ExpiredObjectDeleteMarker cannot be specified with tags.")
		}
	}
	if n := r.NoncurrentExpiration; n != nil {
		if n.NoncurrentDays == nil {
			return lifecycleMalformed()
		}
		if *n.NoncurrentDays <= 0 {
			return lifecycleArgument("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer")
		}
		if v := n.NewerNoncurrentVersions; v != nil && (*v <= 0 || *v > MaxNewerNoncurrentVersion) {
			return lifecycleArgument("'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer up to 100")
		}
	}
	if d := r.AbortUploadDays; d != nil {
		if *d <= 0 {
			return lifecycleArgument("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer")
		}
		if len(tags) > 0 {
			return lifecycleRequest("AbortIncompleteMultipartUpload cannot be specified with tags.")
		}
	}
	classes := map[string]bool{}
	for _, t := range r.Transitions {
		least, ok := transitionClasses[t.StorageClass]
		if !ok || (t.Days == nil) == (t.Date == nil) {
			return lifecycleMalformed()
		}
		if classes[t.StorageClass] {
			return lifecycleArgument("'StorageClass' must be different for 'Transition' actions in same 'Rule'")
		}
		classes[t.StorageClass] = true
		if t.Days != nil && *t.Days < 0 {
			return lifecycleArgument("'Days' for Transition action must be a positive integer")
		}
		if t.Days != nil && *t.Days < least {
			return lifecycleArgument("'Days' in Transition action must be greater than or equal to 30 for storageClass '" + t.StorageClass + "'")
		}
		if t.Date != nil && !midnight(*t.Date) {
			return lifecycleArgument("'Date' must be at midnight GMT")
		}
	}
	if e := r.Expiration; e != nil && e.Days != nil {
		for _, t := range r.Transitions {
			if t.Days != nil && *t.Days >= *e.Days {
				return lifecycleArgument("'Days' in the Expiration action for filter must be greater than 'Days' in the Transition action")
			}
		}
	}
	classes = map[string]bool{}
	for _, t := range r.NoncurrentTransitions {
		least, ok := transitionClasses[t.StorageClass]
		if !ok || t.NoncurrentDays == nil {
			return lifecycleMalformed()
		}
		if classes[t.StorageClass] {
			return lifecycleArgument("'StorageClass' must be different for 'NoncurrentVersionTransition' actions in same 'Rule'")
		}
		classes[t.StorageClass] = true
		if *t.NoncurrentDays < 0 {
			return lifecycleArgument("'NoncurrentDays' for NoncurrentVersionTransition action must be a positive integer")
		}
		if *t.NoncurrentDays < least {
			return lifecycleArgument("'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or equal to 30 for storageClass '" + t.StorageClass + "'")
		}
		if v := t.NewerNoncurrentVersions; v != nil && (*v <= 0 || *v > MaxNewerNoncurrentVersion) {
			return lifecycleArgument("'NewerNoncurrentVersions' for NoncurrentVersionTransition action must be a positive integer up to 100")
		}
	}
	return nil
}

// midnight reports whether t is a midnight UTC.
func midnight(t time.Time) bool {
	u := t.UTC()
	return u.Equal(u.Truncate(24 * time.Hour))
}

// EncodeLifecycle is the canonical encoding of a configuration kept as
// the bucket's setting: its JSON, dates in UTC.
func EncodeLifecycle(l *Lifecycle) (string, error) {
	c := *l
	c.Rules = make([]LifecycleRule, len(l.Rules))
	for i, r := range l.Rules {
		if r.Expiration != nil && r.Expiration.Date != nil {
			e := *r.Expiration
			d := e.Date.UTC()
			e.Date = &d
			r.Expiration = &e
		}
		if len(r.Transitions) > 0 {
			ts := make([]Transition, len(r.Transitions))
			for j, t := range r.Transitions {
				if t.Date != nil {
					d := t.Date.UTC()
					t.Date = &d
				}
				ts[j] = t
			}
			r.Transitions = ts
		}
		c.Rules[i] = r
	}
	b, err := json.Marshal(&c)
	return string(b), err
}

// DecodeLifecycle reads EncodeLifecycle's encoding.
func DecodeLifecycle(s string) (*Lifecycle, error) {
	var l Lifecycle
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// bucketLifecycle is a bucket's configuration; nil when it has none.
func bucketLifecycle(b store.Bucket) (*Lifecycle, error) {
	v, ok := b.Settings[settingLifecycle]
	if !ok {
		return nil, nil
	}
	l, err := DecodeLifecycle(v)
	if err != nil {
		return nil, fault.Internal("read the lifecycle configuration of bucket "+b.Name, err)
	}
	return l, nil
}

// GetBucketLifecycle returns a bucket's lifecycle configuration; a bucket
// without one is NoSuchLifecycleConfiguration.
func (s *Service) GetBucketLifecycle(ctx context.Context, r *Request, bucket string) (*Lifecycle, error) {
	v, found, err := s.bucketSetting(ctx, r, bucket, settingLifecycle, "s3:GetLifecycleConfiguration")
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, about(fault.NotFound, fault.Lifecycle, bucket, "The lifecycle configuration does not exist")
	}
	l, err := DecodeLifecycle(v)
	if err != nil {
		return nil, fault.Internal("read the lifecycle configuration of bucket "+bucket, err)
	}
	if l.TransitionMinimumSize == "" {
		l.TransitionMinimumSize = TransitionSize128K
	}
	return l, nil
}

// PutBucketLifecycle replaces a bucket's lifecycle configuration with
// the one read returns; one not choosing a transition default minimum
// size gets S3's, all_storage_classes_128K. The caller is authorized
// before read runs: a configuration (up to megabytes of XML) is parsed
// only for a caller allowed to set it.
func (s *Service) PutBucketLifecycle(ctx context.Context, r *Request, bucket string, read func() (*Lifecycle, error)) error {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, r, "s3:PutLifecycleConfiguration", bucketARN(bucket), b, nil); err != nil {
		return err
	}
	l, err := read()
	if err != nil {
		return err
	}
	if err := l.Validate(); err != nil {
		return err
	}
	c := *l
	if c.TransitionMinimumSize == "" {
		c.TransitionMinimumSize = TransitionSize128K
	}
	v, err := EncodeLifecycle(&c)
	if err != nil {
		return err
	}
	return s.storeBucketSetting(ctx, bucket, settingLifecycle, v, nil)
}

// DeleteBucketLifecycle removes a bucket's lifecycle configuration; S3
// guards it with s3:PutLifecycleConfiguration.
func (s *Service) DeleteBucketLifecycle(ctx context.Context, r *Request, bucket string) error {
	return s.putBucketSetting(ctx, r, bucket, settingLifecycle, "s3:PutLifecycleConfiguration", "", nil)
}

// scope is what a rule's filter asks of an object: a key prefix, tags
// it must carry, and size bounds (when hasGT, hasLT).
type scope struct {
	prefix       string
	tags         []store.Tag
	gt, lt       int64
	hasGT, hasLT bool
}

// scope is the scope of r.
func (r *LifecycleRule) scope() scope {
	var s scope
	if r.Prefix != nil {
		s.prefix = *r.Prefix
		return s
	}
	f := r.Filter
	if f == nil {
		return s
	}
	gt, lt := f.SizeGreaterThan, f.SizeLessThan
	switch {
	case f.Prefix != nil:
		s.prefix = *f.Prefix
	case f.Tag != nil:
		s.tags = []store.Tag{*f.Tag}
	case f.And != nil:
		if f.And.Prefix != nil {
			s.prefix = *f.And.Prefix
		}
		s.tags = f.And.Tags
		gt, lt = f.And.SizeGreaterThan, f.And.SizeLessThan
	}
	if gt != nil {
		s.gt, s.hasGT = *gt, true
	}
	if lt != nil {
		s.lt, s.hasLT = *lt, true
	}
	return s
}

// matches reports whether an object of key, size and tags is in scope.
func (s scope) matches(key string, size int64, tags []store.Tag) bool {
	if !strings.HasPrefix(key, s.prefix) {
		return false
	}
	if (s.hasGT && size <= s.gt) || (s.hasLT && size >= s.lt) {
		return false
	}
	for _, want := range s.tags {
		found := false
		for _, t := range tags {
			if t.Key == want.Key && t.Value == want.Value {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// dueAfter is when something dated from, under a rule of days, falls
// due: from plus the days, rounded up to the next midnight UTC, as S3
// counts.
func dueAfter(from time.Time, days int32) time.Time {
	// AddDate, not a Duration: 106,752 days or more overflow a
	// time.Duration and would fall due centuries ago.
	t := from.UTC().AddDate(0, 0, int(days))
	if m := t.Truncate(24 * time.Hour); !m.Equal(t) {
		return m.Add(24 * time.Hour)
	}
	return t
}

// currentExpired reports whether a current object of key, size, tags and
// last modified at lastModified is expired at now by r's Expiration.
func (r *LifecycleRule) currentExpired(key string, size int64, tags []store.Tag, lastModified, now time.Time) bool {
	e := r.Expiration
	if !r.Enabled || e == nil || (e.Days == nil && e.Date == nil) || !r.scope().matches(key, size, tags) {
		return false
	}
	if e.Date != nil {
		return !now.Before(*e.Date)
	}
	return !now.Before(dueAfter(lastModified, *e.Days))
}

// uploadAborted reports whether an upload of key started at created is
// due for abortion at now by r. An upload has no size or tags: a rule
// with AbortIncompleteMultipartUpload has no tags, and its size bounds
// do not apply to uploads.
func (r *LifecycleRule) uploadAborted(key string, created, now time.Time) bool {
	if !r.Enabled || r.AbortUploadDays == nil || !strings.HasPrefix(key, r.scope().prefix) {
		return false
	}
	return !now.Before(dueAfter(created, *r.AbortUploadDays))
}
