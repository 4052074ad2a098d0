package server

import (
	"github.com/podiam/podiam/internal/eksauth"
	"github.com/podiam/podiam/internal/s3"

	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"time"
)

// Defaults of the server's configuration.
const (
	DefaultListen          = "127.0.0.1:4580"
	DefaultDataDir         = "./podiam-data"
	DefaultShutdownTimeout = 30 * time.Second
	DefaultRegion          = "us-east-1"
	// A request body must bring DefaultBodyMinRate bytes a second over
	// each DefaultBodyTimeout: 20 KiB every 20 s.
	DefaultBodyTimeout = 20 * time.Second
	DefaultBodyMinRate = 1024
	// A client has DefaultHeaderTimeout to send a request's head, and a
	// keep-alive connection with no request for DefaultIdleTimeout is
	// closed (the default idle timeout of AWS's load balancers).
	DefaultHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout   = 60 * time.Second
	// DefaultMaxHeaderBytes is S3's limit on a request's header section.
	DefaultMaxHeaderBytes = 8 << 10
	// DefaultMaxConnections bounds the connections held at once.
	DefaultMaxConnections = 1024
	// DefaultLifecycleInterval is how often buckets' lifecycle rules are
	// applied.
	DefaultLifecycleInterval = time.Hour
)

// Config configures the server.
type Config struct {
	// Listen is the TCP address to serve on.
	Listen string
	// MetricsListen, when set, is a second TCP address, served in plain
	// HTTP, that answers the probes /healthz and /readyz alone.
	MetricsListen string
	// DataDir holds the database, the sealing key and the first account's
	// credentials file.
	DataDir string
	// TLSCert and TLSKey, both set, serve HTTPS.
	TLSCert, TLSKey string
	// PublicURL is the URL clients and clusters reach the server at: the
	// base of every EKS cluster's hosted issuer (<PublicURL>/id/<hex>).
	// "" derives it from the bound listen address and TLS
	// (http(s)://host:port, localhost for an unspecified host).
	PublicURL string
	// EKSActivation is how long a new EKS cluster shows CREATING (0:
	// eks.DefaultActivation; negative: ACTIVE at once).
	EKSActivation time.Duration
	// AuditLog is where audit records go: "" for nowhere, "-" for
	// standard output, else a file appended to.
	AuditLog string
	// S3Domains are the host names under which buckets are addressed
	// virtual-hosted style (<bucket>.<domain>); path style always works.
	S3Domains []string
	// OIDCCABundle is a PEM file of extra roots trusted for OIDC issuers'
	// TLS (besides the system's, and each provider's thumbprints).
	OIDCCABundle string
	// OIDCAllowHTTP lets issuers be fetched over plain http (local
	// testing only).
	OIDCAllowHTTP bool
	// OIDCDialContext, when set, opens the connections to OIDC issuers
	// (tests map issuer host names to loopback servers with it).
	OIDCDialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// PodIdentity, when set, replaces the directory of EKS clusters and
	// Pod Identity associations that EKS Auth reads (by default the
	// server's own EKS control plane): for tests that bring their own.
	PodIdentity eksauth.Directory

	Logger *slog.Logger
	// Stdout receives the start-up hints (how to point the AWS CLI here).
	Stdout io.Writer
	Now    func() time.Time
	Rand   io.Reader
	// ShutdownTimeout bounds how long in-flight requests may finish after
	// the context ends.
	ShutdownTimeout time.Duration
	// BodyTimeout and BodyMinRate (bytes a second) make request bodies
	// arrive at a minimum rate: each BodyTimeout must bring
	// BodyMinRate*BodyTimeout bytes, or the request is answered 400
	// RequestTimeout and its connection closed: a fast upload is not cut,
	// however large, while a body that stalls or trickles in is.
	BodyTimeout time.Duration
	BodyMinRate int64
	// HeaderTimeout bounds the time a client takes to send a request's
	// line and headers; a client still sending them then is disconnected.
	HeaderTimeout time.Duration
	// IdleTimeout closes a keep-alive connection on which no new request
	// has begun for that long.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds an S3 request's header section (request line
	// and headers, the session token aside): over it, 400
	// RequestHeaderSectionTooLarge. Any request's head is read up to
	// MaxHeaderBytes plus creds.MaxTokenLen (and net/http's 4 KiB of
	// slack); beyond that, 431 and the connection is closed.
	MaxHeaderBytes int
	// MaxConnections bounds the connections served at once. At the bound,
	// the connection idle the longest between requests is closed to make
	// room; with none idle, a new connection waits until one ends or
	// turns idle.
	MaxConnections int
	// LifecycleInterval is how often buckets' lifecycle configurations
	// are applied (0: DefaultLifecycleInterval; negative: never).
	LifecycleInterval time.Duration
	// OnLifecycleRun, when set, is told of each lifecycle run (tests wait
	// on it).
	OnLifecycleRun func(s3.LifecycleStats, error)
	// OnListen, when set, is called with the address once the server has
	// started and serves the AWS APIs (tests listen on port 0).
	OnListen func(addr string)
	// OnMetricsListen, when set, is called with MetricsListen's bound
	// address as soon as it serves the probes, before the start.
	OnMetricsListen func(addr string)
}

// SetDefaults fills every unset field.
func (c *Config) SetDefaults() {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Stdout == nil {
		c.Stdout = io.Discard
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	c.ShutdownTimeout = cmp.Or(c.ShutdownTimeout, DefaultShutdownTimeout)
	c.BodyTimeout = cmp.Or(c.BodyTimeout, DefaultBodyTimeout)
	c.BodyMinRate = cmp.Or(c.BodyMinRate, DefaultBodyMinRate)
	c.HeaderTimeout = cmp.Or(c.HeaderTimeout, DefaultHeaderTimeout)
	c.IdleTimeout = cmp.Or(c.IdleTimeout, DefaultIdleTimeout)
	c.MaxHeaderBytes = cmp.Or(c.MaxHeaderBytes, DefaultMaxHeaderBytes)
	c.MaxConnections = cmp.Or(c.MaxConnections, DefaultMaxConnections)
	c.LifecycleInterval = cmp.Or(c.LifecycleInterval, DefaultLifecycleInterval)
	if c.S3Domains == nil {
		c.S3Domains = []string{"localhost", "s3.localhost"}
	}
}

// Validate reports every problem of the configuration at once.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen address %q: %w", c.Listen, err))
	}
	if c.MetricsListen != "" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			errs = append(errs, fmt.Errorf("metrics listen address %q: %w", c.MetricsListen, err))
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, fmt.Errorf("public URL %q is not an absolute http or https URL", c.PublicURL))
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("give both a TLS certificate and its key, or neither"))
	}
	if c.ShutdownTimeout < 0 {
		errs = append(errs, errors.New("shutdown timeout is negative"))
	}
	if c.BodyTimeout < time.Second {
		errs = append(errs, fmt.Errorf("body timeout %v is under a second", c.BodyTimeout))
	}
	if c.HeaderTimeout < 0 {
		errs = append(errs, errors.New("header timeout is negative"))
	}
	if c.IdleTimeout < 0 {
		errs = append(errs, errors.New("idle timeout is negative"))
	}
	if c.MaxHeaderBytes < 1<<10 {
		errs = append(errs, fmt.Errorf("header limit %d is under 1024 bytes, less than a signed request's headers", c.MaxHeaderBytes))
	}
	if c.MaxConnections < 1 {
		errs = append(errs, fmt.Errorf("connection limit %d is not positive", c.MaxConnections))
	}
	if c.BodyMinRate < 1 {
		errs = append(errs, fmt.Errorf("body minimum rate %d is not a positive number of bytes a second", c.BodyMinRate))
	}
	return errors.Join(errs...)
}
