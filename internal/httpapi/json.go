package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/authn"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/fault"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/sigv4"
)

// JSONHandler runs one operation of a JSON protocol service.
type JSONHandler func(ctx context.Context, c iam.Caller, req *awsproto.JSONRequest) (any, error)

// JSONService is an AWS JSON 1.1 protocol service (Organizations): its
// SigV4 signing name and operations, named by X-Amz-Target
// "<Target>.<Action>".
type JSONService struct {
	Name    string
	Target  string
	Actions map[string]JSONHandler
}

// jsonProtocol serves the JSON services: always signed, the service from
// X-Amz-Target's prefix, which the credential scope must name.
type jsonProtocol struct {
	cfg      Config
	byTarget map[string]*JSONService
}

func newJSONProtocol(cfg Config) *jsonProtocol {
	p := &jsonProtocol{cfg: cfg, byTarget: map[string]*JSONService{}}
	for _, s := range cfg.JSON {
		p.byTarget[s.Target] = s
	}
	return p
}

// serves reports whether service serves action.
func (p *jsonProtocol) serves(service, action string) bool {
	for _, s := range p.byTarget {
		if s.Name == service {
			_, ok := s.Actions[action]
			return ok
		}
	}
	return false
}

func (p *jsonProtocol) WriteError(w http.ResponseWriter, _ *http.Request, id string, err error) (string, int) {
	ae := wireError(err, awsproto.JSONError)
	awsproto.WriteJSONError(w, id, ae)
	return ae.Code, ae.Status
}

func (p *jsonProtocol) Serve(ctx context.Context, w http.ResponseWriter, r *http.Request, in *authn.Request, rec *audit.Record) error {
	switch {
	case in.QueryErr != nil:
		return in.QueryErr
	case in.Unsigned():
		return unsigned()
	case in.AuthErr != nil:
		return sigv4Error(in.AuthErr)
	}
	a := in.Auth
	// The target names the service, as the endpoint does on AWS; the
	// credential scope must name it too.
	prefix, _, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	svc, ok := p.byTarget[prefix]
	if !ok {
		return awsproto.UnknownOperation(http.StatusBadRequest, "No JSON service is served for X-Amz-Target '"+prefix+"'.")
	}
	if a.Service != svc.Name {
		return wrongScope("Credential should be scoped to correct service: '" + svc.Name + "'. ")
	}
	// The target chooses the operation: a signature that does not cover
	// it would let anyone holding a signed request run another one.
	if hs := a.UnsignedHeaders(r.Header, notTarget); len(hs) > 0 {
		return &fault.Error{Kind: fault.AccessDenied, Subject: fault.Headers, Message: "There were headers present in the request which were not signed: " + strings.Join(hs, ", ")}
	}
	req, err := awsproto.ParseJSON(r, svc.Target, p.cfg.MaxBody)
	if err != nil {
		return err
	}
	rec.Action = svc.Name + ":" + req.Action
	v, err := p.cfg.Auth.Verify(r, a, sigv4.HashPayload(req.Raw), authn.Options{})
	if err != nil {
		return err
	}
	SetCaller(rec, v.Caller)
	h, ok := svc.Actions[req.Action]
	if !ok {
		return awsproto.UnknownOperation(http.StatusBadRequest, "The operation "+req.Action+" is not served.")
	}
	result, err := h(ctx, *v.Caller, req)
	if err != nil {
		return err
	}
	rec.Status = http.StatusOK
	if werr := awsproto.WriteJSON(w, rec.RequestID, result); werr != nil {
		return failedAnswer(werr)
	}
	return nil
}

// notTarget exempts every x-amz-* header but X-Amz-Target from the JSON
// services' signed-header rule.
func notTarget(h string) bool { return h != "x-amz-target" }
