package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/authn"
	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/eks"
	"github.com/podiam/podiam/internal/eksapi"
	"github.com/podiam/podiam/internal/eksauth"
	"github.com/podiam/podiam/internal/eksauthapi"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/iam/managed"
	"github.com/podiam/podiam/internal/iamapi"
	"github.com/podiam/podiam/internal/metrics"
	"github.com/podiam/podiam/internal/oidc"
	"github.com/podiam/podiam/internal/orgs"
	"github.com/podiam/podiam/internal/orgsapi"
	"github.com/podiam/podiam/internal/s3"
	"github.com/podiam/podiam/internal/s3api"
	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/sqlite"
	"github.com/podiam/podiam/internal/sts"
	"github.com/podiam/podiam/internal/stsapi"
	"github.com/podiam/podiam/internal/tlsreload"
)

// Server is a started podiam server's parts.
type Server struct {
	cfg      Config
	store    store.Store
	sealer   *creds.Sealer
	sessions *sessionKeyring
	account  store.Account // the organization's management account
	edge     http.Handler  // the AWS APIs
	eks      *eks.Service  // for the hosted issuers
	metrics  *metrics.Server
	// closers release what the start opened, last opened first.
	closers []func() error
}

// Run starts the server and serves until ctx ends; then it stops taking
// new connections and lets in-flight requests finish (up to
// ShutdownTimeout) before it returns.
//
// The listeners are bound first, and serve the probes (/healthz, /readyz)
// at once; the data directory is opened after, and a request for the AWS
// APIs that comes during the start waits until it has ended.
func Run(ctx context.Context, cfg Config) error {
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	var certs *tlsreload.Cert
	if cfg.TLSCert != "" {
		var err error
		certs, err = tlsreload.New(tlsreload.Config{CertFile: cfg.TLSCert, KeyFile: cfg.TLSKey, Now: cfg.Now, Logger: cfg.Logger})
		if err != nil {
			return err
		}
	}
	// Listen first: a server that cannot listen (another has the port)
	// leaves the data directory as it was, or absent.
	tcp, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ln := newConnLimit(tcp, cfg.MaxConnections)
	var metricsLn net.Listener
	if cfg.MetricsListen != "" {
		if metricsLn, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
			ln.Close()
			return fmt.Errorf("listen for metrics: %w", err)
		}
	}

	m := metrics.New()
	p := newProbes(cfg.S3Domains, m)
	errorLog := slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)
	front := &http.Server{
		Handler:           p.front(),
		ReadHeaderTimeout: cfg.HeaderTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes + creds.MaxTokenLen,
		ConnState:         ln.connState,
		ErrorLog:          errorLog,
	}
	scheme := "http"
	if certs != nil {
		scheme = "https"
		front.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: certs.GetCertificate}
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = publicURL(scheme, ln.Addr())
	}
	var srvs serving
	srvs.serve(front, ln, certs != nil)
	if metricsLn != nil {
		srvs.serve(&http.Server{Handler: p.mux(), ReadHeaderTimeout: cfg.HeaderTimeout, IdleTimeout: cfg.IdleTimeout, ErrorLog: errorLog}, metricsLn, false)
		if cfg.OnMetricsListen != nil {
			cfg.OnMetricsListen(metricsLn.Addr().String())
		}
	}

	s, err := start(ctx, cfg, m)
	if err != nil {
		p.failed()
		srvs.shutdown(cfg.ShutdownTimeout)
		return err
	}
	defer s.close() // after the shutdown below: requests in flight use the store
	p.started(s)
	addr := ln.Addr().String()
	metricsURL := ""
	if metricsLn != nil {
		metricsURL = "http://" + metricsLn.Addr().String()
	}
	s.printHints(cfg.Stdout, scheme+"://"+addr, metricsURL)
	cfg.Logger.Info("serving", "address", addr, "metrics_address", metricsURL, "account", s.account.ID)
	if cfg.OnListen != nil {
		cfg.OnListen(addr)
	}

	select {
	case err := <-srvs.errc:
		srvs.shutdown(cfg.ShutdownTimeout)
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	if err := srvs.shutdown(cfg.ShutdownTimeout); err != nil {
		return err
	}
	cfg.Logger.Info("stopped")
	return nil
}

// start opens the data directory, the store and the services. On an
// error it closes what it opened.
func start(ctx context.Context, cfg Config, m *metrics.Server) (_ *Server, err error) {
	s := &Server{cfg: cfg, metrics: m}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	dir := dataDir(cfg.DataDir)
	lock, err := dir.lock()
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, lock.Close) // last: after the database is closed
	started, err := dir.started()
	if err != nil {
		return nil, err
	}
	// The keys before the database: a directory with a database has its
	// keys, and one without is at its first start (dataDir.started).
	key, err := dir.loadSealKey(!started, cfg.Rand)
	if err != nil {
		return nil, err
	}
	if s.sealer, err = creds.NewSealer(map[byte][]byte{1: key}, 1, cfg.Rand); err != nil {
		return nil, err
	}
	if s.sessions, err = newSessionKeyring(dir.path(sessionKeysFile), cfg.Now(), cfg.Rand, !started); err != nil {
		return nil, err
	}
	db, err := sqlite.Open(dir.path(dbFile))
	if err != nil {
		return nil, fmt.Errorf("open the database: %w", err)
	}
	s.closers = append(s.closers, db.Close)
	s.store = db
	if err := managed.Seed(ctx, db, cfg.Now()); err != nil {
		return nil, err
	}
	if s.account, err = s.bootstrap(ctx); err != nil {
		return nil, err
	}

	var auditLog *audit.Log
	switch cfg.AuditLog {
	case "":
	case "-":
		auditLog = audit.New(cfg.Stdout)
	default:
		f, err := os.OpenFile(cfg.AuditLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		s.closers = append(s.closers, f.Close)
		auditLog = audit.New(f)
	}
	iamSvc, err := iam.NewService(iam.Config{Store: db, Sealer: s.sealer, Now: cfg.Now, Rand: cfg.Rand})
	if err != nil {
		return nil, err
	}
	db.Observe(s.metrics.Store)
	roots, err := oidcRoots(cfg.OIDCCABundle)
	if err != nil {
		return nil, err
	}
	verifier := oidc.New(oidc.Config{Now: cfg.Now, AllowHTTP: cfg.OIDCAllowHTTP, RootCAs: roots, DialContext: cfg.OIDCDialContext, OnFetch: s.metrics.JWKSFetch})
	stsSvc, err := sts.New(sts.Config{Store: db, Identities: iamSvc, Verifier: verifier, Sessions: s.sessions, Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	bs, err := openBlobs(ctx, cfg.DataDir, key, db, cfg.Logger)
	if err != nil {
		return nil, err
	}
	s3Svc, err := s3.New(s3.Config{Store: db, Blobs: bs, Identities: iamSvc, Region: DefaultRegion, Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	eksSvc, err := eks.New(eks.Config{Store: db, IAM: iamSvc, Region: DefaultRegion, PublicURL: cfg.PublicURL,
		Activation: cfg.EKSActivation, Now: cfg.Now, Rand: cfg.Rand})
	if err != nil {
		return nil, err
	}
	s.eks = eksSvc
	auth := authn.New(&authn.StoreKeys{Store: db, Sealer: s.sealer, Sessions: s.sessions, Now: cfg.Now}, cfg.Now)
	podDir := cfg.PodIdentity
	if podDir == nil {
		podDir = eksauth.EKSDirectory{EKS: eksSvc}
	}
	podSvc, err := eksauth.New(eksauth.Config{Directory: podDir, Authorizer: iamSvc, Roles: stsSvc, IssuerKeys: verifier,
		Region: DefaultRegion, Now: cfg.Now, Rand: cfg.Rand})
	if err != nil {
		return nil, err
	}
	s3API := s3api.New(s3api.Config{S3: s3Svc, Auth: auth, Domains: cfg.S3Domains, MaxHeaderBytes: cfg.MaxHeaderBytes, Now: cfg.Now, Metrics: s.metrics})
	s.edge = httpapi.New(httpapi.Config{
		Query:        []*httpapi.QueryService{stsapi.New(stsSvc), iamapi.New(iamSvc)},
		JSON:         []*httpapi.JSONService{orgsapi.New(orgs.New(db, iamSvc, cfg.Now, cfg.Rand))},
		RESTJSON:     []*httpapi.RESTJSONService{eksapi.New(eksSvc), eksauthapi.New(podSvc)},
		REST:         s3API,
		Control:      s3API.Control(),
		Metrics:      s.metrics,
		Auth:         auth,
		Audit:        auditLog,
		Logger:       cfg.Logger,
		Now:          cfg.Now,
		NewRequestID: newRequestID,
		BodyTimeout:  cfg.BodyTimeout,
		BodyMinRate:  cfg.BodyMinRate,
	})
	if err := s.runLifecycle(s3Svc, auditLog); err != nil {
		return nil, err
	}
	rotateCtx, stopRotating := context.WithCancel(context.Background())
	s.closers = append(s.closers, func() error { stopRotating(); return nil })
	go s.sessions.rotateEvery(rotateCtx, time.Hour, cfg.Now, cfg.Logger)
	return s, nil
}

// close releases what start opened, last opened first; failures are
// logged.
func (s *Server) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil {
			s.cfg.Logger.Error("close", "error", err)
		}
	}
	s.closers = nil
}

// serving is the http.Servers of the listeners.
type serving struct {
	servers []*http.Server
	errc    chan error // a Serve that ended other than by Shutdown
}

// serve serves ln with srv (TLS with srv.TLSConfig's certificate if tls)
// in a goroutine of its own.
func (v *serving) serve(srv *http.Server, ln net.Listener, tls bool) {
	if v.errc == nil {
		v.errc = make(chan error, 2)
	}
	v.servers = append(v.servers, srv)
	go func() {
		var err error
		if tls {
			err = srv.ServeTLS(ln, "", "") // the certificate comes from TLSConfig
		} else {
			err = srv.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			v.errc <- err
		}
	}()
}

// shutdown stops every server taking connections and waits up to timeout
// for the requests in flight to finish.
func (v *serving) shutdown(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	for _, srv := range v.servers {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shut down: %w", err))
		}
	}
	return errors.Join(errs...)
}

// printHints tells the user what is served and how to point the AWS CLI
// at it.
func (s *Server) printHints(w io.Writer, url, metricsURL string) {
	abs, err := filepath.Abs(s.credentialsPath())
	if err != nil {
		abs = s.credentialsPath()
	}
	probes := url
	if metricsURL != "" {
		probes += " and " + metricsURL
	}
	fmt.Fprintf(w, "podiam is serving %s on %s for account %s.\n"+
		"%s\n"+
		"Probes: GET /healthz and /readyz on %s.\n"+
		"Use it with the AWS CLI or an SDK:\n\n"+
		"  export AWS_SHARED_CREDENTIALS_FILE=%s\n"+
		"  export AWS_ENDPOINT_URL=%s\n"+
		"  export AWS_REGION=%s AWS_DEFAULT_REGION=%s\n"+
		"  aws sts get-caller-identity\n\n", serviceNames(), url, s.account.ID, ServicesRouting, probes, abs, url, DefaultRegion, DefaultRegion)
}

// newRequestID returns a random request id in UUID form, as AWS's.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	hex.Encode(out[9:13], b[4:6])
	hex.Encode(out[14:18], b[6:8])
	hex.Encode(out[19:23], b[8:10])
	hex.Encode(out[24:36], b[10:16])
	out[8], out[13], out[18], out[23] = '-', '-', '-', '-'
	return string(out[:])
}

// oidcRoots is the pool of roots for OIDC issuers: the system's plus the
// bundle's certificates; nil (the system's) without a bundle.
func oidcRoots(bundle string) (*x509.CertPool, error) {
	if bundle == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(bundle)
	if err != nil {
		return nil, fmt.Errorf("OIDC CA bundle: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("OIDC CA bundle %s holds no PEM certificate", bundle)
	}
	return pool, nil
}
