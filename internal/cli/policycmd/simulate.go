package policycmd

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/arn"
	"github.com/podiam/podiam/internal/authz"
	"github.com/podiam/podiam/internal/cli/command"
	"github.com/podiam/podiam/internal/policy"
)

// SimulateConfig configures "podiam policy simulate".
type SimulateConfig struct {
	Principal       string
	RoleARN         string
	Action          string
	Resource        string
	ResourceAccount string
	Identity        []string
	ResourcePolicy  string
	TrustPolicy     string
	Boundary        string
	Session         []string
	SCPs            []string
	Context         []string // KEY=VALUE
	JSON            bool
}

// multiValuedKeys are AWS context keys that are sets even with one value.
var multiValuedKeys = []string{
	"aws:TagKeys", "aws:CalledVia", "aws:PrincipalServiceNamesList", "aws:PrincipalOrgPaths",
	"s3:RequestObjectTagKeys", "sts:TransitiveTagKeys",
}

// MultiValued reports whether key is one of AWS's multi-valued keys, which
// are sets even when given once.
func MultiValued(key string) bool {
	for _, m := range multiValuedKeys {
		if strings.EqualFold(m, key) {
			return true
		}
	}
	return false
}

func newSimulate(env command.Env) *cobra.Command {
	var cfg SimulateConfig
	cmd := &cobra.Command{
		Use:   "simulate --principal ARN --action ACTION [--resource ARN] [policy flags] [--context KEY=VALUE]... [--json]",
		Short: "decide one request against a set of policies",
		Long: "Decides one request as AWS IAM would and prints the decision (allowed, explicitDeny\n" +
			"or implicitDeny) and the statements that decided. Exits 0 whenever evaluation ran,\n" +
			"2 on bad input.",
		DisableFlagsInUseLine: true,
		Args:                  command.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return Simulate(env, cfg)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&cfg.Principal, "principal", "", "caller: a user, root, role, session (arn:aws:sts::A:assumed-role/R/S), federated-user or identity-provider ARN, a service principal, or \"anonymous\"")
	fs.StringVar(&cfg.RoleARN, "role-arn", "", "for a session principal: the ARN of its role, with its path")
	fs.StringVar(&cfg.Action, "action", "", "the action, as service:Action")
	fs.StringVar(&cfg.Resource, "resource", "*", "the resource ARN")
	fs.StringVar(&cfg.ResourceAccount, "resource-account", "", "the account that owns the resource (default: the resource ARN's account, else the caller's)")
	fs.StringArrayVar(&cfg.Identity, "identity-policy", nil, "identity policy `FILE` (repeatable)")
	fs.StringVar(&cfg.ResourcePolicy, "resource-policy", "", "resource-based policy file")
	fs.StringVar(&cfg.TrustPolicy, "trust-policy", "", "role trust policy file, instead of --resource-policy, for sts:AssumeRole* requests")
	fs.StringVar(&cfg.Boundary, "boundary", "", "permissions boundary file")
	fs.StringArrayVar(&cfg.Session, "session-policy", nil, "session policy `FILE` (repeatable)")
	fs.StringArrayVar(&cfg.SCPs, "scp", nil, "service control policy `FILE` (repeatable; all at one level)")
	fs.StringArrayVar(&cfg.Context, "context", nil, "context key as `KEY=VALUE` (repeatable; a repeated key is multi-valued)")
	fs.BoolVar(&cfg.JSON, "json", false, "print {\"decision\": ..., \"matchedStatements\": [...]} as JSON")
	for _, f := range []string{"identity-policy", "resource-policy", "trust-policy", "boundary", "session-policy", "scp"} {
		cmd.RegisterFlagCompletionFunc(f, policyFiles)
	}
	return cmd
}

// SimulateOutput is the --json output.
type SimulateOutput struct {
	Decision          string             `json:"decision"`
	Reason            string             `json:"reason"`
	MatchedStatements []MatchedStatement `json:"matchedStatements"`
}

// MatchedStatement names one deciding statement.
type MatchedStatement struct {
	Policy string `json:"policy"`
	Kind   string `json:"kind"`
	Sid    string `json:"sid,omitempty"`
	Index  int    `json:"index"`
	Effect string `json:"effect"`
}

// Simulate builds the request and policy set from cfg and prints the
// decision.
func Simulate(env command.Env, cfg SimulateConfig) error {
	req, set, err := build(cfg)
	if err != nil {
		return err
	}
	var res authz.Result
	authz.Evaluate(req, set, &res)
	out := SimulateOutput{Decision: res.Decision.String(), Reason: res.Reason.String(), MatchedStatements: []MatchedStatement{}}
	for _, r := range res.Statements {
		out.MatchedStatements = append(out.MatchedStatements, MatchedStatement{
			Policy: r.Policy.Name, Kind: r.Policy.Kind.String(), Sid: r.Sid, Index: r.Index, Effect: r.Effect.String(),
		})
	}
	if cfg.JSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(env.Stdout, "decision: %s: %s\n", out.Decision, res.Reason.Explain())
	for _, m := range out.MatchedStatements {
		sid := m.Sid
		if sid == "" {
			sid = "(no Sid)"
		}
		fmt.Fprintf(env.Stdout, "  %s statement %d %s in %s policy %q\n", m.Effect, m.Index, sid, m.Kind, m.Policy)
	}
	return nil
}

func build(cfg SimulateConfig) (*authz.Request, *authz.Set, error) {
	if cfg.Principal == "" || cfg.Action == "" {
		return nil, nil, command.Usagef("policy simulate: --principal and --action are required")
	}
	p, err := policy.ParsePrincipal(cfg.Principal)
	if err != nil {
		return nil, nil, command.Usagef("--principal: %v", err)
	}
	if cfg.RoleARN != "" {
		if p.Type != policy.AssumedRole {
			return nil, nil, command.Usagef("--role-arn applies only to a role session principal")
		}
		p.RoleARN = cfg.RoleARN
	}
	req := &authz.Request{Principal: p, Action: cfg.Action, Resource: cfg.Resource, ResourceAccount: cfg.ResourceAccount}
	if req.ResourceAccount != "" && !arn.IsAccountID(req.ResourceAccount) {
		return nil, nil, command.Usagef("--resource-account %q is not a 12-digit account id", req.ResourceAccount)
	}
	counts := map[string]int{}
	for _, kv := range cfg.Context {
		k, _, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, nil, command.Usagef("--context %q: want KEY=VALUE", kv)
		}
		counts[strings.ToLower(k)]++
	}
	for _, kv := range cfg.Context {
		k, v, _ := strings.Cut(kv, "=")
		if counts[strings.ToLower(k)] > 1 || MultiValued(k) {
			vals, _, _ := req.Context.Get(k)
			req.Context.SetMulti(k, append(vals, v)...)
		} else {
			req.Context.Set(k, v)
		}
	}
	req.Prepare()

	set := &authz.Set{}
	for _, f := range cfg.Identity {
		pol, err := load(f, policy.Identity)
		if err != nil {
			return nil, nil, err
		}
		set.Identity = append(set.Identity, pol)
	}
	if cfg.ResourcePolicy != "" && cfg.TrustPolicy != "" {
		return nil, nil, command.Usagef("policy simulate: give --resource-policy or --trust-policy, not both")
	}
	if cfg.ResourcePolicy != "" {
		if set.Resource, err = load(cfg.ResourcePolicy, policy.Resource); err != nil {
			return nil, nil, err
		}
	}
	if cfg.TrustPolicy != "" {
		if set.Resource, err = load(cfg.TrustPolicy, policy.Trust); err != nil {
			return nil, nil, err
		}
	}
	if cfg.Boundary != "" {
		if set.Boundary, err = load(cfg.Boundary, policy.Boundary); err != nil {
			return nil, nil, err
		}
	}
	for _, f := range cfg.Session {
		pol, err := load(f, policy.Session)
		if err != nil {
			return nil, nil, err
		}
		set.Session = append(set.Session, pol)
	}
	if len(cfg.SCPs) > 0 {
		var level []*policy.Policy
		for _, f := range cfg.SCPs {
			pol, err := load(f, policy.SCP)
			if err != nil {
				return nil, nil, err
			}
			level = append(level, pol)
		}
		set.SCPs = [][]*policy.Policy{level}
	}
	return req, set, nil
}
