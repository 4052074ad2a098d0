package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/authn"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/metrics"
)

// Protocol serves the requests of one AWS protocol: it decodes the
// request, authenticates it (through authn), runs the service's operation
// and writes its result. The edge renders what Serve returns with
// WriteError, and audits and logs every request once.
type Protocol interface {
	// Serve serves r, writing the result itself and setting rec's action,
	// caller and status; an error is for WriteError to render.
	Serve(ctx context.Context, w http.ResponseWriter, r *http.Request, in *authn.Request, rec *audit.Record) error
	// WriteError renders err as the protocol's error document and returns
	// the code and status it wrote.
	WriteError(w http.ResponseWriter, r *http.Request, requestID string, err error) (code string, status int)
}

// REST is the protocol of the requests that are neither Query nor JSON
// (S3's REST-XML).
type REST interface {
	Protocol
	// OwnsHost reports whether r's host alone addresses the service (an S3
	// bucket's virtual host), whatever its path and query.
	OwnsHost(r *http.Request) bool
}

// Claimer is a protocol that claims its requests by their shape before
// any other (S3 Control: its paths under /v20180820/, whatever the host).
type Claimer interface {
	Protocol
	// Owns reports whether r is one of the protocol's requests.
	Owns(r *http.Request) bool
}

// TimeoutError is the error of a request whose body did not arrive at its
// minimum rate, whatever its reading caused (Cause, for the log); each
// protocol renders it as its RequestTimeout.
type TimeoutError struct{ Cause error }

func (e *TimeoutError) Error() string { return "RequestTimeout: " + e.Cause.Error() }
func (e *TimeoutError) Unwrap() error { return e.Cause }

// Answered is an error whose answer a protocol has already written, with
// that answer's code and status: a result that could not be encoded,
// say, after which the codec wrote a ServiceFailure.
type Answered struct {
	Code   string
	Status int
	Err    error
}

func (e *Answered) Error() string { return e.Code + ": " + e.Err.Error() }
func (e *Answered) Unwrap() error { return e.Err }

// Config configures the edge.
type Config struct {
	Query []*QueryService
	JSON  []*JSONService
	// REST serves the requests that are neither Query nor JSON (S3); nil
	// when none is served.
	REST REST
	// Control serves S3 Control (REST-XML signed for S3), claimed by its
	// requests' paths before S3 reads a bucket from them; nil when not
	// served.
	Control Claimer
	// RESTJSON are the REST-JSON services (EKS, EKS Auth), chosen for a
	// REST-shaped request by its signature's scope.
	RESTJSON []*RESTJSONService
	Auth     *authn.Authenticator
	Audit    *audit.Log // nil: no audit log
	// Logger logs failures and, at debug level, refusals.
	Logger *slog.Logger
	// Metrics records each request and decision (nil: none).
	Metrics *metrics.Server
	Now     func() time.Time
	// NewRequestID makes request ids; it must be safe for concurrent use.
	NewRequestID func() string
	// MaxBody limits Query and JSON request bodies (0:
	// awsproto.DefaultMaxBody).
	MaxBody int64
	// BodyTimeout and BodyMinRate make request bodies arrive at a minimum
	// rate: each BodyTimeout must bring BodyMinRate bytes a second of the
	// body, or the request is answered RequestTimeout (400) and its
	// connection closed. BodyTimeout 0: no limit.
	BodyTimeout time.Duration
	BodyMinRate int64
}

// Edge is the http.Handler of every AWS API podiam serves.
type Edge struct {
	cfg      Config
	query    *queryProtocol
	json     *jsonProtocol
	restJSON *restJSONProtocol
}

// New builds the edge.
func New(cfg Config) *Edge {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Edge{cfg: cfg, query: newQueryProtocol(cfg), json: newJSONProtocol(cfg), restJSON: newRESTJSONProtocol(cfg)}
}

// Services names the Query and JSON services served, by their signing
// names, in the order of the configuration.
func (e *Edge) Services() []string {
	var out []string
	for _, s := range e.cfg.Query {
		out = append(out, s.Name)
	}
	for _, s := range e.cfg.JSON {
		out = append(out, s.Name)
	}
	return out
}

// Log keys.
const (
	logRequestID = "request_id"
	logAction    = "action"
	logCaller    = "caller"
	logError     = "error"
	logCause     = "cause"
)

// ServeHTTP is the one pipeline of every request: an id; the query string
// and signature read once (authn.Read); the protocol from the request's
// shape, as the host name does on AWS (a Query Action at "/" is IAM or
// STS, X-Amz-Target a JSON service, anything else S3), whose service must
// be the one the signature's scope names; the protocol's Serve; its error
// rendered; one audit record and one log line.
func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	r = e.paceBody(w, r)
	id := e.cfg.NewRequestID()
	rec := &audit.Record{Time: e.cfg.Now().UTC(), RequestID: id, SourceIP: authn.SourceIP(r), UserAgent: r.UserAgent()}
	in := authn.Read(r, awsproto.DecodeForm)
	p := e.protocolOf(r, in)
	err := p.Serve(e.withDecisions(r.Context(), rec), w, r, in, rec)
	if err != nil {
		if bodyTimedOut(r) {
			w.Header().Set("Connection", "close")
			err = &TimeoutError{Cause: err}
		}
		var done *Answered
		if errors.As(err, &done) {
			rec.ErrorCode, rec.Status = done.Code, done.Status
		} else {
			rec.ErrorCode, rec.Status = p.WriteError(w, r, id, err)
		}
		if rec.Status >= 500 {
			e.cfg.Logger.Error("request failed", logRequestID, id, logAction, rec.Action, logCaller, rec.Principal, logError, err)
		} else {
			e.logRefused(id, rec, err)
		}
	} else if rec.Status == 0 {
		rec.Status = http.StatusOK
	}
	if e.cfg.Metrics != nil {
		service, action := e.metricLabels(p, rec.Action)
		outcome := "ok"
		if rec.ErrorCode != "" {
			outcome = rec.ErrorCode
		}
		e.cfg.Metrics.Request(service, action, outcome, time.Since(start))
	}
	if e.cfg.Audit != nil {
		if aerr := e.cfg.Audit.Write(rec); aerr != nil {
			e.cfg.Logger.Error("audit log", logRequestID, id, logError, aerr)
		}
	}
}

// metricLabels splits an audit action ("iam:GetRole") into the service
// and action labels of a request's metrics. Query and JSON actions a
// client names but podiam does not serve are "unknown", so that no client
// can grow the metrics without bound; S3's come from its own operation
// names, and a REST-JSON service's from the names its handlers give
// (SetOperation; until then the action is the method and path the client
// chose).
func (e *Edge) metricLabels(p Protocol, action string) (string, string) {
	service, name, ok := strings.Cut(action, ":")
	switch {
	case !ok || name == "":
		return "unknown", "unknown"
	case p == Protocol(e.query) && e.query.serves(service, name), p == Protocol(e.json) && e.json.serves(service, name):
		return service, name
	case p != Protocol(e.query) && p != Protocol(e.json) && service == "s3":
		return service, name
	case p == Protocol(e.restJSON) && e.restJSON.byName[service] != nil && !strings.ContainsAny(name, " /"):
		// Named by its handler (SetOperation), not its method and path.
		return service, name
	}
	return "unknown", "unknown"
}

// protocolOf reads the protocol r speaks from its shape (never from its
// signature, which each protocol then checks against its service).
func (e *Edge) protocolOf(r *http.Request, in *authn.Request) Protocol {
	root := r.URL.Path == "/" || r.URL.Path == ""
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		return e.json
	case e.cfg.Control != nil && e.cfg.Control.Owns(r):
		// S3 Control's paths, even on a host that names a bucket (the
		// SDKs put the account id before a custom endpoint's host).
		return e.cfg.Control
	case root && in.Query.Has("Action"):
		// The Query services live at "/"; no S3 operation takes an
		// Action parameter.
		return e.query
	case e.cfg.REST != nil && e.cfg.REST.OwnsHost(r):
		return e.cfg.REST
	case root && r.Method == http.MethodPost:
		// S3 has nothing to POST at "/" but on a bucket's own host.
		return e.query
	case e.restJSON.claims(in, e.query, e.json):
		// A REST request signed for EKS, EKS Auth or another service that
		// is not S3's: it speaks REST-JSON.
		return e.restJSON
	case e.cfg.REST == nil:
		return e.query
	}
	return e.cfg.REST
}

// withDecisions returns a context under which the policy decisions of a
// request are written into its audit record and counted.
func (e *Edge) withDecisions(ctx context.Context, rec *audit.Record) context.Context {
	return iam.WithDecisionHook(ctx, func(d iam.Decision) {
		e.cfg.Metrics.Decision(d.Decision)
		rec.Decision, rec.Reason, rec.Statements = d.Decision, d.Reason, d.Statements
		if rec.Resource == "" {
			rec.Resource = d.Resource
		}
	})
}

// SetCaller records the authenticated caller in rec.
func SetCaller(rec *audit.Record, c *iam.Caller) {
	rec.Principal, rec.Account, rec.AccessKey = c.ARN, c.Account, c.AccessKeyID
}

// logRefused logs, at debug level, a request refused with a client error
// and the innermost cause behind it (an issuer that could not be
// reached, say); errors never carry secrets.
func (e *Edge) logRefused(id string, rec *audit.Record, err error) {
	if !e.cfg.Logger.Enabled(context.Background(), slog.LevelDebug) {
		return // refusals are common; build nothing for a log that drops it
	}
	cause := err
	for inner := errors.Unwrap(cause); inner != nil; inner = errors.Unwrap(cause) {
		cause = inner
	}
	var why string
	if cause != err {
		why = cause.Error()
	}
	e.cfg.Logger.Debug("request refused", logRequestID, id, logAction, rec.Action, logCaller, rec.Principal, logError, err, logCause, why)
}
