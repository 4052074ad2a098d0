package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/s3"
	"github.com/podiam/podiam/internal/sigv4"
)

// Caller is the authenticated identity of a request.
type Caller struct {
	AccessKeyID string
	// ARN is the caller's ARN (user, root or session); Account its
	// account.
	ARN     string
	Account string
	// UserID is the caller's unique id: the account id for the root, the
	// AIDA... id of a user.
	UserID string
	// SourceIP is the client address, without port.
	SourceIP string
	// Session is set for session credentials.
	Session *creds.Session
}

// SessionCaller is the caller of session credentials: a role session is
// arn:aws:sts::A:assumed-role/Role/Session with user id RoleID:Session;
// a GetSessionToken session is its user or root.
func SessionCaller(s creds.Session) *Caller {
	c := &Caller{Account: s.Account, Session: &s}
	if s.Kind == creds.RoleSession {
		role := s.RoleARN[strings.LastIndexByte(s.RoleARN, '/')+1:]
		c.ARN = "arn:aws:sts::" + s.Account + ":assumed-role/" + role + "/" + s.SessionName
		c.UserID = s.RoleID + ":" + s.SessionName
	} else {
		c.ARN, c.UserID = s.UserARN, s.UserID
	}
	return c
}

// KeyLookup finds the caller and secret behind an access key id (and the
// session token sent with it, for session keys). It returns ErrUnknownKey
// for a key that does not exist or is inactive, and ErrExpiredToken for a
// session that has ended.
type KeyLookup interface {
	LookupKey(ctx context.Context, accessKeyID, sessionToken string) (*Caller, creds.Secret, error)
}

// Lookup errors.
var (
	ErrUnknownKey   = errors.New("unknown access key")
	ErrExpiredToken = errors.New("expired session token")
)

// Handler runs one action. c is nil for an unsigned call. It returns the
// result struct to encode (nil for actions without output) or an error;
// errors that are not *awsproto.Error become ServiceFailure.
type Handler func(ctx context.Context, c *Caller, req *awsproto.QueryRequest) (any, error)

// Service is a Query service: its SigV4 signing name, API version, XML
// namespace and actions.
type Service struct {
	Name      string // as in the credential scope: "iam", "sts"
	Version   string
	Namespace string
	Actions   map[string]Handler
	// Unsigned lists the actions callers may send without a signature
	// (STS AssumeRoleWithWebIdentity); they are found by Action alone.
	Unsigned map[string]bool
	// JSONTarget and JSONActions serve a JSON 1.1 protocol service
	// (Organizations): operations are named by X-Amz-Target
	// "<JSONTarget>.<Action>".
	JSONTarget  string
	JSONActions map[string]JSONHandler
}

// JSONHandler runs one operation of a JSON protocol service.
type JSONHandler func(ctx context.Context, c *Caller, req *awsproto.JSONRequest) (any, error)

// Config configures the edge.
type Config struct {
	Services []*Service
	Keys     KeyLookup
	Audit    *audit.Log // nil: no audit log
	Logger   *slog.Logger
	Now      func() time.Time
	// NewRequestID makes request ids; it must be safe for concurrent use.
	NewRequestID func() string
	// MaxBody limits request bodies (0: awsproto.DefaultMaxBody).
	MaxBody int64
	// BodyTimeout and BodyMinRate make request bodies arrive at a minimum
	// rate: each BodyTimeout must bring BodyMinRate bytes a second of the
	// body, or the request is answered RequestTimeout (400) and its
	// connection closed. BodyTimeout 0: no limit.
	BodyTimeout time.Duration
	BodyMinRate int64
	// MaxHeaderBytes bounds an S3 request's header section (see
	// headerSection): over it, 400 RequestHeaderSectionTooLarge, as S3
	// answers. 0: no limit.
	MaxHeaderBytes int
	// S3, when set, serves S3 on the same listener: requests signed for
	// s3, and unsigned requests without a Query action.
	S3 *s3.Service
	// S3Domains are the host names under which buckets are addressed
	// virtual-hosted style (<bucket>.<domain>).
	S3Domains []string
}

// Edge is the http.Handler of the Query services.
type Edge struct {
	cfg      Config
	byName   map[string]*Service
	byAction map[string]*Service // Query action -> service
	byTarget map[string]*Service // JSON X-Amz-Target prefix -> service
	unsigned map[string]*Service // action -> service
	keys     sigv4.KeyCache
}

// New builds the edge.
func New(cfg Config) *Edge {
	e := &Edge{cfg: cfg, byName: map[string]*Service{}, byAction: map[string]*Service{}, byTarget: map[string]*Service{}, unsigned: map[string]*Service{}}
	if e.cfg.Logger == nil {
		e.cfg.Logger = slog.New(slog.DiscardHandler)
	}
	for _, s := range cfg.Services {
		e.byName[s.Name] = s
		for a := range s.Actions {
			e.byAction[a] = s
		}
		if s.JSONTarget != "" {
			e.byTarget[s.JSONTarget] = s
		}
		for a := range s.Unsigned {
			e.unsigned[a] = s
		}
	}
	return e
}

// Log keys.
const (
	logRequestID = "request_id"
	logAction    = "action"
	logCaller    = "caller"
	logCode      = "code"
	logError     = "error"
)

// protocol is the AWS protocol a request speaks, read from its shape
// (never from its signature, which must then agree).
type protocol uint8

const (
	protoQuery protocol = iota // Action=... in the query string or a form body: IAM, STS
	protoJSON                  // X-Amz-Target: Organizations
	protoS3                    // anything else: S3's REST-XML
)

// inbound is what the edge reads of every request once, before any
// service sees it: the protocol, the query string decoded (the one
// decoding both the signature check and the handlers use) and the
// signature's parsed authorization.
type inbound struct {
	proto    protocol
	query    url.Values
	queryErr error
	// auth is the parsed authorization; authErr why there is none (a
	// *sigv4.Error, of kind MissingAuthentication for an unsigned call).
	auth    *sigv4.Auth
	authErr error
}

// unsigned reports whether the request carries no signature at all.
func (in *inbound) unsigned() bool {
	se, ok := in.authErr.(*sigv4.Error)
	return ok && se.Kind == sigv4.MissingAuthentication
}

// read reads r's protocol, query and authorization.
func (e *Edge) read(r *http.Request) *inbound {
	in := &inbound{}
	in.query, in.queryErr = awsproto.DecodeForm(r.URL.RawQuery)
	root := r.URL.Path == "/" || r.URL.Path == ""
	if in.queryErr == nil {
		in.auth, in.authErr = sigv4.Parse(r, in.query)
	}
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		in.proto = protoJSON
	case e.cfg.S3 == nil:
		in.proto = protoQuery
	case root && in.query.Has("Action"):
		// The Query services live at "/"; no S3 operation takes an
		// Action parameter.
		in.proto = protoQuery
	case e.bucketHost(r) != "":
		in.proto = protoS3
	case root && r.Method == http.MethodPost:
		// S3 has nothing to POST at "/" but on a bucket's own host.
		in.proto = protoQuery
	default:
		in.proto = protoS3
	}
	return in
}

func (e *Edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r = e.paceBody(w, r)
	in := e.read(r)
	switch in.proto {
	case protoJSON:
		e.serveJSON(w, r, in)
	case protoS3:
		e.serveS3(w, r, in)
	default:
		e.serveQuery(w, r, in)
	}
}

// serveQuery serves a Query protocol request (IAM, STS).
func (e *Edge) serveQuery(w http.ResponseWriter, r *http.Request, in *inbound) {
	id := e.cfg.NewRequestID()
	rec := &audit.Record{Time: e.cfg.Now().UTC(), RequestID: id, SourceIP: sourceIP(r), UserAgent: r.UserAgent()}
	svc, caller, req, err := e.authenticate(r, in)
	ns := awsproto.IAMNamespace
	if svc != nil {
		ns = svc.Namespace
		rec.Action = svc.Name + ":"
	}
	if req != nil {
		rec.Action += req.Action
	}
	if caller != nil {
		rec.Principal, rec.Account, rec.AccessKey = caller.ARN, caller.Account, caller.AccessKeyID
	}
	var result any
	if err == nil {
		ctx := context.WithValue(withDecisions(r.Context(), rec), sourceIPKey{}, rec.SourceIP)
		result, err = e.run(ctx, svc, caller, req)
	}
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
		awsproto.WriteError(w, ns, id, ae)
	} else {
		rec.Status = http.StatusOK
		if werr := awsproto.WriteResponse(w, req.Action, ns, id, result); werr != nil {
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

// requestTimeout is the error of a request whose body missed its
// minimum rate, whatever error reading it caused (err, the cause for the
// log); the connection closes after the answer.
func requestTimeout(w http.ResponseWriter, err error) *awsproto.Error {
	w.Header().Set("Connection", "close")
	e := awsproto.RequestTimeout()
	e.Cause = err
	return e
}

func (e *Edge) run(ctx context.Context, svc *Service, c *Caller, req *awsproto.QueryRequest) (any, error) {
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
// (when known), the caller (nil for an unsigned call) and the decoded
// request (when it could be read). The service is the one whose action the
// request names; the signature's credential scope must name it too.
func (e *Edge) authenticate(r *http.Request, in *inbound) (*Service, *Caller, *awsproto.QueryRequest, error) {
	if in.queryErr != nil {
		return nil, nil, nil, in.queryErr
	}
	req, qerr := awsproto.ParseQuery(r, in.query, e.cfg.MaxBody)
	if in.unsigned() {
		if qerr != nil {
			if ae, ok := qerr.(*awsproto.Error); ok && ae.Code == awsproto.MissingAction().Code {
				return nil, nil, req, awsproto.MissingAuthenticationToken()
			}
			// A body that cannot be read is answered as such, before
			// authentication, as AWS does (a 1 MB web identity token
			// gets STS's ValidationError, not a missing signature).
			return nil, nil, req, qerr
		}
		if svc, ok := e.unsigned[req.Action]; ok {
			return svc, nil, req, nil
		}
		return nil, nil, req, awsproto.MissingAuthenticationToken()
	}
	if in.authErr != nil {
		return nil, nil, req, sigv4Error(in.authErr)
	}
	a := in.auth
	svc, ok := e.byName[a.Service]
	if qerr == nil {
		// The action decides which service is addressed, as the
		// endpoint does on AWS; a signature scoped to another is refused.
		if owner, known := e.byAction[req.Action]; known && owner != svc {
			return owner, nil, req, awsproto.SignatureDoesNotMatch("Credential should be scoped to correct service: '" + owner.Name + "'. ")
		}
	}
	if !ok || svc.Actions == nil {
		return nil, nil, req, awsproto.SignatureDoesNotMatch("Credential should be scoped to a valid service: '" + a.Service + "' is not served here.")
	}
	if qerr != nil {
		return svc, nil, req, qerr
	}
	c, err := e.verify(r, a, req.Body)
	return svc, c, req, err
}

// verify finds the caller of a's access key and checks the signature over
// r and its body.
func (e *Edge) verify(r *http.Request, a *sigv4.Auth, body []byte) (*Caller, error) {
	c, secret, err := e.cfg.Keys.LookupKey(r.Context(), a.AccessKeyID, a.SecurityToken)
	switch {
	case errors.Is(err, ErrUnknownKey):
		return nil, awsproto.InvalidClientTokenID()
	case errors.Is(err, ErrExpiredToken):
		return nil, awsproto.ExpiredToken()
	case err != nil:
		return nil, awsproto.ServiceFailure(err)
	}
	hash := sigv4.HashPayload(body)
	if err := sigv4.Verify(r, a, secret.Reveal(), hash, e.cfg.Now(), sigv4.Options{Keys: &e.keys}); err != nil {
		return nil, sigv4Error(err)
	}
	c.AccessKeyID = a.AccessKeyID
	c.SourceIP = sourceIP(r)
	return c, nil
}

// sigv4Error maps a verification failure to the Query services' error.
func sigv4Error(err error) *awsproto.Error {
	var e *sigv4.Error
	if !errors.As(err, &e) {
		return awsproto.ServiceFailure(err)
	}
	switch e.Kind {
	case sigv4.MissingAuthentication:
		return awsproto.MissingAuthenticationToken()
	case sigv4.Mismatch:
		return awsproto.SignatureDoesNotMatch(e.Message)
	case sigv4.Expired:
		return awsproto.RequestExpired(e.Message)
	}
	return awsproto.IncompleteSignature(e.Message)
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// withDecisions returns a context under which the policy decisions of a
// request are written into its audit record.
func withDecisions(ctx context.Context, rec *audit.Record) context.Context {
	return iam.WithDecisionHook(ctx, func(d iam.Decision) {
		rec.Decision, rec.Reason, rec.Statements = d.Decision, d.Reason, d.Statements
		if rec.Resource == "" {
			rec.Resource = d.Resource
		}
	})
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
	e.cfg.Logger.Debug("request refused", logRequestID, id, logAction, rec.Action, logCaller, rec.Principal, logError, err, "cause", why)
}
