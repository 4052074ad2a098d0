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
	"strings"
	"time"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/creds"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/iam/managed"
	"github.com/podiam/podiam/internal/oidc"
	"github.com/podiam/podiam/internal/orgs"
	"github.com/podiam/podiam/internal/s3"
	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/sqlite"
	"github.com/podiam/podiam/internal/sts"
	"github.com/podiam/podiam/internal/tlsreload"
)

// Server is a running podiam server's parts.
type Server struct {
	cfg    Config
	store  store.Store
	sealer *creds.Sealer
}

// Run starts the server and serves until ctx ends; then it stops taking
// new connections and lets in-flight requests finish (up to
// ShutdownTimeout) before it returns.
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
	defer ln.Close() // after a shutdown, which closed it, this does nothing
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	dir := dataDir(cfg.DataDir)
	lock, err := dir.lock()
	if err != nil {
		return err
	}
	defer lock.Close() // last: after the database is closed
	started, err := dir.started()
	if err != nil {
		return err
	}
	// The keys before the database: a directory with a database has its
	// keys, and one without is at its first start (dataDir.started).
	key, err := dir.loadSealKey(!started, cfg.Rand)
	if err != nil {
		return err
	}
	sealer, err := creds.NewSealer(map[byte][]byte{1: key}, 1, cfg.Rand)
	if err != nil {
		return err
	}
	sessions, err := newSessionKeyring(dir.path(sessionKeysFile), cfg.Now(), cfg.Rand, !started)
	if err != nil {
		return err
	}
	db, err := sqlite.Open(dir.path(dbFile))
	if err != nil {
		return fmt.Errorf("open the database: %w", err)
	}
	defer db.Close()
	if err := managed.Seed(ctx, db, cfg.Now()); err != nil {
		return err
	}
	s := &Server{cfg: cfg, store: db, sealer: sealer}
	acct, err := s.bootstrap(ctx)
	if err != nil {
		return err
	}

	var auditLog *audit.Log
	switch cfg.AuditLog {
	case "":
	case "-":
		auditLog = audit.New(cfg.Stdout)
	default:
		f, err := os.OpenFile(cfg.AuditLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
		defer f.Close()
		auditLog = audit.New(f)
	}
	iamSvc, err := iam.NewService(iam.Config{Store: db, Sealer: sealer, Now: cfg.Now, Rand: cfg.Rand})
	if err != nil {
		return err
	}
	rotateCtx, stopRotating := context.WithCancel(ctx)
	defer stopRotating()
	go sessions.rotateEvery(rotateCtx, time.Hour, cfg.Now, cfg.Logger)
	roots, err := oidcRoots(cfg.OIDCCABundle)
	if err != nil {
		return err
	}
	verifier := oidc.New(oidc.Config{Now: cfg.Now, AllowHTTP: cfg.OIDCAllowHTTP, RootCAs: roots, DialContext: cfg.OIDCDialContext})
	stsSvc, err := sts.New(sts.Config{Store: db, Identities: iamSvc, Verifier: verifier, Sessions: sessions, Now: cfg.Now})
	if err != nil {
		return err
	}
	bs, err := openBlobs(ctx, cfg.DataDir, db, cfg.Logger)
	if err != nil {
		return err
	}
	s3Svc, err := s3.New(s3.Config{Store: db, Blobs: bs, Identities: iamSvc, Region: DefaultRegion, Now: cfg.Now})
	if err != nil {
		return err
	}
	services := []*httpapi.Service{httpapi.STS(stsSvc), httpapi.IAM(iamSvc), httpapi.Organizations(orgs.New(db, iamSvc, cfg.Now, cfg.Rand))}
	edge := httpapi.New(httpapi.Config{
		Services:       services,
		Keys:           httpapi.Keys{Store: db, Sealer: sealer, Sessions: sessions, Now: cfg.Now},
		S3:             s3Svc,
		S3Domains:      cfg.S3Domains,
		Audit:          auditLog,
		Logger:         cfg.Logger,
		Now:            cfg.Now,
		NewRequestID:   newRequestID,
		BodyTimeout:    cfg.BodyTimeout,
		BodyMinRate:    cfg.BodyMinRate,
		MaxHeaderBytes: cfg.MaxHeaderBytes,
	})
	srv := &http.Server{
		Handler:           edge,
		ReadHeaderTimeout: cfg.HeaderTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes + creds.MaxTokenLen,
		ConnState:         ln.connState,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if certs != nil {
		scheme = "https"
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: certs.GetCertificate}
	}
	addr := ln.Addr().String()
	if cfg.OnListen != nil {
		cfg.OnListen(addr)
	}
	s.printHints(cfg.Stdout, scheme+"://"+addr, acct.ID, services)
	cfg.Logger.Info("serving", "address", addr, "account", acct.ID)

	errc := make(chan error, 1)
	go func() {
		if certs != nil {
			errc <- srv.ServeTLS(ln, "", "") // the certificate comes from TLSConfig
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	cfg.Logger.Info("stopped")
	return nil
}

// printHints tells the user how to point the AWS CLI at the server.
func (s *Server) printHints(w io.Writer, url, account string, services []*httpapi.Service) {
	var names []string
	for _, svc := range services {
		names = append(names, strings.ToUpper(svc.Name))
	}
	abs, err := filepath.Abs(s.credentialsPath())
	if err != nil {
		abs = s.credentialsPath()
	}
	fmt.Fprintf(w, "podiam is serving %s on %s for account %s.\n"+
		"Use it with the AWS CLI or an SDK:\n\n"+
		"  export AWS_SHARED_CREDENTIALS_FILE=%s\n"+
		"  export AWS_ENDPOINT_URL=%s\n"+
		"  export AWS_REGION=%s AWS_DEFAULT_REGION=%s\n"+
		"  aws sts get-caller-identity\n\n", strings.Join(names, ", "), url, account, abs, url, DefaultRegion, DefaultRegion)
}

// newRequestID returns a random request id in UUID form, as AWS's.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
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
