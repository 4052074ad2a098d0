package authenticator

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/podiam/podiam/internal/fault"
)

// Mapping is the Kubernetes user an identity is known as: a username
// and groups, both templates (RenderTemplate), and where it came from.
type Mapping struct {
	Username string
	Groups   []string
	Source   string // SourceAccessEntry, SourceAWSAuth or SourceAccount
}

// Where a mapping came from (in the log, never in a response).
const (
	SourceAccessEntry = "access entry"
	SourceAWSAuth     = "aws-auth"
	SourceAccount     = "aws-auth mapAccounts"
)

// The cluster's authentication modes (EKS's accessConfig), one way from
// the first to the last.
const (
	ModeConfigMap       = "CONFIG_MAP"
	ModeAPIAndConfigMap = "API_AND_CONFIG_MAP"
	ModeAPI             = "API"
)

// AccessEntries is the cluster's EKS access entries (podiam's EKS API).
type AccessEntries interface {
	// Mode is the cluster's authentication mode (ModeConfigMap,
	// ModeAPIAndConfigMap or ModeAPI), asked for c (whose entry Lookup
	// is asked for next: one source may answer both at once).
	Mode(ctx context.Context, c Caller) (string, error)
	// Lookup finds the access entry of c's principal, matched by its
	// unique id (c.PrincipalID) as well as its ARN, and returns its
	// username and groups (templates, defaults applied), with ok false
	// when there is none.
	Lookup(ctx context.Context, c Caller) (m Mapping, ok bool, err error)
}

// ReservedPrefixes are the username prefixes an aws-auth mapping may
// not give by default: the names EKS keeps for itself. `system:` is not
// among them, since nodes are mapped to system:node:... in aws-auth.
var ReservedPrefixes = []string{"aws:", "amazon:", "eks:", "iam:"}

// Mapper finds the Kubernetes user of a Caller: in its access entries
// first, when the authentication mode allows them, then in aws-auth
// (mapRoles or mapUsers, then mapAccounts), when it allows that; the
// first that maps wins.
type Mapper struct {
	// AccessEntries, when not nil, is asked first (ModeAPIAndConfigMap)
	// or alone (ModeAPI); nil is ModeConfigMap.
	AccessEntries AccessEntries
	// Reserved are the username prefixes an aws-auth mapping may not
	// give (ReservedPrefixes when nil; an empty, non-nil slice reserves
	// none).
	Reserved []string

	awsAuth atomic.Pointer[AWSAuth]
}

// SetAWSAuth replaces the aws-auth mappings (from the ConfigMap's
// informer); the next lookup sees them.
func (m *Mapper) SetAWSAuth(a AWSAuth) { m.awsAuth.Store(&a) }

// Map returns c's user and groups, rendered. An identity no source maps
// is AccessDenied; a source that fails is Unavailable.
func (m *Mapper) Map(ctx context.Context, c Caller) (username string, groups []string, source string, err error) {
	mode := ModeConfigMap
	if m.AccessEntries != nil {
		if mode, err = m.AccessEntries.Mode(ctx, c); err != nil {
			return "", nil, "", &fault.Error{Kind: fault.Unavailable, Message: "read the cluster's authentication mode", Cause: err}
		}
	}
	var found Mapping
	var ok bool
	if mode == ModeAPI || mode == ModeAPIAndConfigMap {
		if found, ok, err = m.AccessEntries.Lookup(ctx, c); err != nil {
			return "", nil, "", &fault.Error{Kind: fault.Unavailable, Message: "look up the access entry", Cause: err}
		}
	}
	if !ok && (mode == ModeConfigMap || mode == ModeAPIAndConfigMap) {
		if a := m.awsAuth.Load(); a != nil {
			if found, ok = a.match(c); !ok && a.accountAllowed(c.Account) {
				found, ok = Mapping{Username: c.CanonicalARN, Source: SourceAccount}, true
			}
		}
	}
	if !ok {
		return "", nil, "", fault.Errorf(fault.AccessDenied, "%s (%s) is not mapped (authentication mode %s)", c.CanonicalARN, c.PrincipalID, mode)
	}
	if username, err = RenderTemplate(found.Username, c); err != nil {
		return "", nil, "", err
	}
	if username == "" {
		return "", nil, "", fault.Errorf(fault.AccessDenied, "the %s mapping of %s gives no username", found.Source, c.CanonicalARN)
	}
	if found.Source != SourceAccessEntry {
		reserved := m.Reserved
		if reserved == nil {
			reserved = ReservedPrefixes
		}
		for _, p := range reserved {
			if p != "" && strings.HasPrefix(username, p) {
				return "", nil, "", fault.Errorf(fault.AccessDenied, "the %s mapping of %s gives the username %q, whose prefix %q is reserved", found.Source, c.CanonicalARN, username, p)
			}
		}
	}
	groups = make([]string, 0, len(found.Groups))
	for _, g := range found.Groups {
		r, err := RenderTemplate(g, c)
		if err != nil {
			return "", nil, "", err
		}
		groups = append(groups, r)
	}
	return username, groups, found.Source, nil
}

// RenderTemplate fills a username or group template: {{AccountID}},
// {{SessionName}} (with '@' as '-'), {{SessionNameRaw}} and
// {{AccessKeyID}}. {{EC2PrivateDNSName}}, which needs EC2's API, is
// refused, as is any other {{...}} left.
func RenderTemplate(t string, c Caller) (string, error) {
	if !strings.Contains(t, "{{") {
		return t, nil
	}
	r := strings.NewReplacer(
		"{{AccountID}}", c.Account,
		"{{SessionName}}", strings.ReplaceAll(c.SessionName, "@", "-"),
		"{{SessionNameRaw}}", c.SessionName,
		"{{AccessKeyID}}", c.AccessKeyID,
	)
	out := r.Replace(t)
	if i := strings.Index(out, "{{"); i >= 0 && strings.Contains(out[i:], "}}") {
		return "", fault.Errorf(fault.AccessDenied, "the template %q has a placeholder podiam does not fill", t)
	}
	return out, nil
}

// String shows a mapping for the log.
func (m Mapping) String() string { return fmt.Sprintf("%s %q %q", m.Source, m.Username, m.Groups) }
