package sts

import (
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/podiam/podiam/internal/arn"
	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/oidc"
	"github.com/podiam/podiam/internal/policy"
	"github.com/podiam/podiam/internal/store"
)

// Store is what STS reads of IAM's records, and their generation
// (store.Store.Generation), by which STS keeps what it read.
type Store interface {
	GetRole(ctx context.Context, accountID, name string) (store.Role, error)
	GetOIDCProvider(ctx context.Context, arn string) (store.OIDCProvider, error)
	Generation(ctx context.Context, r store.Records) (uint64, error)
}

// Identities loads callers' principals and policies and compiles
// documents (iam.Service).
type Identities interface {
	CallerIdentity(ctx context.Context, caller iam.Caller) (iam.Identity, error)
	Compile(name, doc string, k policy.Kind, ids map[string]string) (*policy.Policy, error)
}

// Verifier verifies web identity tokens (oidc.Verifier).
type Verifier interface {
	Verify(ctx context.Context, t *oidc.Token, p oidc.Provider) error
}

// Issuer seals sessions into credentials (creds.SessionKeys).
type Issuer interface {
	Issue(s creds.Session) (creds.SessionCredentials, error)
}

// Config configures a Service.
type Config struct {
	Store      Store
	Identities Identities
	Verifier   Verifier
	Sessions   Issuer
	Now        func() time.Time // default time.Now
}

// Service runs the STS operations.
type Service struct {
	store    Store
	ids      Identities
	verifier Verifier
	sessions Issuer
	now      func() time.Time
	// roles and providers keep the roles and OIDC providers read (and
	// the names of none) by IAM generation.
	roles     store.Cache[roleRef, *cachedRole]
	providers store.Cache[string, *cachedProvider]
}

// cachedRole is a role as read, or none; cachedProvider an OIDC
// provider. Their slices and maps are shared: nothing changes them.
type cachedRole struct {
	role  store.Role
	found bool
}

type cachedProvider struct {
	p     store.OIDCProvider
	found bool
}

// generation is the IAM records' generation, loaded before reading them.
func (s *Service) generation(ctx context.Context) (uint64, error) {
	gen, err := s.store.Generation(ctx, store.IAM)
	if err != nil {
		return 0, fmt.Errorf("read the IAM generation: %w", err)
	}
	return gen, nil
}

// role reads a role, once per IAM generation gen (a role changed or
// deleted is seen by the next request): store.ErrNotFound when there is
// none.
func (s *Service) role(ctx context.Context, gen uint64, ref roleRef) (store.Role, error) {
	ref.name = store.FoldName(ref.name)
	c, ok := s.roles.Get(gen, ref)
	if !ok {
		r, err := s.store.GetRole(ctx, ref.account, ref.name)
		switch {
		case errors.Is(err, store.ErrNotFound):
			c = &cachedRole{}
		case err != nil:
			return store.Role{}, err
		default:
			c = &cachedRole{role: r, found: true}
		}
		s.roles.Put(gen, ref, c)
	}
	if !c.found {
		return store.Role{}, fmt.Errorf("role %s: %w", ref.name, store.ErrNotFound)
	}
	return c.role, nil
}

// provider reads an OIDC provider, once per IAM generation gen:
// store.ErrNotFound when there is none.
func (s *Service) provider(ctx context.Context, gen uint64, arn string) (store.OIDCProvider, error) {
	c, ok := s.providers.Get(gen, arn)
	if !ok {
		p, err := s.store.GetOIDCProvider(ctx, arn)
		switch {
		case errors.Is(err, store.ErrNotFound):
			c = &cachedProvider{}
		case err != nil:
			return store.OIDCProvider{}, err
		default:
			c = &cachedProvider{p: p, found: true}
		}
		s.providers.Put(gen, arn, c)
	}
	if !c.found {
		return store.OIDCProvider{}, fmt.Errorf("OIDC provider %s: %w", arn, store.ErrNotFound)
	}
	return c.p, nil
}

// New builds the service.
func New(cfg Config) (*Service, error) {
	var missing []string
	if cfg.Store == nil {
		missing = append(missing, "store")
	}
	if cfg.Identities == nil {
		missing = append(missing, "identities")
	}
	if cfg.Verifier == nil {
		missing = append(missing, "verifier")
	}
	if cfg.Sessions == nil {
		missing = append(missing, "session keys")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("sts service: no %s", strings.Join(missing, ", "))
	}
	s := &Service{store: cfg.Store, ids: cfg.Identities, verifier: cfg.Verifier, sessions: cfg.Sessions, now: cfg.Now}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Tag is a session tag.
type Tag struct{ Key, Value string }

// Result is the outcome of AssumeRole and AssumeRoleWithWebIdentity.
type Result struct {
	Credentials    creds.SessionCredentials
	Expiration     time.Time
	AssumedRoleARN string // arn:aws:sts::A:assumed-role/Role/Session (no path)
	AssumedRoleID  string // AROA...:Session
	// PackedPolicySize is the percentage of the packed budget that the
	// session policies and tags use; -1 when the request passed none.
	PackedPolicySize int
	SourceIdentity   string
	// Session is the session issued (its access key id set), for a
	// service that goes on as the session's caller (Caller).
	Session creds.Session
	// Web identity only: the token's sub, effective audience and issuer.
	Subject, Audience, Provider string
}

// Caller is the caller that signs with the result's credentials, for a
// service that calls on as the session it made (EKS Pod Identity's
// second hop into a target role): the assumed-role ARN and id, the
// session.
func (r Result) Caller() iam.Caller {
	s := r.Session
	return iam.Caller{Account: s.Account, ARN: r.AssumedRoleARN, UserID: r.AssumedRoleID, AccessKeyID: s.AccessKeyID, Session: &s}
}

// roleRef is a role named by its ARN.
type roleRef struct {
	account, name string
}

func parseRoleARN(s string) (roleRef, bool) {
	a, err := arn.Parse(s)
	if err != nil || a.Service != "iam" || !arn.IsAccountID(a.Account) || !strings.HasPrefix(a.Resource, "role/") {
		return roleRef{}, false
	}
	name := a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
	if name == "" {
		return roleRef{}, false
	}
	return roleRef{account: a.Account, name: name}, true
}

// sessionRequest is what newRoleSession needs besides the role.
type sessionRequest struct {
	name           string
	duration       int // 0: default
	policy         string
	policyARNs     []string
	tags           []creds.SessionTag
	transitiveKeys []string
	sourceIdentity string
	provider       string // web identity: the provider's ARN
	chained        bool
	service        bool // a service principal's session: not bound by the role's MaxSessionDuration
	packedGiven    bool // the request passed policies or tags
}

// checkSessionPolicies validates the inline session policy and the ARNs.
func (s *Service) checkSessionPolicies(doc string, arns []string) error {
	if doc != "" {
		if len(doc) > MaxSessionPolicyChars {
			return constraint("[policy of "+fmt.Sprint(len(doc))+" characters]", "policy", "Member must have length less than or equal to 2048")
		}
		if _, err := policy.ParseDocument([]byte(doc), policy.Session, policy.Options{}); err != nil {
			if _, ok := fault.As(err); ok {
				return err
			}
			return &fault.Error{Kind: fault.Malformed, Subject: fault.Policy, Message: "Syntax errors in policy."}
		}
	}
	if len(arns) > MaxPolicyARNs {
		return constraint(fmt.Sprintf("[%d ARNs]", len(arns)), "policyArns", "Member must have length less than or equal to 10")
	}
	for i, p := range arns {
		a, err := arn.Parse(p)
		if err != nil || a.Service != "iam" || !strings.HasPrefix(a.Resource, "policy/") || (a.Account != "aws" && !arn.IsAccountID(a.Account)) {
			return constraint(p, fmt.Sprintf("policyArns.%d.member.arn", i+1), "Member must be the ARN of a managed policy")
		}
	}
	return nil
}

// packedSize is the percentage of the packed budget that the session
// policies and tags take: their compressed size over MaxPackedSize.
func packedSize(doc string, arns []string, tags []creds.SessionTag) int {
	var plain bytes.Buffer
	plain.WriteString(doc)
	for _, a := range arns {
		plain.WriteString(a)
	}
	for _, t := range tags {
		plain.WriteString(t.Key)
		plain.WriteByte(0)
		plain.WriteString(t.Value)
	}
	if plain.Len() == 0 {
		return 0
	}
	var packed byteCount
	w := compressors.Get().(*flate.Writer)
	w.Reset(&packed)
	w.Write(plain.Bytes())
	w.Close()
	compressors.Put(w)
	return (int(packed)*100 + MaxPackedSize - 1) / MaxPackedSize
}

// compressors are reused: a flate.Writer at BestCompression allocates
// about 800 KB, more than the rest of an exchange with session tags, and
// Reset leaves it as NewWriter does.
var compressors = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(io.Discard, flate.BestCompression)
	return w
}}

// byteCount counts what is written to it.
type byteCount int

func (c *byteCount) Write(p []byte) (int, error) {
	*c += byteCount(len(p))
	return len(p), nil
}

// newRoleSession checks what remains of a request (duration against the
// role, the packed size) and issues the session.
func (s *Service) newRoleSession(role store.Role, r sessionRequest) (Result, error) {
	duration := r.duration
	if duration == 0 {
		duration = DefaultDuration
	}
	if r.chained && duration > MaxChainedDuration {
		return Result{}, fault.Errorf(fault.Validation, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if duration > role.MaxSessionDuration && !r.service {
		return Result{}, fault.Errorf(fault.Validation, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	packed := -1
	if r.packedGiven {
		packed = packedSize(r.policy, r.policyARNs, r.tags)
		if packed > 100 {
			return Result{}, &fault.Error{Kind: fault.TooLarge, Subject: fault.PackedPolicy, Message: fmt.Sprintf("Packed policy consumes %d%% of allotted space, please use smaller policy.", packed)}
		}
	}
	now := s.now().UTC().Truncate(time.Second)
	sess := creds.Session{
		Kind: creds.RoleSession, Account: role.AccountID, RoleARN: role.ARN, RoleID: role.ID, SessionName: r.name,
		Issued: now.Unix(), Expires: now.Add(time.Duration(duration) * time.Second).Unix(),
		PolicyARNs: r.policyARNs, Tags: r.tags, TransitiveKeys: r.transitiveKeys,
		SourceIdentity: r.sourceIdentity, FederatedProvider: r.provider, Chained: r.chained,
	}
	if r.policy != "" {
		sess.Policies = []string{r.policy}
	}
	c, err := s.sessions.Issue(sess)
	if err != nil {
		return Result{}, fmt.Errorf("issue session: %w", err)
	}
	sess.AccessKeyID = c.AccessKeyID
	return Result{
		Credentials: c, Expiration: sess.ExpiresAt(), Session: sess,
		AssumedRoleARN:   "arn:aws:sts::" + role.AccountID + ":assumed-role/" + role.Name + "/" + r.name,
		AssumedRoleID:    role.ID + ":" + r.name,
		PackedPolicySize: packed, SourceIdentity: r.sourceIdentity,
	}, nil
}

// trustSet compiles a role's trust policy, with the unique ids its
// principals were bound to, into the resource side of set.
func (s *Service) trustSet(role store.Role, set authz.Set) (authz.Set, error) {
	p, err := s.ids.Compile(role.ARN, role.AssumeRolePolicyDocument, policy.Trust, role.TrustPrincipalIDs)
	if err != nil {
		return authz.Set{}, fmt.Errorf("compile the trust policy of %s: %w", role.ARN, err)
	}
	set.Resource = p
	return set, nil
}

// requestContext sets the keys every STS request carries.
func (s *Service) requestContext(req *authz.Request, sourceIP string) {
	now := s.now().UTC()
	req.Context.Set("aws:CurrentTime", now.Format(time.RFC3339))
	req.Context.Set("aws:EpochTime", fmt.Sprint(now.Unix()))
	if sourceIP != "" {
		req.Context.Set("aws:SourceIp", sourceIP)
	}
}

// trustRequest is what the decisions of one STS request share: who asks
// for which role under which policies, and the request's keys.
type trustRequest struct {
	principal      policy.Principal
	role           store.Role
	set            authz.Set
	context        map[string]string // the caller's session keys, and the request's own
	multi          map[string][]string
	sourceIP       string
	sessionName    string
	sourceIdentity string
	tags           []creds.SessionTag
	transitive     []string
}

// decide evaluates action on the role for t and reports the decision to
// the audit hook of ctx.
func (s *Service) decide(ctx context.Context, t *trustRequest, action string) authz.Result {
	req := &authz.Request{Principal: t.principal, Action: action, Resource: t.role.ARN, ResourceAccount: t.role.AccountID}
	for k, v := range t.context {
		req.Context.Set(k, v)
	}
	for k, v := range t.multi {
		req.Context.SetMulti(k, v...)
	}
	s.requestContext(req, t.sourceIP)
	// The role's tags, for the caller's policies and the trust policy
	// alike: one request, one context.
	roleKeys := iam.Keys{ResourceTags: t.role.Tags, Principal: true}
	roleKeys.Apply(&req.Context, action)
	req.Context.Set("sts:RoleSessionName", t.sessionName)
	if t.sourceIdentity != "" {
		req.Context.Set("sts:SourceIdentity", t.sourceIdentity)
	}
	tagContext(req, t.tags, t.transitive)
	var res authz.Result
	authz.Evaluate(req, &t.set, &res)
	report(ctx, action, t.role.ARN, &res, &req.Context)
	return res
}

// tagContext sets aws:RequestTag/*, aws:TagKeys and sts:TransitiveTagKeys.
func tagContext(req *authz.Request, tags []creds.SessionTag, transitive []string) {
	if len(tags) == 0 {
		return
	}
	keys := make([]string, len(tags))
	for i, t := range tags {
		req.Context.Set("aws:RequestTag/"+t.Key, t.Value)
		keys[i] = t.Key
	}
	req.Context.SetMulti("aws:TagKeys", keys...)
	if len(transitive) > 0 {
		req.Context.SetMulti("sts:TransitiveTagKeys", transitive...)
	}
}

// report sends a trust decision, and the keys it was made with, to the
// audit hook of ctx.
func report(ctx context.Context, action, resource string, res *authz.Result, keys *policy.Context) {
	d := iam.Decision{Action: action, Resource: resource, Decision: res.Decision.String(), Reason: res.Reason.String(), Keys: *keys}
	for _, r := range res.Statements {
		d.Statements = append(d.Statements, r.Ref())
	}
	iam.Report(ctx, d)
}
