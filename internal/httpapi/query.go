package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/authn"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/sigv4"
)

// QueryHandler runs one action of a Query service. c is the caller as
// authentication found it (only its SourceIP for an unsigned call). It
// returns the result struct to encode (nil for actions without output)
// or an error; errors that are not *awsproto.Error become ServiceFailure.
type QueryHandler func(ctx context.Context, c iam.Caller, req *awsproto.QueryRequest) (any, error)

// QueryService is a Query protocol service: its SigV4 signing name, API
// version, XML namespace and actions.
type QueryService struct {
	Name      string // as in the credential scope: "iam", "sts"
	Version   string
	Namespace string
	Actions   map[string]QueryHandler
	// Unsigned lists the actions callers may send without a signature
	// (STS AssumeRoleWithWebIdentity); they are found by Action alone.
	Unsigned map[string]bool
	// IgnoreExpires lists the actions whose presigned requests are good
	// for 15 minutes after their X-Amz-Date whatever X-Amz-Expires says
	// (STS GetCallerIdentity, the request inside an EKS token).
	IgnoreExpires map[string]bool
	// JSON lists the actions that answer in JSON when the request accepts
	// application/json (STS GetCallerIdentity, as aws-iam-authenticator
	// asks for it); their results must marshal with encoding/json. Any
	// error of a request that accepts JSON is written in JSON.
	JSON map[string]bool
}

// queryProtocol serves the Query services (IAM, STS): the service is the
// one whose action the request names (their actions do not overlap), and
// the signature's scope must name it too.
type queryProtocol struct {
	cfg      Config
	byName   map[string]*QueryService
	byAction map[string]*QueryService
	unsigned map[string]*QueryService
}

func newQueryProtocol(cfg Config) *queryProtocol {
	p := &queryProtocol{cfg: cfg, byName: map[string]*QueryService{}, byAction: map[string]*QueryService{}, unsigned: map[string]*QueryService{}}
	for _, s := range cfg.Query {
		p.byName[s.Name] = s
		for a := range s.Actions {
			p.byAction[a] = s
		}
		for a := range s.Unsigned {
			p.unsigned[a] = s
		}
	}
	return p
}

// serves reports whether service serves action.
func (p *queryProtocol) serves(service, action string) bool {
	s, ok := p.byAction[action]
	return ok && s.Name == service
}

// queryError is an error of a Query service, with the XML namespace its
// error document is written in.
type queryError struct {
	ns  string
	err error
}

func (e *queryError) Error() string { return e.err.Error() }
func (e *queryError) Unwrap() error { return e.err }

func (p *queryProtocol) Serve(ctx context.Context, w http.ResponseWriter, r *http.Request, in *authn.Request, rec *audit.Record) error {
	svc, c, req, err := p.authenticate(r, in)
	ns := awsproto.IAMNamespace
	if svc != nil {
		ns = svc.Namespace
		rec.Action = svc.Name + ":"
	}
	if req != nil {
		rec.Action += req.Action
	}
	if c.ARN != "" {
		SetCaller(rec, &c)
	}
	if err == nil {
		var result any
		if result, err = p.run(ctx, svc, c, req); err == nil {
			rec.Status = http.StatusOK
			write := awsproto.WriteResponse
			if svc.JSON[req.Action] && acceptsJSON(r) {
				write = awsproto.WriteJSONQueryResponse
			}
			if werr := write(w, req.Action, ns, rec.RequestID, result); werr != nil {
				return failedAnswer(werr)
			}
			return nil
		}
	}
	if err != nil {
		return &queryError{ns: ns, err: err}
	}
	return nil
}

func (p *queryProtocol) WriteError(w http.ResponseWriter, r *http.Request, id string, err error) (string, int) {
	ns := awsproto.IAMNamespace
	var qe *queryError
	if errors.As(err, &qe) {
		ns = qe.ns
	}
	ae := wireError(err, awsproto.QueryError)
	if acceptsJSON(r) {
		awsproto.WriteJSONQueryError(w, id, ae)
	} else {
		awsproto.WriteError(w, ns, id, ae)
	}
	return ae.Code, ae.Status
}

// acceptsJSON reports whether r's Accept header names application/json
// (any parameters aside).
func acceptsJSON(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for m := range strings.SplitSeq(v, ",") {
			m, _, _ = strings.Cut(m, ";")
			if strings.EqualFold(strings.TrimSpace(m), "application/json") {
				return true
			}
		}
	}
	return false
}

func (p *queryProtocol) run(ctx context.Context, svc *QueryService, c iam.Caller, req *awsproto.QueryRequest) (any, error) {
	if req.Version != svc.Version {
		return nil, awsproto.InvalidAction(req.Action, req.Version)
	}
	h, ok := svc.Actions[req.Action]
	if !ok {
		return nil, awsproto.InvalidAction(req.Action, req.Version)
	}
	return h(ctx, c, req)
}

// authenticate reads and verifies a Query request. It returns the service
// (when known), the caller (only its source address for an unsigned call)
// and the decoded request (when it could be read). The service is the one
// whose action the request names; the signature's credential scope must
// name it too.
func (p *queryProtocol) authenticate(r *http.Request, in *authn.Request) (*QueryService, iam.Caller, *awsproto.QueryRequest, error) {
	anon := iam.Caller{SourceIP: authn.SourceIP(r)}
	if in.QueryErr != nil {
		return nil, anon, nil, in.QueryErr
	}
	req, qerr := awsproto.ParseQuery(r, in.Query, p.cfg.MaxBody)
	if in.Unsigned() {
		if qerr != nil {
			if ae, ok := qerr.(*awsproto.Error); ok && ae.Code == awsproto.MissingAction().Code {
				return nil, anon, req, unsigned()
			}
			// A body that cannot be read is answered as such, before
			// authentication, as AWS does (a 1 MB web identity token
			// gets STS's ValidationError, not a missing signature).
			return nil, anon, req, qerr
		}
		if svc, ok := p.unsigned[req.Action]; ok {
			return svc, anon, req, nil
		}
		return nil, anon, req, unsigned()
	}
	if in.AuthErr != nil {
		return nil, anon, req, sigv4Error(in.AuthErr)
	}
	a := in.Auth
	svc, ok := p.byName[a.Service]
	if qerr == nil {
		// The action decides which service is addressed, as the
		// endpoint does on AWS; a signature scoped to another is refused.
		if owner, known := p.byAction[req.Action]; known && owner != svc {
			return owner, anon, req, wrongScope("Credential should be scoped to correct service: '" + owner.Name + "'. ")
		}
	}
	if !ok {
		return nil, anon, req, wrongScope("Credential should be scoped to a valid service: '" + a.Service + "' is not served here.")
	}
	if qerr != nil {
		return svc, anon, req, qerr
	}
	opt := authn.Options{IgnoreExpires: a.Presigned && svc.IgnoreExpires[req.Action]}
	v, err := p.cfg.Auth.Verify(r, a, sigv4.HashPayload(req.Body), opt)
	if err != nil {
		return svc, anon, req, err
	}
	return svc, *v.Caller, req, nil
}
