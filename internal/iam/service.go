package iam

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

// Limits of the IAM operations (IAM quotas at their defaults).
const (
	MaxPoliciesPerPrincipal = 10    // managed policies attached to a user or role
	MaxRoleInlineSize       = 10240 // all inline policies of a role, without whitespace
	MaxUserInlineSize       = 2048  // all inline policies of a user, without whitespace
	DefaultMaxItems         = 100
	MaxMaxItems             = 1000
	DefaultSessionDuration  = 3600
)

// Config configures a Service.
type Config struct {
	Store store.Store
	// Sealer encrypts access key secrets before they reach the store.
	Sealer *creds.Sealer
	Now    func() time.Time // default time.Now
	Rand   io.Reader        // ids and secrets; default crypto/rand
}

// Service runs the IAM operations of every account over the store. Each
// operation authorizes its caller first (see Authorize) and returns store
// records or small result structs; every failure a caller can cause is an
// *fault.Error of a kind, with AWS's message.
type Service struct {
	store    store.Store
	sealer   *creds.Sealer
	now      func() time.Time
	rand     io.Reader
	compiled compiledCache
	// principals and managed cache what authorizations read of users,
	// roles and managed policies, by IAM generation.
	principals store.Cache[principalKey, *storedPrincipal]
	managed    store.Cache[managedKey, *policy.Policy]
}

// NewService builds the service.
func NewService(cfg Config) (*Service, error) {
	var problems []string
	if cfg.Store == nil {
		problems = append(problems, "no store")
	}
	if cfg.Sealer == nil {
		problems = append(problems, "no sealer")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("iam service: %s", strings.Join(problems, ", "))
	}
	s := &Service{store: cfg.Store, sealer: cfg.Sealer, now: cfg.Now, rand: cfg.Rand}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	return s, nil
}

// Caller is who makes a request, as authentication found it once: the
// account it acts in and its ARN; Root for the account's root user,
// UserName for an IAM user, Session for a caller using session credentials
// (a role session's ARN is its assumed-role ARN; a GetSessionToken
// session's is its user's or root's). UserID is the unique id (the account
// id for the root, AIDA... for a user, RoleID:session for a role session),
// AccessKeyID the key that signed, SourceIP the client's address. An
// unsigned request's caller has only its SourceIP.
type Caller struct {
	Account     string
	ARN         string
	Root        bool
	UserName    string
	UserID      string
	AccessKeyID string
	SourceIP    string
	Session     *creds.Session
}

// Page is one page of a listing: Marker, when IsTruncated, asks for the
// next page.
type Page[T any] struct {
	Items       []T
	IsTruncated bool
	Marker      string
}

// PageRequest asks for a page: Marker from the previous page ("" for the
// first) and MaxItems (0 for the default, 100).
type PageRequest struct {
	Marker   string
	MaxItems int
}

// ValidateMaxItems checks a MaxItems parameter that was given.
func ValidateMaxItems(n int) error {
	if n < 1 || n > MaxMaxItems {
		return constraint(itoa(n), "maxItems", "Member must have value between 1 and 1000")
	}
	return nil
}

// paginate cuts a page out of items, which are sorted by key. The marker is
// the key of the first item of the next page, encoded.
func paginate[T any](items []T, key func(T) string, req PageRequest) (Page[T], error) {
	max := req.MaxItems
	if max == 0 {
		max = DefaultMaxItems
	}
	if err := ValidateMaxItems(max); err != nil {
		return Page[T]{}, err
	}
	start := 0
	if req.Marker != "" {
		b, err := base64.RawURLEncoding.DecodeString(req.Marker)
		if err != nil || len(b) == 0 {
			return Page[T]{}, fault.Errorf(fault.InvalidInput, "Invalid Marker %q.", req.Marker)
		}
		from := string(b)
		for start < len(items) && key(items[start]) < from {
			start++
		}
	}
	rest := items[start:]
	if len(rest) <= max {
		return Page[T]{Items: rest}, nil
	}
	return Page[T]{Items: rest[:max], IsTruncated: true, Marker: base64.RawURLEncoding.EncodeToString([]byte(key(rest[max])))}, nil
}

// ARN forms.
func entityARN(account, kind, path, name string) string {
	if path == "" {
		path = "/"
	}
	return "arn:aws:iam::" + account + ":" + kind + path + name
}

// toStoreTags converts and validates tags.
func toStoreTags(tags []Tag) ([]store.Tag, error) {
	if err := ValidateTags(tags); err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, nil
	}
	out := make([]store.Tag, len(tags))
	for i, t := range tags {
		out[i] = store.Tag{Key: t.Key, Value: t.Value}
	}
	return out, nil
}

// unexpected wraps a failure the caller did not cause, whatever err's
// kind (a stored policy that no longer compiles is the server's failure,
// not a malformed document): a ServiceFailure at the edge, with err for
// the log.
func unexpected(op string, err error) error {
	return fault.Internal(op, err)
}

// nonSpaceLen counts the characters of a policy document without
// whitespace, as IAM's size limits count them.
func nonSpaceLen(doc string) int {
	n := 0
	for _, c := range doc {
		if !unicode.IsSpace(c) {
			n++
		}
	}
	return n
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
