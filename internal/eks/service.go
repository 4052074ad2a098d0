package eks

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
)

// Defaults of the configuration.
const (
	DefaultRegion = "us-east-1"
	// DefaultActivation is how long a new cluster shows CREATING before
	// it shows ACTIVE.
	DefaultActivation = time.Second
	// DefaultVersion is the Kubernetes version of a cluster created
	// without one.
	DefaultVersion = "1.33"
)

// Authorizer decides whether a caller may perform an action on a resource
// and pass a role to a service (iam.Service).
type Authorizer interface {
	Authorize(ctx context.Context, caller iam.Caller, action, resource string, keys iam.Keys) error
	AuthorizePassRole(ctx context.Context, caller iam.Caller, roleARN, service, resourceARN string) error
}

// Config configures the service.
type Config struct {
	Store store.Store
	IAM   Authorizer
	// Region is the region of the ARNs (DefaultRegion when "").
	Region string
	// PublicURL is the base of the hosted issuers' URLs, such as
	// https://podiam.example.com:4580, without a trailing slash.
	PublicURL string
	// Activation is how long a new cluster shows CREATING (0:
	// DefaultActivation; negative: ACTIVE at once).
	Activation time.Duration
	Now        func() time.Time
	Rand       io.Reader
}

// Service is the EKS control plane.
type Service struct {
	cfg      Config
	clusters store.Cache[clusterKey, Cluster]
	// issuers is every cluster's hosted issuer id at one EKS
	// generation, built whole (see HostedIssuer).
	issuers issuerIndex
	// podAssociations keeps AssociationFor's answers (found, or none)
	// by the EKS generation: eks-auth reads one at every exchange.
	podAssociations store.Cache[podKey, podAssociation]
	access          store.Cache[clusterKey, accessIndex]
}

type clusterKey struct{ account, name string }

// podKey names a ServiceAccount of a cluster.
type podKey struct{ account, cluster, namespace, serviceAccount string }

// podAssociation is a kept answer of AssociationFor: ok is false for none.
type podAssociation struct {
	a  Association
	ok bool
}

// New builds the service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.IAM == nil {
		return nil, errors.New("eks: a store and an authorizer are required")
	}
	cfg.Region = cmp.Or(cfg.Region, DefaultRegion)
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	if cfg.Activation == 0 {
		cfg.Activation = DefaultActivation
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	return &Service{cfg: cfg}, nil
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

func (s *Service) authorize(ctx context.Context, c iam.Caller, action, resource string, keys iam.Keys) error {
	return s.cfg.IAM.Authorize(ctx, c, "eks:"+action, resource, keys)
}

func (s *Service) clusterARN(account, name string) string {
	return fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", s.cfg.Region, account, name)
}

// requestTags are the tags a request sets, as IAM's keys take them.
func requestTags(tags map[string]string) []iam.Tag {
	out := make([]iam.Tag, 0, len(tags))
	for k, v := range tags {
		out = append(out, iam.Tag{Key: k, Value: v})
	}
	return out
}

func storeTags(tags map[string]string) []store.Tag {
	out := make([]store.Tag, 0, len(tags))
	for k, v := range tags {
		out = append(out, store.Tag{Key: k, Value: v})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func tagMap(tags []store.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[t.Key] = t.Value
	}
	return out
}

// validateTags checks a TagMap as EKS's model constrains it.
func validateTags(tags map[string]string) error {
	if len(tags) > 50 {
		return invalidParameter("The number of tags (%d) exceeds the limit of 50.", len(tags))
	}
	for k, v := range tags {
		switch {
		case len(k) < 1 || len(k) > 128:
			return invalidParameter("Tag key %q must be 1 to 128 characters long.", k)
		case len(v) > 256:
			return invalidParameter("Tag value of key %q must be at most 256 characters long.", k)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return invalidParameter("Tag keys can't start with \"aws:\": %q", k)
		}
	}
	return nil
}

func invalidParameter(format string, args ...any) error {
	return fault.Errorf(fault.InvalidParameter, format, args...)
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func isExists(err error) bool { return errors.Is(err, store.ErrAlreadyExists) }

// randomString is n characters of alphabet chosen uniformly.
func (s *Service) randomString(n int, alphabet string) (string, error) {
	b := make([]byte, n)
	out := make([]byte, n)
	limit := 256 - 256%len(alphabet)
	for i := 0; i < n; {
		if _, err := io.ReadFull(s.cfg.Rand, b[:1]); err != nil {
			return "", fault.Internal("random id", err)
		}
		if int(b[0]) >= limit {
			continue
		}
		out[i] = alphabet[int(b[0])%len(alphabet)]
		i++
	}
	return string(out), nil
}

// Page is one page of a listing and the token of the next.
type Page[T any] struct {
	Items     []T
	NextToken string
}

// PageRequest asks for a page: at most MaxResults items (0: the
// operation's default) after the one NextToken names.
type PageRequest struct {
	MaxResults int
	NextToken  string
}

// paginate returns the page of items (sorted by key) that req asks for.
func paginate[T any](items []T, key func(T) string, req PageRequest, def int) (Page[T], error) {
	max := req.MaxResults
	if max == 0 {
		max = def
	}
	if max < 1 || max > 100 {
		return Page[T]{}, invalidParameter("maxResults must be between 1 and 100.")
	}
	start := 0
	if req.NextToken != "" {
		after, ok := decodeToken(req.NextToken)
		if !ok {
			return Page[T]{}, invalidParameter("The nextToken is not valid.")
		}
		for start < len(items) && key(items[start]) <= after {
			start++
		}
	}
	end := min(start+max, len(items))
	p := Page[T]{Items: items[start:end]}
	if end < len(items) {
		p.NextToken = encodeToken(key(items[end-1]))
	}
	return p, nil
}
