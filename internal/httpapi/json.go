package httpapi

import (
	"errors"
	"net/http"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/sigv4"
)

// serveJSON serves a JSON 1.1 protocol request: always signed, the service
// from the credential scope, the operation from X-Amz-Target.
func (e *Edge) serveJSON(w http.ResponseWriter, r *http.Request) {
	id := e.cfg.NewRequestID()
	rec := &audit.Record{Time: e.cfg.Now().UTC(), RequestID: id, SourceIP: sourceIP(r), UserAgent: r.UserAgent()}
	result, err := e.runJSON(r, rec)
	if err != nil {
		ae := awsproto.AsError(err)
		if bodyTimedOut(r) {
			ae = requestTimeout(w, err)
			err = ae
		}
		rec.ErrorCode, rec.Status = ae.Code, ae.Status
		if ae.Status >= 500 {
			e.cfg.Logger.Error("request failed", logRequestID, id, logAction, rec.Action, logCaller, rec.Principal, logError, err)
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

func (e *Edge) runJSON(r *http.Request, rec *audit.Record) (any, error) {
	a, err := sigv4.Parse(r)
	if err != nil {
		var se *sigv4.Error
		if errors.As(err, &se) && se.Kind == sigv4.MissingAuthentication {
			return nil, awsproto.MissingAuthenticationToken()
		}
		return nil, sigv4Error(err)
	}
	svc, ok := e.byName[a.Service]
	if !ok || svc.JSONTarget == "" {
		return nil, awsproto.NewError("UnknownOperationException", http.StatusBadRequest, "No JSON service is served for the credential scope's service '"+a.Service+"'.")
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
