package iam

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

// Identity is what the policy engine needs of a caller: the principal
// (with its tags and unique id) and the policies that limit it: identity
// policies, permissions boundary and session policies.
type Identity struct {
	Principal policy.Principal
	Set       authz.Set
	// Context holds the keys a session adds to every request it makes
	// (aws:FederatedProvider, aws:TokenIssueTime, aws:SourceIdentity).
	Context map[string]string
}

// CallerIdentity loads the principal and policies of caller. A user or
// role that no longer exists has no policies (and so is denied). A
// session belongs to the user or role that made it, by unique id: once
// that entity is deleted (even if another of the same name is made), the
// session has no policies and no unique id, so that no policy bound to an
// entity's id names it either.
//
// What the user or role's records give (its id, tags, compiled policies
// and boundary) is read once per IAM generation (store.Cache); a write of
// any IAM record is seen by the next call.
func (s *Service) CallerIdentity(ctx context.Context, caller Caller) (Identity, error) {
	if caller.Root {
		p, err := policy.ParsePrincipal("arn:aws:iam::" + caller.Account + ":root")
		return Identity{Principal: p}, err
	}
	if sess := caller.Session; sess != nil && sess.Kind == creds.RoleSession {
		return s.roleSessionIdentity(ctx, caller, sess)
	}
	principal, err := policy.ParsePrincipal(caller.ARN)
	if err != nil || principal.Type != policy.User {
		return Identity{Principal: principal}, nil
	}
	name := caller.UserName
	if name == "" {
		name = principal.UserName()
	}
	var id Identity
	if sess := caller.Session; sess != nil {
		id.Context = sessionContext(sess)
	}
	gen, err := s.generation(ctx)
	if err != nil {
		return Identity{}, err
	}
	u, err := s.storedPrincipal(ctx, gen, store.Principal{AccountID: caller.Account, Kind: store.PrincipalUser, Name: name})
	switch {
	case err != nil:
		return Identity{}, err
	case !u.found || (caller.Session != nil && u.id != caller.Session.UserID):
		// The user is gone, or its session was made by another user of
		// the same name: no permissions.
		id.Principal = principal
		return id, nil
	}
	principal.UserID = u.id
	principal.Tags = u.tagMap
	id.Principal = principal
	id.Set = u.set
	return id, nil
}

// roleSessionIdentity: the role's policies and boundary, the session's
// policies, and the role's tags overridden by the session's.
func (s *Service) roleSessionIdentity(ctx context.Context, caller Caller, sess *creds.Session) (Identity, error) {
	principal, err := policy.ParsePrincipal(caller.ARN)
	if err != nil {
		return Identity{}, unexpected("authorize: session ARN", err)
	}
	principal.RoleARN = sess.RoleARN
	id := Identity{Context: sessionContext(sess)}
	name := sess.RoleARN[strings.LastIndexByte(sess.RoleARN, '/')+1:]
	gen, err := s.generation(ctx)
	if err != nil {
		return Identity{}, err
	}
	r, err := s.storedPrincipal(ctx, gen, store.Principal{AccountID: sess.Account, Kind: store.PrincipalRole, Name: name})
	switch {
	case err != nil:
		return Identity{}, err
	case !r.found || r.id != sess.RoleID:
		// The role is gone (or is another role of the same name now): the
		// session keeps no permissions.
		principal.Tags = tagMap(nil, sess.Tags)
		id.Principal = principal
		return id, nil
	}
	principal.UserID = sess.RoleID + ":" + sess.SessionName
	principal.Tags = r.tagMap
	if len(sess.Tags) > 0 {
		principal.Tags = tagMap(r.tags, sess.Tags)
	}
	id.Principal = principal
	id.Set = r.set
	for i, doc := range sess.Policies {
		p, err := s.compiled.getKind("SessionPolicy."+strconv.Itoa(i+1), doc, policy.Session)
		if err != nil {
			return Identity{}, unexpected("authorize: session policy", err)
		}
		id.Set.Session = append(id.Set.Session, p)
	}
	for _, arn := range sess.PolicyARNs {
		p, err := s.defaultVersion(ctx, gen, sess.Account, arn, policy.Session)
		if err != nil {
			return Identity{}, err
		}
		if p == nil {
			// A deleted managed session policy allows nothing, and the
			// session stays limited by it.
			p = allowsNothing[policy.Session]
		}
		id.Set.Session = append(id.Set.Session, p)
	}
	return id, nil
}

// generation is the IAM records' generation, loaded before they are read
// (store.Cache).
func (s *Service) generation(ctx context.Context) (uint64, error) {
	gen, err := s.store.Generation(ctx, store.IAM)
	if err != nil {
		return 0, unexpected("authorize", err)
	}
	return gen, nil
}

// principalKey names a user or role in the caches: its account, kind and
// folded name.
type principalKey struct {
	account string
	kind    store.PrincipalKind
	name    string
}

// storedPrincipal is what the requests of a user or role need of its
// records, read and compiled once per IAM generation: whether it exists,
// its unique id and tags, its identity policies and its boundary. It is
// shared by every request: nothing changes it after it is made.
type storedPrincipal struct {
	found  bool
	id     string
	tags   []store.Tag
	tagMap map[string]string // tagMap(tags, nil)
	set    authz.Set         // Identity and Boundary
}

// storedPrincipal returns the stored part of the user or role p, from the
// cache when it was read at generation gen.
func (s *Service) storedPrincipal(ctx context.Context, gen uint64, p store.Principal) (*storedPrincipal, error) {
	k := principalKey{account: p.AccountID, kind: p.Kind, name: store.FoldName(p.Name)}
	if sp, ok := s.principals.Get(gen, k); ok {
		return sp, nil
	}
	sp := &storedPrincipal{}
	var boundary string
	if p.Kind == store.PrincipalUser {
		u, err := s.store.GetUser(ctx, p.AccountID, p.Name)
		switch {
		case isNotFound(err):
		case err != nil:
			return nil, unexpected("authorize", err)
		default:
			sp.found, sp.id, sp.tags, boundary = true, u.ID, u.Tags, u.PermissionsBoundaryARN
		}
	} else {
		r, err := s.store.GetRole(ctx, p.AccountID, p.Name)
		switch {
		case isNotFound(err):
		case err != nil:
			return nil, unexpected("authorize", err)
		default:
			sp.found, sp.id, sp.tags, boundary = true, r.ID, r.Tags, r.PermissionsBoundaryARN
		}
	}
	if sp.found {
		sp.tagMap = tagMap(sp.tags, nil)
		if err := s.principalPolicies(ctx, gen, p, boundary, &sp.set); err != nil {
			return nil, err
		}
		sp.set.Identity = slices.Clip(sp.set.Identity) // an append by a caller copies

	}
	s.principals.Put(gen, k, sp)
	return sp, nil
}

// sessionContext is the context every request of a session carries.
func sessionContext(sess *creds.Session) map[string]string {
	c := map[string]string{"aws:TokenIssueTime": sess.IssuedAt().Format("2006-01-02T15:04:05Z")}
	if sess.FederatedProvider != "" {
		c["aws:FederatedProvider"] = sess.FederatedProvider
	}
	if sess.SourceIdentity != "" {
		c["aws:SourceIdentity"] = sess.SourceIdentity
	}
	return c
}

// tagMap merges entity tags with session tags; keys compare regardless of
// case and a session tag wins.
func tagMap(entity []store.Tag, session []creds.SessionTag) map[string]string {
	if len(entity)+len(session) == 0 {
		return nil
	}
	m := map[string]string{}
	folded := map[string]string{}
	put := func(k, v string) {
		if old, ok := folded[strings.ToLower(k)]; ok {
			delete(m, old)
		}
		folded[strings.ToLower(k)] = k
		m[k] = v
	}
	for _, t := range entity {
		put(t.Key, t.Value)
	}
	for _, t := range session {
		put(t.Key, t.Value)
	}
	return m
}

// principalPolicies loads a user's or role's attached and inline policies
// and its boundary into set.
func (s *Service) principalPolicies(ctx context.Context, gen uint64, p store.Principal, boundaryARN string, set *authz.Set) error {
	ids, err := s.identityPolicies(ctx, p)
	if err != nil {
		return err
	}
	set.Identity = ids.Identity
	if boundaryARN != "" {
		b, err := s.defaultVersion(ctx, gen, p.AccountID, boundaryARN, policy.Boundary)
		if err != nil {
			return err
		}
		if b == nil {
			// A boundary that no longer exists allows nothing.
			b = allowsNothing[policy.Boundary]
		}
		set.Boundary = b
	}
	return nil
}

// managedKey names a managed policy compiled as a policy of some kind, as
// an account sees it.
type managedKey struct {
	account, arn string
	kind         policy.Kind
}

// defaultVersion compiles the default version of a managed policy as a
// policy of kind k; nil if the policy does not exist. It is read once per
// IAM generation gen.
func (s *Service) defaultVersion(ctx context.Context, gen uint64, account, arn string, k policy.Kind) (*policy.Policy, error) {
	key := managedKey{account: account, arn: arn, kind: k}
	if p, ok := s.managed.Get(gen, key); ok {
		return p, nil
	}
	mp, err := s.store.GetManagedPolicy(ctx, account, arn)
	if isNotFound(err) {
		s.managed.Put(gen, key, nil)
		return nil, nil
	}
	if err != nil {
		return nil, unexpected("authorize", err)
	}
	var out *policy.Policy
	for _, v := range mp.Versions {
		if v.ID == mp.DefaultVersionID {
			if out, err = s.compiled.getKind(mp.Name, v.Document, k); err != nil {
				return nil, unexpected("authorize: stored policy "+mp.ARN, err)
			}
		}
	}
	s.managed.Put(gen, key, out)
	return out, nil
}

// allowsNothing holds, by kind, a policy whose one statement allows an
// action no request has: it stands for a policy that was deleted.
var allowsNothing = func() map[policy.Kind]*policy.Policy {
	out := map[policy.Kind]*policy.Policy{}
	for _, k := range []policy.Kind{policy.Session, policy.Boundary} {
		p, err := policy.Parse("deleted", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"podiam:None","Resource":"*"}]}`), k, policy.Options{MaxSize: -1})
		if err != nil {
			panic("allowsNothing: " + err.Error()) // a constant document
		}
		out[k] = p
	}
	return out
}()
