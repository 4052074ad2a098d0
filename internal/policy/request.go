package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/podiam/podiam/internal/arn"
)

// PrincipalType is the kind of caller, as aws:PrincipalType names it.
type PrincipalType uint8

const (
	Anonymous     PrincipalType = iota // an unsigned request
	Account                            // an account's root user
	User                               // an IAM user
	AssumedRole                        // a role session
	FederatedUser                      // a GetFederationToken session
	WebIdentity                        // an OIDC or SAML identity before it assumes a role
	Service                            // an AWS service principal, e.g. pods.eks.amazonaws.com
)

var principalTypeNames = [...]string{"Anonymous", "Account", "User", "AssumedRole", "FederatedUser", "WebIdentity", "Service"}

func (t PrincipalType) String() string {
	if int(t) < len(principalTypeNames) {
		return principalTypeNames[t]
	}
	return "Unknown"
}

// Principal is the caller of a request.
type Principal struct {
	Type PrincipalType
	// ARN names the caller: the user, root, session
	// (arn:aws:sts::A:assumed-role/R/S) or federated-user ARN; for
	// WebIdentity the identity provider (its IAM ARN or a built-in name
	// such as accounts.google.com); for Service the service name.
	ARN string
	// RoleARN is the ARN of the role behind an AssumedRole session, path
	// included; aws:PrincipalArn takes this value.
	RoleARN   string
	Account   string
	Partition string
	UserID    string
	Tags      map[string]string
}

// builtinProviders are the web-identity providers AWS knows by name.
var builtinProviders = []string{"accounts.google.com", "graph.facebook.com", "www.amazon.com", "cognito-identity.amazonaws.com"}

// ParsePrincipal reads a caller from its ARN, a service or provider name,
// or "anonymous". A role ARN stands for a session of that role.
func ParsePrincipal(s string) (Principal, error) {
	if s == "anonymous" || s == "*" {
		return Principal{Type: Anonymous}, nil
	}
	if !strings.HasPrefix(s, "arn:") {
		if contains(builtinProviders, s) {
			return Principal{Type: WebIdentity, ARN: s}, nil
		}
		if strings.Contains(s, ".") && !strings.ContainsAny(s, " :/") {
			return Principal{Type: Service, ARN: s}, nil
		}
		return Principal{}, fmt.Errorf("principal %q is not an ARN, a service principal or \"anonymous\"", s)
	}
	a, err := arn.Parse(s)
	if err != nil {
		return Principal{}, fmt.Errorf("principal: %w", err)
	}
	if !arn.IsAccountID(a.Account) {
		return Principal{}, fmt.Errorf("principal %q has no 12-digit account", s)
	}
	p := Principal{ARN: s, Account: a.Account, Partition: a.Partition}
	typ, rest, _ := strings.Cut(a.Resource, "/")
	switch {
	case a.Service == "iam" && a.Resource == "root":
		p.Type = Account
		p.UserID = a.Account
	case a.Service == "iam" && typ == "user" && rest != "":
		p.Type = User
	case a.Service == "iam" && typ == "role" && rest != "":
		// A role as caller means one of its sessions.
		name := rest[strings.LastIndexByte(rest, '/')+1:]
		p.Type = AssumedRole
		p.RoleARN = s
		p.ARN = "arn:" + a.Partition + ":sts::" + a.Account + ":assumed-role/" + name + "/session"
	case a.Service == "sts" && typ == "assumed-role" && strings.Count(rest, "/") == 1:
		role, _, _ := strings.Cut(rest, "/")
		p.Type = AssumedRole
		p.RoleARN = "arn:" + a.Partition + ":iam::" + a.Account + ":role/" + role
	case a.Service == "sts" && typ == "federated-user" && rest != "":
		p.Type = FederatedUser
		p.UserID = a.Account + ":" + rest
	case a.Service == "iam" && (typ == "oidc-provider" || typ == "saml-provider") && rest != "":
		p.Type = WebIdentity
	default:
		return Principal{}, fmt.Errorf("principal %q is not a user, root, role, session, federated user or identity provider ARN", s)
	}
	return p, nil
}

// UserName returns the name of an IAM user, the last part of its ARN.
func (p *Principal) UserName() string {
	if p.Type != User {
		return ""
	}
	return p.ARN[strings.LastIndexByte(p.ARN, '/')+1:]
}

// PrincipalARN is the value of aws:PrincipalArn: the role ARN for a role
// session, the caller's own ARN otherwise.
func (p *Principal) PrincipalARN() string {
	switch p.Type {
	case AssumedRole:
		return p.RoleARN
	case Account, User, FederatedUser:
		return p.ARN
	}
	return ""
}

// Context holds a request's condition keys. Key names are matched without
// regard to case; values are case-sensitive.
//
// It is a small open-addressing table keyed by a hash that compiled
// policies compute once per condition key, so a lookup while matching
// neither hashes nor allocates; setting a key allocates little (the
// single values share one array, key names are lower-cased once per
// process). A copy of a Context shares its storage: set keys on one copy
// only.
type Context struct {
	entries []ctxValue
	slots   []int32  // entry index + 1; 0 is empty; len is a power of two
	single  []string // the values of single-valued keys, each entry's vals a one-element window
}

type ctxValue struct {
	hash  uint64
	key   string // lower case
	name  string // as first set, for printing
	vals  []string
	multi bool
}

// keyHash is the FNV-1a hash of a lower-case key.
func keyHash(lower string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(lower); i++ {
		h ^= uint64(lower[i])
		h *= 1099511628211
	}
	return h
}

// Set sets a single-valued key.
func (c *Context) Set(key, value string) {
	if cap(c.single) == len(c.single) {
		c.single = make([]string, 0, max(16, 2*cap(c.single)))
	}
	n := len(c.single)
	c.single = append(c.single, value)
	c.put(key, c.single[n:n+1:n+1], false)
}

// SetMulti sets a multi-valued key; with no values the key is present but
// its set is empty.
func (c *Context) SetMulti(key string, values ...string) {
	c.put(key, append([]string{}, values...), true)
}

// Add appends a value to a key, making it multi-valued when it already had
// one.
func (c *Context) Add(key, value string) {
	if v, ok := c.lookup(lowerKey(key)); ok {
		c.put(key, append(append([]string{}, v.vals...), value), true)
		return
	}
	c.Set(key, value)
}

func (c *Context) put(key string, vals []string, multi bool) {
	lower := lowerKey(key)
	h := keyHash(lower)
	if i := c.find(h, lower); i >= 0 {
		e := &c.entries[i]
		e.vals, e.multi = vals, multi
		return
	}
	if c.entries == nil {
		c.entries = make([]ctxValue, 0, 16) // a request's keys, mostly
	}
	c.entries = append(c.entries, ctxValue{hash: h, key: lower, name: key, vals: vals, multi: multi})
	if len(c.entries)*2 > len(c.slots) {
		n := 64
		for n < len(c.entries)*4 {
			n *= 2
		}
		c.slots = make([]int32, n)
		for i := range c.entries {
			c.insert(i)
		}
		return
	}
	c.insert(len(c.entries) - 1)
}

func (c *Context) insert(i int) {
	mask := uint64(len(c.slots) - 1)
	for s := c.entries[i].hash & mask; ; s = (s + 1) & mask {
		if c.slots[s] == 0 {
			c.slots[s] = int32(i + 1)
			return
		}
	}
}

// find returns the entry index of a lower-case key with hash h, or -1.
func (c *Context) find(h uint64, lower string) int {
	if len(c.slots) == 0 {
		return -1
	}
	mask := uint64(len(c.slots) - 1)
	for s := h & mask; ; s = (s + 1) & mask {
		i := c.slots[s]
		if i == 0 {
			return -1
		}
		if e := &c.entries[i-1]; e.hash == h && e.key == lower {
			return int(i - 1)
		}
	}
}

// Has reports whether key is present.
func (c *Context) Has(key string) bool {
	_, ok := c.lookup(lowerKey(key))
	return ok
}

// Get returns the values of key and whether it is multi-valued.
func (c *Context) Get(key string) (values []string, multi, ok bool) {
	v, ok := c.lookup(lowerKey(key))
	if !ok {
		return nil, false, false
	}
	return v.vals, v.multi, true
}

// Keys returns the key names as first set, sorted.
func (c *Context) Keys() []string {
	out := make([]string, 0, len(c.entries))
	for i := range c.entries {
		out = append(out, c.entries[i].name)
	}
	sort.Strings(out)
	return out
}

// lookup finds an already lower-cased key.
func (c *Context) lookup(lower string) (*ctxValue, bool) {
	v := c.lookupHash(keyHash(lower), lower)
	return v, v != nil
}

// lookupHash finds a lower-cased key whose keyHash is known; nil when the
// key is absent.
func (c *Context) lookupHash(h uint64, lower string) *ctxValue {
	if i := c.find(h, lower); i >= 0 {
		return &c.entries[i]
	}
	return nil
}

// Request is what a compiled statement is matched against.
//
// The first match prepares the request (normalizes the action, derives
// principal keys); a Request must therefore not be matched from several
// goroutines before its first use. Changing its fields after that needs
// a call to [Request.Prepare].
type Request struct {
	Principal Principal
	Action    string // service:Action, any case
	Resource  string // an ARN, or "*"
	// ResourceAccount is the account that owns the resource; when empty,
	// Prepare takes the resource ARN's account, or else the caller's
	// (S3 ARNs name no account).
	ResourceAccount string
	Context         Context

	prepared    bool
	hasBoundary bool
	action      string // lower case
	actBit      uint64 // hashBit(action)
	svcBit      uint64 // hashBit(service)
	resSeg      [6]string
	resARN      bool
	fill        filler
}

// Prepare normalizes the request and adds the keys that follow from the
// principal (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
// aws:username, aws:userid, aws:PrincipalTag/*) and aws:ResourceAccount,
// unless the context already has them.
func (r *Request) Prepare() {
	r.prepared = true
	r.action = lowerKey(r.Action)
	vendor, _, _ := strings.Cut(r.action, ":")
	r.actBit, r.svcBit = hashBit(r.action), hashBit(vendor)
	r.resSeg, r.resARN = arn.Split(r.Resource)
	if r.ResourceAccount == "" {
		r.ResourceAccount = r.Principal.Account
		if r.resARN && r.resSeg[4] != "" {
			r.ResourceAccount = r.resSeg[4]
		}
	}
	p := &r.Principal
	c := &r.Context
	setIf := func(key, v string) {
		if v != "" && !c.Has(key) {
			c.Set(key, v)
		}
	}
	if p.Type != WebIdentity && p.Type != Service {
		setIf("aws:PrincipalType", p.Type.String())
		setIf("aws:PrincipalAccount", p.Account)
	}
	setIf("aws:PrincipalArn", p.PrincipalARN())
	setIf("aws:username", p.UserName())
	userID := p.UserID
	if userID == "" && p.Type == Account {
		userID = p.Account
	}
	setIf("aws:userid", userID)
	for k, v := range p.Tags {
		setIf("aws:PrincipalTag/"+k, v)
	}
	setIf("aws:ResourceAccount", r.ResourceAccount)
}

// SetHasBoundary records whether the caller has a permissions boundary: a
// Deny statement with NotPrincipal in a resource policy always applies to
// such a caller, as AWS documents.
func (r *Request) SetHasBoundary(b bool) { r.hasBoundary = b }

func (r *Request) ensure() {
	if !r.prepared {
		r.Prepare()
	}
}
