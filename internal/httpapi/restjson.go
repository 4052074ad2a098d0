package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/authn"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
)

// RESTJSONService is a REST-JSON protocol service (EKS, EKS Auth): its
// SigV4 signing name and the handler of its operations, routed by method
// and path. The handler reads the authenticated caller with CallerFrom
// and writes its answer with awsproto.WriteRESTJSON or returns an error
// through Fail.
type RESTJSONService struct {
	Name    string
	Handler http.Handler
}

type callerKey struct{}

type callKey struct{}

// restJSONCall is what a REST-JSON handler tells the edge about its
// request: the operation it served, or its failure.
type restJSONCall struct {
	requestID string
	operation string
	err       error
}

func callOf(r *http.Request) *restJSONCall {
	c, _ := r.Context().Value(callKey{}).(*restJSONCall)
	if c == nil {
		return &restJSONCall{}
	}
	return c
}

// Fail hands err back to the edge as a REST-JSON handler's answer: the
// edge renders it with the REST-JSON table (awsproto.RESTJSONError),
// audits and logs it as it does the other protocols' errors. The handler
// must not have written anything, and writes nothing after.
func Fail(r *http.Request, err error) { callOf(r).err = err }

// SetOperation names the operation a REST-JSON handler serves (EKS's
// "CreateCluster"), for the audit record ("eks:CreateCluster") and the
// metrics; a request no handler names is audited by its method and path
// and counted as unknown.
func SetOperation(r *http.Request, name string) { callOf(r).operation = name }

// RequestID is the id of a REST-JSON request, for awsproto.WriteRESTJSON.
func RequestID(r *http.Request) string { return callOf(r).requestID }

// CallerFrom returns the authenticated caller of a REST-JSON request.
func CallerFrom(ctx context.Context) (iam.Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(iam.Caller)
	return c, ok
}

// restJSONProtocol serves the REST-shaped requests whose signature names a
// service other than S3 and the Query and JSON services: a REST-JSON
// service podiam serves, or else a service it does not, which gets
// REST-JSON's answer for an operation it does not know.
type restJSONProtocol struct {
	cfg    Config
	byName map[string]*RESTJSONService
}

func newRESTJSONProtocol(cfg Config) *restJSONProtocol {
	p := &restJSONProtocol{cfg: cfg, byName: map[string]*RESTJSONService{}}
	for _, s := range cfg.RESTJSON {
		p.byName[s.Name] = s
	}
	return p
}

// claims reports whether a REST-shaped request belongs here: it is signed
// for a service that is neither S3 nor one of the Query or JSON services
// (whose scope on a REST request S3 refuses as "incorrect service").
func (p *restJSONProtocol) claims(in *authn.Request, query *queryProtocol, json *jsonProtocol) bool {
	if in.Auth == nil || in.Auth.Service == "s3" {
		return false
	}
	name := in.Auth.Service
	if _, ok := p.byName[name]; ok {
		return true
	}
	if _, ok := query.byName[name]; ok {
		return false
	}
	for _, s := range json.byTarget {
		if s.Name == name {
			return false
		}
	}
	return true
}

func (p *restJSONProtocol) Serve(ctx context.Context, w http.ResponseWriter, r *http.Request, in *authn.Request, rec *audit.Record) error {
	a := in.Auth
	svc, ok := p.byName[a.Service]
	if !ok {
		return awsproto.UnknownOperation(http.StatusNotFound, "podiam does not serve the "+a.Service+" API.")
	}
	rec.Action = svc.Name + ":" + r.Method + " " + r.URL.Path
	body, err := io.ReadAll(io.LimitReader(r.Body, p.maxBody()+1))
	if err != nil {
		return awsproto.Serialization("The request body could not be read.")
	}
	if int64(len(body)) > p.maxBody() {
		return awsproto.RequestEntityTooLarge(p.maxBody())
	}
	sum := sha256.Sum256(body)
	v, err := p.cfg.Auth.Verify(r, a, hex.EncodeToString(sum[:]), false)
	if err != nil {
		return err
	}
	SetCaller(rec, v.Caller)
	call := &restJSONCall{requestID: rec.RequestID}
	ctx = context.WithValue(context.WithValue(ctx, callerKey{}, *v.Caller), callKey{}, call)
	r = r.WithContext(ctx)
	r.Body = io.NopCloser(bytes.NewReader(body))
	sw := &statusWriter{ResponseWriter: w}
	svc.Handler.ServeHTTP(sw, r)
	if call.operation != "" {
		rec.Action = svc.Name + ":" + call.operation
	}
	if call.err != nil {
		return call.err
	}
	rec.Status = sw.status
	return nil
}

func (p *restJSONProtocol) maxBody() int64 {
	if p.cfg.MaxBody > 0 {
		return p.cfg.MaxBody
	}
	return awsproto.DefaultMaxBody
}

func (p *restJSONProtocol) WriteError(w http.ResponseWriter, _ *http.Request, id string, err error) (string, int) {
	ae := wireError(err, awsproto.RESTJSONError)
	awsproto.WriteRESTJSONError(w, id, ae)
	return ae.Code, ae.Status
}

// statusWriter remembers the status a handler wrote, for the audit record.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
