package sts

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/oidc"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

// WebIdentityInput is AssumeRoleWithWebIdentity's input.
type WebIdentityInput struct {
	RoleARN          string
	RoleSessionName  string
	WebIdentityToken string
	DurationSeconds  int // 0: default
	Policy           string
	PolicyARNs       []string
	ProviderID       string
	SourceIP         string
}

// Claims that carry session tags and a source identity.
const (
	tagsClaim           = "https://aws.amazon.com/tags"
	sourceIdentityClaim = "https://aws.amazon.com/source_identity"
)

// AssumeRoleWithWebIdentity exchanges a token from an OIDC issuer for a
// session of a role whose trust policy allows the token's provider and
// claims. Checks run in AWS's order: the request, the token's form, the
// provider for its issuer in the role's account, audience, times and
// signature, then the trust policy (with sts:TagSession for session tags
// and sts:SetSourceIdentity for a source identity), then the session's
// duration and policies.
func (s *Service) AssumeRoleWithWebIdentity(ctx context.Context, in WebIdentityInput) (Result, error) {
	if err := validateRoleARN(in.RoleARN); err != nil {
		return Result{}, err
	}
	if err := validateSessionName(in.RoleSessionName); err != nil {
		return Result{}, err
	}
	if n := len(in.WebIdentityToken); n < 4 || n > oidc.MaxTokenBytes {
		return Result{}, constraint("[token of "+itoa(n)+" characters]", "webIdentityToken", "Member must have length between 4 and 20000")
	}
	if err := validateDuration(in.DurationSeconds, MaxRoleDuration); err != nil {
		return Result{}, err
	}
	if in.ProviderID != "" {
		return Result{}, fault.Errorf(fault.InvalidParameter, "ProviderId is only for OAuth 2.0 access tokens, which this server does not accept; leave it out for OpenID Connect tokens")
	}
	if err := s.checkSessionPolicies(in.Policy, in.PolicyARNs); err != nil {
		return Result{}, err
	}
	tok, err := oidc.Parse(in.WebIdentityToken)
	if err != nil {
		return Result{}, tokenError(err)
	}
	ref, ok := parseRoleARN(in.RoleARN)
	if !ok {
		return Result{}, fault.Errorf(fault.Validation, "%s is not a valid role ARN", in.RoleARN)
	}
	iss := tok.Claims.Issuer
	url, isHTTPS := strings.CutPrefix(iss, "https://")
	if !isHTTPS || url == "" {
		return Result{}, invalidToken("No OpenIDConnect provider found in your account for %s", iss)
	}
	providerARN := iam.OIDCProviderARN(ref.account, url)
	gen, err := s.generation(ctx)
	if err != nil {
		return Result{}, err
	}
	prov, err := s.provider(ctx, gen, providerARN)
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && (prov.AccountID != ref.account || prov.URL != url)):
		return Result{}, invalidToken("No OpenIDConnect provider found in your account for %s", iss)
	case err != nil:
		return Result{}, err
	}
	if err := s.verifier.Verify(ctx, tok, oidc.Provider{URL: iss, ClientIDs: prov.ClientIDs, Thumbprints: prov.Thumbprints}); err != nil {
		return Result{}, tokenError(err)
	}
	tags, transitive, err := tokenTags(tok)
	if err != nil {
		return Result{}, err
	}
	sourceIdentity, err := tokenSourceIdentity(tok)
	if err != nil {
		return Result{}, err
	}

	denied := fault.Errorf(fault.AccessDenied, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	role, err := s.role(ctx, gen, ref)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Result{}, denied
	case err != nil:
		return Result{}, err
	}
	set, err := s.trustSet(role, authz.Set{})
	if err != nil {
		return Result{}, err
	}
	c := &tok.Claims
	keys := map[string]string{url + ":sub": c.Subject, url + ":aud": c.EffectiveAudience()}
	multi := map[string][]string{}
	if c.AuthorizedParty != "" {
		keys[url+":azp"] = c.AuthorizedParty
		multi[url+":oaud"] = c.Audience
	}
	if len(c.AMR) > 0 {
		multi[url+":amr"] = c.AMR
	}
	t := &trustRequest{principal: policy.Principal{Type: policy.WebIdentity, ARN: providerARN}, role: role, set: set, context: keys, multi: multi,
		sourceIP: in.SourceIP, sessionName: in.RoleSessionName, sourceIdentity: sourceIdentity, tags: tags, transitive: transitive}
	decide := func(action string) bool {
		return s.decide(ctx, t, action).Decision == authz.Allowed
	}
	if !decide("sts:AssumeRoleWithWebIdentity") {
		return Result{}, denied
	}
	if len(tags) > 0 && !decide("sts:TagSession") {
		return Result{}, fault.Errorf(fault.AccessDenied, "Not authorized to perform sts:TagSession")
	}
	if sourceIdentity != "" && !decide("sts:SetSourceIdentity") {
		return Result{}, fault.Errorf(fault.AccessDenied, "Not authorized to perform sts:SetSourceIdentity")
	}
	res, err := s.newRoleSession(role, sessionRequest{
		name: in.RoleSessionName, duration: in.DurationSeconds, policy: in.Policy, policyARNs: in.PolicyARNs,
		tags: tags, transitiveKeys: transitive, sourceIdentity: sourceIdentity, provider: providerARN,
		packedGiven: in.Policy != "" || len(in.PolicyARNs) > 0 || len(tags) > 0,
	})
	if err != nil {
		return Result{}, err
	}
	res.Subject, res.Audience, res.Provider = tok.Claims.Subject, tok.Claims.EffectiveAudience(), iss
	return res, nil
}

// tokenError turns the verifier's error into STS's: its kind becomes
// STS's (tokenKind), its message is kept, its cause is for the log.
func tokenError(err error) error {
	var oe *oidc.Error
	if errors.As(err, &oe) {
		k, s := tokenKind(oe.Kind)
		return &fault.Error{Kind: k, Subject: s, Message: oe.Message, Cause: oe.Err}
	}
	return err
}

// tokenTags reads the session tags of the token's tags claim: principal
// tags as single-value arrays, and the transitive keys among them.
func tokenTags(tok *oidc.Token) ([]creds.SessionTag, []string, error) {
	raw, ok := tok.Claims.Raw[tagsClaim]
	if !ok {
		return nil, nil, nil
	}
	bad := invalidToken("The claim %s is not a valid session tag object", tagsClaim)
	var claim struct {
		PrincipalTags     map[string][]string `json:"principal_tags"`
		TransitiveTagKeys []string            `json:"transitive_tag_keys"`
	}
	if err := json.Unmarshal(raw, &claim); err != nil {
		return nil, nil, bad
	}
	var tags []Tag
	for k, vs := range claim.PrincipalTags {
		if len(vs) != 1 {
			return nil, nil, bad
		}
		tags = append(tags, Tag{Key: k, Value: vs[0]})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	if err := validateTags(tags, "principal_tags"); err != nil {
		return nil, nil, invalidToken("Session tags in the token are not valid: %s", err.(*fault.Error).Message)
	}
	out := make([]creds.SessionTag, len(tags))
	for i, t := range tags {
		out[i] = creds.SessionTag{Key: t.Key, Value: t.Value}
	}
	for _, k := range claim.TransitiveTagKeys {
		if !hasTag(out, k) {
			return nil, nil, invalidToken("The transitive tag key %s is not among the token's principal tags", k)
		}
	}
	return out, claim.TransitiveTagKeys, nil
}

func tokenSourceIdentity(tok *oidc.Token) (string, error) {
	raw, ok := tok.Claims.Raw[sourceIdentityClaim]
	if !ok {
		return "", nil
	}
	var si string
	if err := json.Unmarshal(raw, &si); err != nil {
		return "", invalidToken("The claim %s is not a string", sourceIdentityClaim)
	}
	if err := validateSourceIdentity(si); err != nil {
		return "", invalidToken("The source identity in the token is not valid: %s", err.(*fault.Error).Message)
	}
	return si, nil
}

func hasTag(tags []creds.SessionTag, key string) bool {
	for _, t := range tags {
		if strings.EqualFold(t.Key, key) {
			return true
		}
	}
	return false
}
