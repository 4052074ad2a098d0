package httpapi

import (
	"net/http"
	"strings"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/awsproto"
)

// serveJSON serves a JSON 1.1 protocol request: always signed, the service
// from the credential scope, the operation from X-Amz-Target.
func (e *Edge) serveJSON(w http.ResponseWriter, r *http.Request, in *inbound) {
	id := e.cfg.NewRequestID()
	rec := &audit.Record{Time: e.cfg.Now().UTC(), RequestID: id, SourceIP: sourceIP(r), UserAgent: r.UserAgent()}
	result, err := e.runJSON(r, in, rec)
	if err != nil {
		ae := awsproto.AsError(err)
		if bodyTimedOut(r) {
			ae = requestTimeout(w, err)
			err = ae
		}
		rec.ErrorCode, rec.Status = ae.Code, ae.Status
		if ae.Status >= 500 {
			e.cfg.Logger.Error("request failed", logRequestID, id, logAction, rec.Action, logCaller, rec.Principal, logError, err)
		} else {
			e.logRefused(id, rec, err)
		}
		awsproto.WriteJSONError(w, id, ae)
	} else {
		rec.Status = http.StatusOK
		if werr := awsproto.WriteJSON(w, id, result); werr != nil {
			rec.ErrorCode, rec.Status = "ServiceFailure", http.StatusInternalServerError
			e.cfg.Logger.Error("encode response", logRequestID, id, logAction, rec.Action, logError, werr)
		}
	}
	if e.cfg.Audit != nil {
		if aerr := e.cfg.Audit.Write(rec); aerr != nil {
			e.cfg.Logger.Error("audit log", logRequestID, id, logError, aerr)
		}
	}
}

func (e *Edge) runJSON(r *http.Request, in *inbound, rec *audit.Record) (any, error) {
	switch {
	case in.queryErr != nil:
		return nil, in.queryErr
	case in.unsigned():
		return nil, awsproto.MissingAuthenticationToken()
	case in.authErr != nil:
		return nil, sigv4Error(in.authErr)
	}
	a := in.auth
	// The target names the service, as the endpoint does on AWS; the
	// credential scope must name it too.
	prefix, _, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	svc, ok := e.byTarget[prefix]
	if !ok {
		return nil, awsproto.NewError("UnknownOperationException", http.StatusBadRequest, "No JSON service is served for X-Amz-Target '"+prefix+"'.")
	}
	if a.Service != svc.Name {
		return nil, awsproto.SignatureDoesNotMatch("Credential should be scoped to correct service: '" + svc.Name + "'. ")
	}
	// The target chooses the operation: a signature that does not cover
	// it would let anyone holding a signed request run another one.
	if hs := a.UnsignedHeaders(r.Header, func(h string) bool { return h != "x-amz-target" }); len(hs) > 0 {
		return nil, awsproto.NewError("AccessDeniedException", http.StatusForbidden, "There were headers present in the request which were not signed: "+strings.Join(hs, ", "))
	}
	req, err := awsproto.ParseJSON(r, svc.JSONTarget, e.cfg.MaxBody)
	if err != nil {
		return nil, err
	}
	rec.Action = svc.Name + ":" + req.Action
	c, err := e.verify(r, a, req.Raw)
	if err != nil {
		return nil, err
	}
	rec.Principal, rec.Account, rec.AccessKey = c.ARN, c.Account, c.AccessKeyID
	h, ok := svc.JSONActions[req.Action]
	if !ok {
		return nil, awsproto.NewError("UnknownOperationException", http.StatusBadRequest, "The operation "+req.Action+" is not served.")
	}
	return h(withDecisions(r.Context(), rec), c, req)
}
