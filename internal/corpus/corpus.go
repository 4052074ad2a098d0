package corpus

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/policy"
)

// Case is one decision case.
type Case struct {
	File     string          `json:"-"`
	Name     string          `json:"name"`
	Doc      string          `json:"doc"`
	Request  RequestSpec     `json:"request"`
	Policies Policies        `json:"policies"`
	Expect   Expect          `json:"expect"`
	Extra    json.RawMessage `json:"extra,omitempty"`
}

// RequestSpec is the request of a case.
type RequestSpec struct {
	Principal       string                     `json:"principal"`
	Action          string                     `json:"action"`
	Resource        string                     `json:"resource"`
	ResourceAccount string                     `json:"resourceAccount,omitempty"`
	RoleARN         string                     `json:"roleArn,omitempty"`
	UserID          string                     `json:"userId,omitempty"`
	PrincipalTags   map[string]string          `json:"principalTags,omitempty"`
	Context         map[string]json.RawMessage `json:"context,omitempty"`
}

// NamedPolicy is a policy document with the name statements are
// referred to by.
type NamedPolicy struct {
	Name     string          `json:"name"`
	Document json.RawMessage `json:"document"`
}

// Policies are the policies of a case.
type Policies struct {
	Identity []NamedPolicy `json:"identity,omitempty"`
	Boundary *NamedPolicy  `json:"boundary,omitempty"`
	Session  []NamedPolicy `json:"session,omitempty"`
	Resource *NamedPolicy  `json:"resource,omitempty"`
	Trust    *NamedPolicy  `json:"trust,omitempty"`
	SCPs     []NamedPolicy `json:"scps,omitempty"`
}

// Expect is the answer AWS gives.
type Expect struct {
	Decision   string   `json:"decision"`
	Statements []string `json:"statements"`
}

// ValidationCase is one validation case.
type ValidationCase struct {
	File     string `json:"-"`
	Name     string `json:"name"`
	Doc      string `json:"doc"`
	Kind     string `json:"kind"`
	Document string `json:"document"`
	Valid    bool   `json:"valid"`
	Error    string `json:"error"`
}

// Dir finds the repository's testdata directory from a package directory.
func Dir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find testdata: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Load reads every decision case under testdata/corpus.
func Load() ([]Case, error) {
	return load("corpus", func(c *Case, file string) { c.File = file })
}

// LoadValidation reads every validation case under testdata/validate.
func LoadValidation() ([]ValidationCase, error) {
	return load("validate", func(c *ValidationCase, file string) { c.File = file })
}

// load reads the JSON arrays of cases in testdata/<sub>/*.json, telling
// each case its file.
func load[T any](sub string, setFile func(c *T, file string)) ([]T, error) {
	var all []T
	err := each(sub, func(file string, data []byte) error {
		var cs []T
		if err := json.Unmarshal(data, &cs); err != nil {
			return err
		}
		for i := range cs {
			setFile(&cs[i], file)
		}
		all = append(all, cs...)
		return nil
	})
	return all, err
}

func each(sub string, fn func(file string, data []byte) error) error {
	dir, err := Dir()
	if err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(dir, sub, "*.json"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := fn(filepath.Base(f), data); err != nil {
			return fmt.Errorf("load %s: %w", f, err)
		}
	}
	return nil
}

// Build turns the case into a prepared request and a compiled policy set.
func (c *Case) Build() (*authz.Request, *authz.Set, error) {
	req, err := c.Request.Build()
	if err != nil {
		return nil, nil, err
	}
	set, err := c.Policies.Compile()
	if err != nil {
		return nil, nil, err
	}
	return req, set, nil
}

// Build turns the spec into a prepared request.
func (s *RequestSpec) Build() (*authz.Request, error) {
	p, err := policy.ParsePrincipal(s.Principal)
	if err != nil {
		return nil, err
	}
	if s.RoleARN != "" {
		p.RoleARN = s.RoleARN
	}
	if s.UserID != "" {
		p.UserID = s.UserID
	}
	p.Tags = s.PrincipalTags
	req := &authz.Request{Principal: p, Action: s.Action, Resource: s.Resource, ResourceAccount: s.ResourceAccount}
	for k, raw := range s.Context {
		var one string
		if json.Unmarshal(raw, &one) == nil {
			req.Context.Set(k, one)
			continue
		}
		var many []string
		if err := json.Unmarshal(raw, &many); err != nil {
			return nil, fmt.Errorf("context key %q: want a string or an array of strings", k)
		}
		req.Context.SetMulti(k, many...)
	}
	req.Prepare()
	return req, nil
}

// Compile parses and compiles the policies.
func (ps *Policies) Compile() (*authz.Set, error) {
	set := &authz.Set{}
	parse := func(np *NamedPolicy, k policy.Kind) (*policy.Policy, error) {
		p, err := policy.Parse(np.Name, np.Document, k, policy.Options{MaxSize: -1})
		if err != nil {
			return nil, fmt.Errorf("policy %q: %w", np.Name, err)
		}
		return p, nil
	}
	for i := range ps.Identity {
		p, err := parse(&ps.Identity[i], policy.Identity)
		if err != nil {
			return nil, err
		}
		set.Identity = append(set.Identity, p)
	}
	var err error
	if ps.Boundary != nil {
		if set.Boundary, err = parse(ps.Boundary, policy.Boundary); err != nil {
			return nil, err
		}
	}
	for i := range ps.Session {
		p, err := parse(&ps.Session[i], policy.Session)
		if err != nil {
			return nil, err
		}
		set.Session = append(set.Session, p)
	}
	switch {
	case ps.Resource != nil && ps.Trust != nil:
		return nil, fmt.Errorf("a case takes a resource policy or a trust policy, not both")
	case ps.Resource != nil:
		set.Resource, err = parse(ps.Resource, policy.Resource)
	case ps.Trust != nil:
		set.Resource, err = parse(ps.Trust, policy.Trust)
	}
	if err != nil {
		return nil, err
	}
	if len(ps.SCPs) > 0 {
		var level []*policy.Policy
		for i := range ps.SCPs {
			p, err := parse(&ps.SCPs[i], policy.SCP)
			if err != nil {
				return nil, err
			}
			level = append(level, p)
		}
		set.SCPs = [][]*policy.Policy{level}
	}
	return set, nil
}

// Refs names the statements of a result as the corpus does, sorted.
func Refs(rules []*policy.Rule) []string {
	out := make([]string, 0, len(rules))
	for _, r := range rules {
		out = append(out, r.Ref())
	}
	sort.Strings(out)
	return out
}

// Check compares a result with the case's expectation and returns what
// differs, or "".
func (c *Case) Check(res *authz.Result) string {
	var problems []string
	if got := res.Decision.String(); got != c.Expect.Decision {
		problems = append(problems, fmt.Sprintf("decision %s, want %s", got, c.Expect.Decision))
	}
	want := append([]string{}, c.Expect.Statements...)
	sort.Strings(want)
	got := Refs(res.Statements)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		problems = append(problems, fmt.Sprintf("statements %v, want %v", got, want))
	}
	return strings.Join(problems, "; ")
}
