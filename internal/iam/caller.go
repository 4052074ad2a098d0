package iam

import (
	"context"
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
	u, err := s.store.GetUser(ctx, caller.Account, name)
	switch {
	case isNotFound(err) || (err == nil && caller.Session != nil && u.ID != caller.Session.UserID):
		// The user is gone, or its session was made by another user of
		// the same name: no permissions.
		id.Principal = principal
		return id, nil
	case err != nil:
		return Identity{}, unexpected("authorize", err)
	}
	principal.UserID = u.ID
	principal.Tags = tagMap(u.Tags, nil)
	id.Principal = principal
	if err := s.principalPolicies(ctx, store.Principal{AccountID: caller.Account, Kind: store.PrincipalUser, Name: name}, u.PermissionsBoundaryARN, &id.Set); err != nil {
		return Identity{}, err
	}
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
	r, err := s.store.GetRole(ctx, sess.Account, name)
	switch {
	case isNotFound(err) || (err == nil && r.ID != sess.RoleID):
		// The role is gone (or is another role of the same name now): the
		// session keeps no permissions.
		principal.Tags = tagMap(nil, sess.Tags)
		id.Principal = principal
		return id, nil
	case err != nil:
		return Identity{}, unexpected("authorize", err)
	}
	principal.UserID = sess.RoleID + ":" + sess.SessionName
	principal.Tags = tagMap(r.Tags, sess.Tags)
	id.Principal = principal
	if err := s.principalPolicies(ctx, store.Principal{AccountID: sess.Account, Kind: store.PrincipalRole, Name: name}, r.PermissionsBoundaryARN, &id.Set); err != nil {
		return Identity{}, err
	}
	for i, doc := range sess.Policies {
		p, err := s.compiled.getKind("SessionPolicy."+strconv.Itoa(i+1), doc, policy.Session)
		if err != nil {
			return Identity{}, unexpected("authorize: session policy", err)
		}
		id.Set.Session = append(id.Set.Session, p)
	}
	for _, arn := range sess.PolicyARNs {
		p, err := s.defaultVersion(ctx, sess.Account, arn, policy.Session)
		if err != nil {
			return Identity{}, err
		}
		if p == nil {
			// A deleted managed session policy allows nothing, and the
			// session stays limited by it.
			p = allowsNothing(policy.Session)
		}
		id.Set.Session = append(id.Set.Session, p)
	}
	return id, nil
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
func (s *Service) principalPolicies(ctx context.Context, p store.Principal, boundaryARN string, set *authz.Set) error {
	ids, err := s.identityPolicies(ctx, p)
	if err != nil {
		return err
	}
	set.Identity = ids.Identity
	if boundaryARN != "" {
		b, err := s.defaultVersion(ctx, p.AccountID, boundaryARN, policy.Boundary)
		if err != nil {
			return err
		}
		if b == nil {
			// A boundary that no longer exists allows nothing.
			b = allowsNothing(policy.Boundary)
		}
		set.Boundary = b
	}
	return nil
}

// defaultVersion compiles the default version of a managed policy as a
// policy of kind k; nil if the policy does not exist.
func (s *Service) defaultVersion(ctx context.Context, account, arn string, k policy.Kind) (*policy.Policy, error) {
	mp, err := s.store.GetManagedPolicy(ctx, account, arn)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, unexpected("authorize", err)
	}
	for _, v := range mp.Versions {
		if v.ID == mp.DefaultVersionID {
			p, err := s.compiled.getKind(mp.Name, v.Document, k)
			if err != nil {
				return nil, unexpected("authorize: stored policy "+mp.ARN, err)
			}
			return p, nil
		}
	}
	return nil, nil
}

// allowsNothing is a policy of kind k whose one statement allows an
// action no request has: it stands for a policy that was deleted.
func allowsNothing(k policy.Kind) *policy.Policy {
	p, err := policy.Parse("deleted", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"podiam:None","Resource":"*"}]}`), k, policy.Options{MaxSize: -1})
	if err != nil {
		panic("allowsNothing: " + err.Error()) // a constant document
	}
	return p
}
