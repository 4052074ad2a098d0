package iam

import (
	"context"
	"fmt"

	"github.com/podiam/podiam/internal/policy"
)

// Resource and trust policies name users and roles by ARN, but IAM keeps
// them by unique id: the ARNs are bound to the entities they name when
// the policy is written (BindPrincipals), the policy is evaluated over
// those entities (Compile), and shown with the id of an entity that is
// gone in place of its ARN (ShowPrincipals). Every stored policy with a
// Principal element goes through these three: trust policies here, bucket
// policies in package s3.

// BindPrincipals returns the unique ids of the users and roles that d
// names by ARN, by ARN; nil when it names none. An ARN that names no user
// or role of this server is refused as IAM refuses it: a malformed policy
// ("Invalid principal in policy"), which each service's codec names
// (MalformedPolicyDocument, S3's MalformedPolicy).
func (s *Service) BindPrincipals(ctx context.Context, d *policy.Document) (map[string]string, error) {
	var ids map[string]string
	for _, v := range d.EntityARNs() {
		e, _ := policy.ParseEntity(v)
		id, err := s.entityID(ctx, e)
		if err != nil {
			return nil, err
		}
		if id == "" {
			return nil, malformed(fmt.Sprintf("Invalid principal in policy: %q:%q", "AWS", v))
		}
		if ids == nil {
			ids = map[string]string{}
		}
		ids[v] = id
	}
	return ids, nil
}

// ShowPrincipals returns a stored policy document of kind k as IAM shows
// it: a bound ARN whose entity is gone shows the entity's unique id, and
// one whose user was renamed or moved the user's ARN now. doc comes back
// as it was written when every bound ARN still names its entity.
func (s *Service) ShowPrincipals(ctx context.Context, doc string, k policy.Kind, ids map[string]string) (string, error) {
	var replace map[string]string
	for v, id := range ids {
		e, ok := policy.ParseEntity(v)
		if !ok || id == "" {
			continue // bound to nobody: there is nothing else to show
		}
		now, err := s.entityID(ctx, e)
		if err != nil {
			return "", err
		}
		if now == id {
			continue
		}
		shown := id
		if e.Kind == "user" {
			// Users can be renamed and moved; roles cannot.
			users, err := s.store.ListUsers(ctx, e.Account, "")
			if err != nil {
				return "", unexpected("show policy principals", err)
			}
			for _, u := range users {
				if u.ID == id {
					shown = u.ARN
				}
			}
		}
		if replace == nil {
			replace = map[string]string{}
		}
		replace[v] = shown
	}
	if replace == nil {
		return doc, nil
	}
	d, err := policy.ParseDocument([]byte(doc), k, policy.Options{MaxSize: -1})
	if err != nil {
		return "", unexpected("show policy principals: stored policy", err)
	}
	out, err := d.WithPrincipals(replace).MarshalJSON()
	if err != nil {
		return "", unexpected("show policy principals", err)
	}
	return string(out), nil
}

// PrincipalID returns the unique id of the user or role that an IAM ARN
// names now ("" when it names none, or is not a user's or role's ARN):
// what a record binds to, as policies do, so that an entity deleted and
// made again under the same ARN is not the one named.
func (s *Service) PrincipalID(ctx context.Context, arn string) (string, error) {
	e, ok := policy.ParseEntity(arn)
	if !ok {
		return "", nil
	}
	return s.entityID(ctx, e)
}

// entityID returns the unique id of the user or role that e's ARN names
// now, "" when there is none.
func (s *Service) entityID(ctx context.Context, e policy.Entity) (string, error) {
	var arn, id string
	var err error
	if e.Kind == "user" {
		u, uerr := s.store.GetUser(ctx, e.Account, e.Name)
		arn, id, err = u.ARN, u.ID, uerr
	} else {
		r, rerr := s.store.GetRole(ctx, e.Account, e.Name)
		arn, id, err = r.ARN, r.ID, rerr
	}
	switch {
	case isNotFound(err) || (err == nil && arn != e.ARN):
		return "", nil
	case err != nil:
		return "", unexpected("look up policy principal "+e.ARN, err)
	}
	return id, nil
}
