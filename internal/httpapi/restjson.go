package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/authn"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
)

// RESTJSONService is a REST-JSON protocol service (EKS, EKS Auth): its
// SigV4 signing name, the handler of its operations, routed by method
// and path, and its error table. The handler reads the authenticated
// caller with CallerFrom, names its operation for the audit record with
// SetOperation, and writes its answer with awsproto.WriteRESTJSON (the
// request id from RequestIDFrom) or hands an error to Fail.
type RESTJSONService struct {
	Name    string
	Handler http.Handler
	// Errors codes the service's failures; nil: awsproto.RESTJSONError.
	Errors func(error) *awsproto.Error
}

// restJSONCall is what a REST-JSON handler reads and sets of its request.
type restJSONCall struct {
	caller iam.Caller
	id     string
	rec    *audit.Record
	svc    *RESTJSONService
	err    error
}

type callKey struct{}

func callFrom(ctx context.Context) *restJSONCall {
	c, _ := ctx.Value(callKey{}).(*restJSONCall)
	return c
}

// CallerFrom returns the authenticated caller of a REST-JSON request.
func CallerFrom(ctx context.Context) (iam.Caller, bool) {
	if c := callFrom(ctx); c != nil {
		return c.caller, true
	}
	return iam.Caller{}, false
}

// RequestIDFrom returns the request id of a REST-JSON request.
func RequestIDFrom(ctx context.Context) string {
	if c := callFrom(ctx); c != nil {
		return c.id
	}
	return ""
}

// SetOperation names the operation of a REST-JSON request in its audit
// record and metrics ("eks-auth:AssumeRoleForPodIdentity").
func SetOperation(ctx context.Context, name string) {
	if c := callFrom(ctx); c != nil {
		c.rec.Action = c.svc.Name + ":" + name
	}
}

// Fail hands the edge a REST-JSON handler's failure, which it writes with
// the service's error table (and audits and logs) once the handler
// returns; the handler then writes nothing.
func Fail(ctx context.Context, err error) {
	if c := callFrom(ctx); c != nil {
		c.err = err
	}
}

// restJSONError is a handler's failure with the service that coded it.
type restJSONError struct {
	svc *RESTJSONService
	err error
}

func (e *restJSONError) Error() string { return e.err.Error() }
func (e *restJSONError) Unwrap() error { return e.err }

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
	v, err := p.cfg.Auth.Verify(r, a, hex.EncodeToString(sum[:]), authn.Options{})
	if err != nil {
		return err
	}
	SetCaller(rec, v.Caller)
	call := &restJSONCall{caller: *v.Caller, id: rec.RequestID, rec: rec, svc: svc}
	r = r.WithContext(context.WithValue(ctx, callKey{}, call))
	r.Body = io.NopCloser(bytes.NewReader(body))
	sw := &statusWriter{ResponseWriter: w}
	svc.Handler.ServeHTTP(sw, r)
	if call.err != nil && sw.status == 0 {
		return &restJSONError{svc: svc, err: call.err}
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
	encode := awsproto.RESTJSONError
	var se *restJSONError
	if errors.As(err, &se) && se.svc.Errors != nil {
		encode = se.svc.Errors
	}
	ae := wireError(err, encode)
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

// DecodeJSON reads a REST-JSON request's body into v, as a handler's
// first step; an empty body is an empty object. A body that is not the
// input's JSON is REST-JSON's SerializationException, saying where it
// went wrong without echoing it.
func DecodeJSON(r *http.Request, v any) error {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return awsproto.Serialization("The request body is not valid JSON: " + jsonProblem(err))
	}
	return nil
}

// jsonProblem says what is wrong with a body, without echoing it.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "syntax error at offset " + strconv.FormatInt(syn.Offset, 10) + "."
	case errors.As(err, &typ):
		return "the member " + typ.Field + " has the wrong type."
	}
	return "it cannot be read."
}
