package difftest

import (
	"encoding/json"
	"fmt"

	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/corpus"
	"github.com/podiam/podiam/internal/policy"
)

// line is one request to the oracle (test/oracle/README.md, "Input").
type line struct {
	ID              int            `json:"id"`
	Principal       string         `json:"principal"`
	Action          string         `json:"action"`
	Resource        string         `json:"resource"`
	ResourceAccount string         `json:"resourceAccount"`
	Context         map[string]any `json:"context,omitempty"`
	Identity        []policyEntry  `json:"identity,omitempty"`
	Boundary        []policyEntry  `json:"boundary,omitempty"`
	Session         []policyEntry  `json:"session,omitempty"`
	ResourcePolicy  *policyEntry   `json:"resourcePolicy,omitempty"`
	ResourceKind    string         `json:"resourceKind,omitempty"`
	SCPs            []policyEntry  `json:"scps,omitempty"`
}

// policyEntry is a named policy document as the oracle takes it.
type policyEntry struct {
	Name     string          `json:"name"`
	Document json.RawMessage `json:"document"`
}

func entry(np corpus.NamedPolicy) policyEntry {
	return policyEntry{Name: np.Name, Document: np.Document}
}

func entries(nps []corpus.NamedPolicy) []policyEntry {
	if len(nps) == 0 {
		return nil
	}
	out := make([]policyEntry, len(nps))
	for i, np := range nps {
		out[i] = entry(np)
	}
	return out
}

// newLine turns a prepared request and its policies into the oracle's
// input. The context is sent fully expanded: Prepare has already added
// the keys that follow from the principal (aws:PrincipalArn,
// aws:username, aws:PrincipalTag/..., aws:ResourceAccount), and the
// oracle adds none itself, so both sides see the same keys.
func newLine(id int, req *authz.Request, ps *corpus.Policies) line {
	l := line{
		ID:              id,
		Principal:       oraclePrincipal(&req.Principal),
		Action:          req.Action,
		Resource:        req.Resource,
		ResourceAccount: req.ResourceAccount,
		Context:         exportContext(&req.Context),
		Identity:        entries(ps.Identity),
		Session:         entries(ps.Session),
	}
	if ps.Boundary != nil {
		l.Boundary = []policyEntry{entry(*ps.Boundary)}
	}
	switch {
	case ps.Trust != nil:
		e := entry(*ps.Trust)
		l.ResourcePolicy, l.ResourceKind = &e, "trust"
	case ps.Resource != nil:
		e := entry(*ps.Resource)
		l.ResourcePolicy, l.ResourceKind = &e, "resource"
	}
	// SCPs never apply to AWS service principals; the oracle would apply
	// any it is given (test/oracle/NOTES.md, "SCPs").
	if req.Principal.Type != policy.Service {
		l.SCPs = entries(ps.SCPs)
	}
	return l
}

// oraclePrincipal names the caller as the oracle expects it. A role ARN
// given as the principal stands for one of the role's sessions in podiam,
// so the oracle gets the session ARN that podiam derived.
func oraclePrincipal(p *policy.Principal) string {
	if p.Type == policy.Anonymous {
		return "anonymous"
	}
	return p.ARN
}

// exportContext turns every key of c into the oracle's form: a string for
// a single-valued key, an array for a multi-valued one.
func exportContext(c *policy.Context) map[string]any {
	keys := c.Keys()
	if len(keys) == 0 {
		return nil
	}
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		vals, multi, ok := c.Get(k)
		switch {
		case !ok:
			continue
		case multi:
			out[k] = append([]string{}, vals...)
		case len(vals) == 1:
			out[k] = vals[0]
		default:
			panic(fmt.Sprintf("context key %q is single-valued with %d values", k, len(vals)))
		}
	}
	return out
}
