package iam

import (
	"context"
	"maps"
	"sync"

	"github.com/podiam/podiam/internal/policy"
)

// Decision is the outcome of one authorization, for the audit log.
type Decision struct {
	Action, Resource string
	Decision         string // allowed, explicitDeny, implicitDeny
	Reason           string
	Statements       []string // <policy>/<Sid or #index>
	// Keys are the condition keys of the request as the engine saw them
	// (empty when nothing was evaluated, as for the root user).
	Keys policy.Context
}

type decisionKey struct{}

// WithDecisionHook returns a context under which Authorize reports each
// decision to fn; the HTTP edge uses it to fill the audit record. Hooks
// nest: a hook that ctx already has sees each decision after fn.
func WithDecisionHook(ctx context.Context, fn func(Decision)) context.Context {
	if outer, ok := ctx.Value(decisionKey{}).(func(Decision)); ok {
		inner := fn
		fn = func(d Decision) {
			inner(d)
			outer(d)
		}
	}
	return context.WithValue(ctx, decisionKey{}, fn)
}

// Report sends a decision made outside IAM (STS's trust decisions) to the
// hook of ctx, as Authorize does with its own.
func Report(ctx context.Context, d Decision) { report(ctx, d) }

func report(ctx context.Context, d Decision) {
	if fn, ok := ctx.Value(decisionKey{}).(func(Decision)); ok {
		fn(d)
	}
}

// compiledCache keeps compiled policies by name and document, so that a
// policy is parsed once, not at every authorization. It holds at most
// cacheSize policies and starts afresh when full.
type compiledCache struct {
	mu sync.Mutex
	m  map[cacheKey]compiledEntry
}

// cacheKey names a compiled policy: a struct of the strings themselves, so
// that a lookup copies nothing.
type cacheKey struct {
	kind      policy.Kind
	name, doc string
}

// compiledEntry is a compiled policy and the principal bindings it was
// compiled with; a lookup with other bindings compiles again.
type compiledEntry struct {
	p   *policy.Policy
	ids map[string]string
}

const cacheSize = 10000

func (c *compiledCache) get(name, doc string) (*policy.Policy, error) {
	return c.getKind(name, doc, policy.Identity)
}

func (c *compiledCache) getKind(name, doc string, k policy.Kind) (*policy.Policy, error) {
	return c.getBound(name, doc, k, nil)
}

// getBound is getKind for a document whose principals are bound to the
// unique ids in ids (policy.CompileBound).
func (c *compiledCache) getBound(name, doc string, k policy.Kind, ids map[string]string) (*policy.Policy, error) {
	key := cacheKey{kind: k, name: name, doc: doc}
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && maps.Equal(e.ids, ids) {
		return e.p, nil
	}
	d, err := policy.ParseDocument([]byte(doc), k, policy.Options{MaxSize: -1})
	if err != nil {
		return nil, err
	}
	p := policy.CompileBound(name, d, k, ids)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= cacheSize {
		c.m = make(map[cacheKey]compiledEntry)
	}
	c.m[key] = compiledEntry{p: p, ids: maps.Clone(ids)}
	c.mu.Unlock()
	return p, nil
}

// Compile returns the compiled policy of kind k for a stored document
// whose principals BindPrincipals bound to ids, from the cache of
// compiled policies (STS compiles trust policies through it, S3 bucket
// policies).
func (s *Service) Compile(name, doc string, k policy.Kind, ids map[string]string) (*policy.Policy, error) {
	return s.compiled.getBound(name, doc, k, ids)
}
