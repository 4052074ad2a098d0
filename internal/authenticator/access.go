package authenticator

import (
	"context"
	"strings"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"

	"github.com/podiam/podiam/internal/accessclient"
	"github.com/podiam/podiam/internal/accesspolicy"
	"github.com/podiam/podiam/internal/fault"
)

// Resolver answers podiam's ResolveAccess for a cluster's caller
// (*accessclient.Client).
type Resolver interface {
	Lookup(ctx context.Context, cluster, principalID, principalARN string) (accessclient.Access, error)
}

// DefaultAccessTTL is how long EKSAccess keeps an answer of podiam.
const DefaultAccessTTL = 5 * time.Second

// maxAccessCached bounds EKSAccess's cache; it starts afresh when full.
const maxAccessCached = 10_000

// EKSAccess is a cluster's EKS access entries and access policies as
// podiam's EKS API resolves them (eks:ResolveAccess): both an
// AccessEntries and an AccessPolicies. One ResolveAccess answers the
// mode, the entry and its policies of a principal; it is kept for TTL
// by the principal's unique id and ARN, so that a TokenReview (mode,
// then entry) and the SubjectAccessReviews that follow it cost one call,
// and a change of the cluster's entries, policies or mode is seen
// within TTL. A failed call is not kept: the review fails (the
// TokenReview with 503, the SubjectAccessReview with no opinion).
type EKSAccess struct {
	Resolver Resolver
	Cluster  string           // podiam's EKS cluster name
	TTL      time.Duration    // DefaultAccessTTL when zero; negative keeps nothing
	Now      func() time.Time // time.Now when nil

	mu      sync.Mutex
	entries map[accessKey]cachedAccess
}

type accessKey struct{ principalID, principalARN string }

type cachedAccess struct {
	access  accessclient.Access
	expires time.Time
}

// resolve returns the access of the principal (its unique id and its
// canonical ARN, path stripped), from the cache or podiam.
func (e *EKSAccess) resolve(ctx context.Context, principalID, arn string) (accessclient.Access, error) {
	ttl := e.TTL
	if ttl == 0 {
		ttl = DefaultAccessTTL
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	k := accessKey{principalID, StripPath(arn)}
	if ttl > 0 {
		e.mu.Lock()
		c, ok := e.entries[k]
		e.mu.Unlock()
		if ok && now().Before(c.expires) {
			return c.access, nil
		}
	}
	a, err := e.Resolver.Lookup(ctx, e.Cluster, k.principalID, k.principalARN)
	if err != nil {
		return accessclient.Access{}, err
	}
	if ttl > 0 {
		e.mu.Lock()
		if e.entries == nil || len(e.entries) >= maxAccessCached {
			e.entries = map[accessKey]cachedAccess{}
		}
		e.entries[k] = cachedAccess{access: a, expires: now().Add(ttl)}
		e.mu.Unlock()
	}
	return a, nil
}

// Mode implements AccessEntries.
func (e *EKSAccess) Mode(ctx context.Context, c Caller) (string, error) {
	a, err := e.resolve(ctx, c.PrincipalID, c.CanonicalARN)
	if err != nil {
		return "", err
	}
	switch a.AuthenticationMode {
	case ModeConfigMap, ModeAPIAndConfigMap, ModeAPI:
		return a.AuthenticationMode, nil
	}
	return "", fault.Errorf(fault.Failure, "podiam gave the authentication mode %q", a.AuthenticationMode)
}

// Lookup implements AccessEntries: the entry's username and groups as
// stored (templates, defaults applied by podiam).
func (e *EKSAccess) Lookup(ctx context.Context, c Caller) (Mapping, bool, error) {
	a, err := e.resolve(ctx, c.PrincipalID, c.CanonicalARN)
	if err != nil || a.Entry == nil {
		return Mapping{}, false, err
	}
	return Mapping{Username: a.Entry.Username, Groups: a.Entry.KubernetesGroups, Source: SourceAccessEntry}, true, nil
}

// Allowed implements AccessPolicies: the policies of the user's access
// entry (found by the principal id and canonical ARN the authenticator
// put in its extra) decide; no entry, or a CONFIG_MAP cluster, allows
// nothing.
func (e *EKSAccess) Allowed(ctx context.Context, user authenticationv1.UserInfo, attrs Attributes) (bool, string, error) {
	id, arn := user.Extra[ExtraPrincipalID], user.Extra[ExtraCanonicalARN]
	if len(id) != 1 || len(arn) != 1 || id[0] == "" || arn[0] == "" {
		return false, "", nil
	}
	// The extras must come with the uid the authenticator gave them: a
	// user impersonated with made-up extras (--as-user-extra) does not
	// take a principal's access policies unless it may also impersonate
	// that uid (authentication.k8s.io "uids"), as EKS's own authorizer
	// leaves impersonated users to RBAC.
	if parts := strings.SplitN(arn[0], ":", 6); len(parts) < 6 || user.UID != UIDPrefix+parts[4]+":"+id[0] {
		return false, "", nil
	}
	a, err := e.resolve(ctx, id[0], arn[0])
	if err != nil {
		return false, "", err
	}
	if a.AuthenticationMode == ModeConfigMap || a.Entry == nil || len(a.Policies) == 0 {
		return false, "", nil
	}
	allowed, reason := accesspolicy.Allows(a.Policies, policyAttributes(user, attrs))
	return allowed, reason, nil
}

// policyAttributes is a SubjectAccessReview's question for accesspolicy.
func policyAttributes(user authenticationv1.UserInfo, attrs Attributes) accesspolicy.Attributes {
	p := accesspolicy.Attributes{User: user.Username, Groups: user.Groups}
	if r := attrs.Resource; r != nil {
		p.Verb, p.APIGroup, p.Resource, p.Subresource, p.Namespace, p.Name = r.Verb, r.Group, r.Resource, r.Subresource, r.Namespace, r.Name
	}
	if n := attrs.NonResource; n != nil {
		p.Verb, p.NonResourcePath = n.Verb, n.Path
	}
	return p
}
