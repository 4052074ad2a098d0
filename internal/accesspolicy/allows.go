package accesspolicy

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Scope types, as EKS's AccessScope names them.
const (
	ScopeCluster   = "cluster"
	ScopeNamespace = "namespace"
)

// Scope is where an associated policy applies: the whole cluster, or the
// namespaces listed (a name, or a prefix followed by "*": "dev-*").
type Scope struct {
	Type       string
	Namespaces []string
}

// Associated is an access policy associated with a principal's access
// entry, with its scope.
type Associated struct {
	PolicyARN string
	Scope     Scope
}

// Attributes are what a Kubernetes authorizer is asked (a
// SubjectAccessReview's spec): who, and either a resource request (Resource
// set) or a non-resource request (NonResourcePath set).
type Attributes struct {
	User        string
	Groups      []string
	Verb        string
	APIGroup    string
	Resource    string
	Subresource string
	// Namespace is the request's namespace, "" for a cluster-scoped
	// resource (a namespace object's own namespace is its name, as the API
	// server's request info gives it).
	Namespace       string
	Name            string
	NonResourcePath string
}

var (
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	prefix   = regexp.MustCompile(`^[a-z0-9][-a-z0-9]*\*$`)
)

// MaxNamespaces is how many namespaces a scope may list.
const MaxNamespaces = 100

// Validate checks a scope: its type, and for a namespace scope between 1
// and MaxNamespaces namespaces, each a Kubernetes namespace name or a
// prefix of one followed by "*"; a cluster scope lists none.
func (s Scope) Validate() error {
	switch s.Type {
	case ScopeCluster:
		if len(s.Namespaces) > 0 {
			return errors.New("a cluster scope cannot list namespaces")
		}
		return nil
	case ScopeNamespace:
	default:
		return fmt.Errorf("the scope type %q is not valid: use cluster or namespace", s.Type)
	}
	if len(s.Namespaces) == 0 || len(s.Namespaces) > MaxNamespaces {
		return fmt.Errorf("a namespace scope lists 1 to %d namespaces", MaxNamespaces)
	}
	for _, ns := range s.Namespaces {
		if len(ns) > 63 || !(dnsLabel.MatchString(ns) || prefix.MatchString(ns)) {
			return fmt.Errorf("the namespace %q is not a Kubernetes namespace name or a prefix of one followed by *", ns)
		}
	}
	return nil
}

// Covers reports whether the scope includes a namespace ("" is no
// namespace: only a cluster scope covers cluster-scoped requests).
func (s Scope) Covers(namespace string) bool {
	if s.Type == ScopeCluster {
		return true
	}
	if s.Type != ScopeNamespace || namespace == "" {
		return false
	}
	for _, p := range s.Namespaces {
		if base, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(namespace, base) {
				return true
			}
		} else if p == namespace {
			return true
		}
	}
	return false
}

// Allows decides a request against a principal's associated policies: it
// is allowed when a rule of a policy whose scope covers the request's
// namespace allows it. A non-resource request is allowed only by a
// cluster-scoped policy. Policies the catalog does not know allow
// nothing. The reason names the deciding policy and scope, or says why
// none allowed it (for the authorizer's answer and its log).
func Allows(policies []Associated, a Attributes) (bool, string) {
	if a.Verb == "" || (a.Resource == "" && a.NonResourcePath == "") {
		return false, "the request names no verb, resource or path"
	}
	for _, as := range policies {
		p, ok := Lookup(as.PolicyARN)
		if !ok {
			continue
		}
		if a.Resource == "" {
			if as.Scope.Type != ScopeCluster {
				continue
			}
		} else if !as.Scope.Covers(a.Namespace) {
			continue
		}
		for _, r := range p.Rules {
			if r.allows(a) {
				return true, fmt.Sprintf("allowed by %s (%s)", p.Name, as.Scope.describe())
			}
		}
	}
	return false, "no associated access policy allows it"
}

func (s Scope) describe() string {
	if s.Type == ScopeCluster {
		return "cluster scope"
	}
	return "namespaces " + strings.Join(s.Namespaces, ",")
}

func (r Rule) allows(a Attributes) bool {
	if !matches(r.Verbs, a.Verb) {
		return false
	}
	if a.Resource == "" {
		return nonResourceMatches(r.NonResourceURLs, a.NonResourcePath)
	}
	if len(r.Resources) == 0 || !matches(r.APIGroups, a.APIGroup) {
		return false
	}
	res := a.Resource
	if a.Subresource != "" {
		res += "/" + a.Subresource
	}
	for _, want := range r.Resources {
		switch {
		case want == "*" || want == res:
			return true
		case a.Subresource != "" && want == "*/"+a.Subresource:
			return true
		}
	}
	return false
}

func matches(set []string, v string) bool {
	return slices.Contains(set, "*") || slices.Contains(set, v)
}

func nonResourceMatches(urls []string, path string) bool {
	for _, u := range urls {
		if u == "*" || u == path {
			return true
		}
		if base, ok := strings.CutSuffix(u, "*"); ok && strings.HasPrefix(path, base) {
			return true
		}
	}
	return false
}
