package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ServeConfig configures Serve.
type ServeConfig struct {
	// BindHosts are the addresses /v1/credentials is served on, one
	// listener each ("169.254.170.23", "[fd00:ec2::23]"). An IPv6 one that
	// cannot be bound is logged and skipped, as AWS's agent skips it; an
	// IPv4 one is fatal.
	BindHosts []string
	Port      int
	ProbeAddr string // /healthz, /readyz and /metrics; "" serves none
	Agent     *Agent
	Metrics   *Metrics
	Log       *slog.Logger
	OnListen  func(kind, addr string) // told each bound address ("credentials" or "probe"); may be nil
}

// Serve answers on every bind host and the probe address until ctx ends,
// renewing the agent's credentials meanwhile, then lets requests in
// flight finish (at most 10 s).
func Serve(ctx context.Context, cfg ServeConfig) error {
	var lns []net.Listener
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	var targets []string
	for _, h := range cfg.BindHosts {
		host := strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
		addr := net.JoinHostPort(host, strconv.Itoa(cfg.Port))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			if strings.Contains(host, ":") {
				cfg.Log.Warn("IPv6 bind host not served", "addr", addr, "err", err)
				continue
			}
			closeAll()
			return fmt.Errorf("listen on %s: %w", addr, err)
		}
		lns = append(lns, ln)
		targets = append(targets, "http://"+ln.Addr().String()+"/")
	}
	if len(lns) == 0 {
		return errors.New("no bind host could be bound")
	}
	servers := make([]*http.Server, 0, len(lns)+1)
	for range lns {
		servers = append(servers, newServer(cfg.Agent, cfg.Log))
	}
	if cfg.ProbeAddr != "" {
		ln, err := net.Listen("tcp", cfg.ProbeAddr)
		if err != nil {
			closeAll()
			return fmt.Errorf("listen on %s: %w", cfg.ProbeAddr, err)
		}
		mux := http.NewServeMux()
		probe := &Probe{Targets: targets}
		mux.Handle("/healthz", probe)
		mux.Handle("/readyz", probe)
		if cfg.Metrics != nil {
			mux.Handle("/metrics", cfg.Metrics.Handler())
		}
		lns = append(lns, ln)
		servers = append(servers, newServer(mux, cfg.Log))
	}
	done := make(chan error, len(lns))
	for i, ln := range lns {
		kind := "credentials"
		if i == len(lns)-1 && cfg.ProbeAddr != "" {
			kind = "probe"
		}
		cfg.Log.Info("agent listening", "kind", kind, "addr", ln.Addr().String())
		if cfg.OnListen != nil {
			cfg.OnListen(kind, ln.Addr().String())
		}
		go func() { done <- servers[i].Serve(ln) }()
	}
	rctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { cfg.Agent.Run(rctx) })
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
	}
	stop()
	wg.Wait()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range servers {
		s.Shutdown(sctx)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func newServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// ProbeTimeout bounds a probe's checks of the credential listeners.
const ProbeTimeout = 10 * time.Second

// Probe answers /healthz and /readyz as AWS's agent does: every
// credential listener must answer a GET of "/" with 404; 200 when all
// do, 408 when the checks take longer than ProbeTimeout, else 500.
type Probe struct {
	Targets []string // URLs of the credential listeners' "/"
	Client  *http.Client
}

func (p *Probe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), ProbeTimeout)
	defer cancel()
	client := p.Client
	if client == nil {
		client = &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	}
	for _, t := range p.Targets {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, t, nil)
		if err != nil {
			http.Error(w, "Internal Server Error occurred", http.StatusInternalServerError)
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				http.Error(w, "Request Timeout", http.StatusRequestTimeout)
				return
			}
			http.Error(w, "Internal Server Error occurred", http.StatusInternalServerError)
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			http.Error(w, "Internal Server Error occurred", http.StatusInternalServerError)
			return
		}
	}
	w.Write([]byte("ok"))
}
