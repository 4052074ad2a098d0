package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/podiam/podiam/bench/internal/podident"
	"github.com/podiam/podiam/bench/internal/serverproc"
	"github.com/podiam/podiam/internal/agent"
)

type options struct {
	bin       string
	pods      int
	clients   int
	requests  int
	retention time.Duration
	session   time.Duration
	renewals  int
	timeout   time.Duration
	phases    string
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "", "the podiam binary to run as the server (default: built from this tree)")
	flag.IntVar(&o.pods, "pods", 1000, "simulated pods, each with its own ServiceAccount and association")
	flag.IntVar(&o.clients, "clients", 16, "concurrent clients of the cached and renewal phases")
	flag.IntVar(&o.requests, "requests", 200000, "requests of the cached phase")
	flag.DurationVar(&o.retention, "retention", 5*time.Second, "renewal phase: the agent's maximum credential retention before renewal")
	flag.DurationVar(&o.session, "session", 0, "renewal phase: run the agent's clock ahead so that sessions have this long left when they arrive (at least 46s: credentials are renewed at 2/3 of their life and not served in their last 15s); 0 renews by -retention")
	flag.IntVar(&o.renewals, "renewals", 2, "renewal phase: the renewals every pod must be seen through")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "renewal phase: give up after this long")
	flag.StringVar(&o.phases, "phases", "cold,cached,renewal", "the phases to run, comma-separated")
	flag.Parse()
	ok, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "podagent:", err)
		os.Exit(1)
	}
	if !ok {
		fmt.Println("FAIL: a check did not hold")
		os.Exit(1)
	}
	fmt.Println("PASS: every check held")
}

func run(o options) (bool, error) {
	if o.pods < 1 || o.clients < 1 || o.requests < 1 || o.renewals < 1 {
		return false, errors.New("-pods, -clients, -requests and -renewals must be positive")
	}
	if o.session != 0 && o.session <= 3*agent.MinRemaining {
		return false, fmt.Errorf("-session %v: give more than %v (credentials are renewed at 2/3 of their life and not served in their last %v)", o.session, 3*agent.MinRemaining, agent.MinRemaining)
	}
	work, err := os.MkdirTemp("", "podagent-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(work)
	if o.bin == "" {
		if o.bin, err = serverproc.Build(work); err != nil {
			return false, err
		}
	}
	srv, err := serverproc.Start(o.bin, work)
	if err != nil {
		return false, err
	}
	defer srv.Stop()
	fmt.Printf("server pid %d on %s\n", srv.PID, srv.URL)
	ctx := context.Background()
	start := time.Now()
	env, err := podident.Setup(ctx, srv.URL, srv.Root, "bench", o.pods)
	if err != nil {
		return false, fmt.Errorf("set up: %w", err)
	}
	fmt.Printf("set up a cluster and %d associations in %v\n", o.pods, time.Since(start).Round(time.Millisecond))
	tokens := make([]string, o.pods)
	for i := range tokens {
		tokens[i] = env.Token(i, time.Now())
	}
	b := &bench{o: o, srv: srv, env: env, tokens: tokens, ok: true}
	phases := strings.Split(o.phases, ",")
	if slices.Contains(phases, "cold") || slices.Contains(phases, "cached") {
		ag, err := b.startAgent(ctx, agent.Config{})
		if err != nil {
			return false, err
		}
		if slices.Contains(phases, "cold") {
			if err := b.cold(ag); err != nil {
				return false, err
			}
		}
		if slices.Contains(phases, "cached") {
			if err := b.cached(ag); err != nil {
				return false, err
			}
		}
		ag.stop()
	}
	if slices.Contains(phases, "renewal") {
		cfg := agent.Config{RenewInterval: 250 * time.Millisecond, MaxServiceQPS: 1e6}
		if o.session > 0 {
			ahead := 6*time.Hour - o.session
			cfg.Now = func() time.Time { return time.Now().Add(ahead) }
		} else {
			cfg.MaxRetention = o.retention
		}
		ag, err := b.startAgent(ctx, cfg)
		if err != nil {
			return false, err
		}
		err = b.renewal(ag)
		ag.stop()
		if err != nil {
			return false, err
		}
	}
	return b.ok, nil
}

type bench struct {
	o      options
	srv    *serverproc.Server
	env    *podident.Env
	tokens []string
	ok     bool
}

func (b *bench) check(ok bool, format string, args ...any) {
	verdict := "ok"
	if !ok {
		verdict = "FAILED"
		b.ok = false
	}
	fmt.Printf("  check: "+format+": %s\n", append(args, verdict)...)
}

// runningAgent is an agent served on a loopback port, with its renewal
// loop running and its handler timed when timing is on.
type runningAgent struct {
	a       *agent.Agent
	cfg     agent.Config
	metrics *agent.Metrics
	url     string
	http    *http.Server
	cancel  context.CancelFunc
	done    chan struct{}

	timing  atomic.Bool
	handled atomic.Int64
	times   []time.Duration // the handler's times while timing, up to len
}

func (b *bench) startAgent(ctx context.Context, cfg agent.Config) (*runningAgent, error) {
	r := &runningAgent{metrics: agent.NewMetrics(), done: make(chan struct{}), times: make([]time.Duration, b.o.requests)}
	cfg.AllowedHosts = []string{"127.0.0.1"}
	cfg.Source = b.env.Source()
	cfg.MaxCacheSize = max(agent.DefaultMaxCacheSize, b.o.pods)
	cfg.RequestsPerSec, cfg.RequestBurst = 1e12, 1<<30
	cfg.Metrics = r.metrics
	r.cfg = cfg.WithDefaults()
	a, err := agent.New(cfg)
	if err != nil {
		return nil, err
	}
	r.a = a
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r.url = "http://" + ln.Addr().String() + agent.CredentialsPath
	r.http = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !r.timing.Load() {
			a.ServeHTTP(w, req)
			return
		}
		s := time.Now()
		a.ServeHTTP(w, req)
		d := time.Since(s)
		if i := r.handled.Add(1) - 1; i < int64(len(r.times)) {
			r.times[i] = d
		}
	}), ReadHeaderTimeout: 10 * time.Second}
	go r.http.Serve(ln)
	rctx, cancel := context.WithCancel(ctx)
	r.cancel = cancel
	go func() { defer close(r.done); a.Run(rctx) }()
	return r, nil
}

func (r *runningAgent) stop() {
	r.cancel()
	<-r.done
	r.http.Close()
}

// metric is the sum of the agent's metric's series that carry labels.
func (r *runningAgent) metric(name string, labels map[string]string) float64 {
	w := httptest.NewRecorder()
	r.metrics.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	v, err := serverproc.Sum(w.Body, name, labels)
	if err != nil {
		panic(err)
	}
	return v
}

const callsMetric = "pod_identity_eks_auth_request_duration_seconds"

type answer struct {
	AccessKeyID string `json:"AccessKeyId"`
	Expiration  string
}

// fetch asks the agent for pod i's credentials.
func (b *bench) fetch(c *http.Client, url string, i int) (answer, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Authorization", b.tokens[i])
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return answer{}, fmt.Errorf("pod %d: %d %s", i, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	var a answer
	if err := json.Unmarshal(body, &a); err != nil || a.AccessKeyID == "" {
		return answer{}, fmt.Errorf("pod %d: answer %q", i, body)
	}
	return a, nil
}

// fill has every pod fetch its credentials at the same moment, each on
// a connection of its own, and returns their latencies and errors.
func (b *bench) fill(ag *runningAgent) ([]time.Duration, []error, time.Duration) {
	n := b.o.pods
	lat := make([]time.Duration, n)
	errs := make([]error, n)
	clients := make([]*http.Client, n)
	for i := range clients {
		clients[i] = &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 1}, Timeout: 30 * time.Second}
	}
	go0 := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-go0
			s := time.Now()
			_, errs[i] = b.fetch(clients[i], ag.url, i)
			lat[i] = time.Since(s)
		})
	}
	s := time.Now()
	close(go0)
	wg.Wait()
	wall := time.Since(s)
	for _, c := range clients {
		c.CloseIdleConnections()
	}
	return lat, errs, wall
}

// fillRetrying fills the cache as fill does, then asks again, up to
// three times, for the pods that got an error (the SDKs retry too): the
// cached and renewal phases need every pod in the cache, the cold phase
// reports the errors.
func (b *bench) fillRetrying(ag *runningAgent) error {
	_, errs, _ := b.fill(ag)
	c := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 30 * time.Second}
	defer c.CloseIdleConnections()
	retried := 0
	for i, err := range errs {
		for try := 0; err != nil && try < 3; try++ {
			retried++
			_, err = b.fetch(c, ag.url, i)
		}
		if err != nil {
			return fmt.Errorf("the cache could not be filled: %w", err)
		}
	}
	if retried > 0 {
		fmt.Printf("  filling the cache took %d retries (first error: %v)\n", retried, firstErr(errs))
	}
	return nil
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) cold(ag *runningAgent) error {
	fmt.Printf("cold: %d pods fetch at once\n", b.o.pods)
	before, err := b.srv.Requests("eks-auth", "AssumeRoleForPodIdentity", "")
	if err != nil {
		return err
	}
	lat, errs, wall := b.fill(ag)
	after, err := b.srv.Requests("eks-auth", "AssumeRoleForPodIdentity", "")
	if err != nil {
		return err
	}
	failed := countErrs(errs)
	slices.Sort(lat)
	fmt.Printf("  %d fetches in %v: p50 %v, p99 %v, slowest %v\n", len(lat), wall.Round(time.Millisecond), q(lat, 0.5), q(lat, 0.99), lat[len(lat)-1].Round(time.Microsecond))
	b.check(failed == 0, "%d fetches failed", failed)
	server := int(after - before)
	calls := int(ag.metric(callsMetric, nil))
	b.check(server == b.o.pods, "eks-auth answered %d calls (server's podiam_requests_total), one a pod", server)
	b.check(calls == b.o.pods, "the agent made %d eks-auth calls, one a pod", calls)
	return nil
}

func countErrs(errs []error) int {
	n := 0
	var first error
	for _, err := range errs {
		if err != nil {
			n++
			if first == nil {
				first = err
			}
		}
	}
	if first != nil {
		fmt.Printf("  first error: %v\n", first)
	}
	return n
}

func q(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(p*float64(len(sorted)-1))].Round(time.Microsecond)
}

func (b *bench) cached(ag *runningAgent) error {
	if ag.a.Len() < b.o.pods {
		if err := b.fillRetrying(ag); err != nil {
			return fmt.Errorf("cached: %w", err)
		}
	}
	fmt.Printf("cached: %d requests over %d pods from %d clients\n", b.o.requests, b.o.pods, b.o.clients)
	calls0 := ag.metric(callsMetric, nil)
	c := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: b.o.clients}}
	lat := make([]time.Duration, b.o.requests)
	var next, failed atomic.Int64
	var firstErr atomic.Value
	ag.handled.Store(0)
	ag.timing.Store(true)
	var wg sync.WaitGroup
	s := time.Now()
	for range b.o.clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.o.requests {
					return
				}
				t := time.Now()
				if _, err := b.fetch(c, ag.url, i%b.o.pods); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(s)
	ag.timing.Store(false)
	c.CloseIdleConnections()
	slices.Sort(lat)
	times := ag.times[:min(int(ag.handled.Load()), len(ag.times))]
	slices.Sort(times)
	fmt.Printf("  %d requests in %v: %.0f req/s\n", b.o.requests, elapsed.Round(time.Millisecond), float64(b.o.requests)/elapsed.Seconds())
	fmt.Printf("  round trip over loopback: p50 %v, p99 %v\n", q(lat, 0.5), q(lat, 0.99))
	fmt.Printf("  the agent's handler:      p50 %v, p99 %v\n", q(times, 0.5), q(times, 0.99))
	if e := firstErr.Load(); e != nil {
		fmt.Printf("  first error: %v\n", e)
	}
	b.check(failed.Load() == 0, "%d requests failed", failed.Load())
	calls := int(ag.metric(callsMetric, nil) - calls0)
	b.check(calls == 0, "%d eks-auth calls while answering from the cache", calls)
	return nil
}

// seen is what the renewal phase's clients have seen of one pod.
type seen struct {
	mu   sync.Mutex
	keys []string // the distinct AccessKeyIds answered
}

func (b *bench) renewal(ag *runningAgent) error {
	how := fmt.Sprintf("credentials renewed every %v (retention)", b.o.retention)
	if b.o.session > 0 {
		how = fmt.Sprintf("sessions with %v left when they arrive, renewed at 2/3 of that", b.o.session)
	}
	fmt.Printf("renewal: %d pods, %s, %d clients fetching until every pod has been seen through %d renewals\n", b.o.pods, how, b.o.clients, b.o.renewals)
	server0, err := b.srv.Requests("eks-auth", "AssumeRoleForPodIdentity", "")
	if err != nil {
		return err
	}
	if err := b.fillRetrying(ag); err != nil {
		return fmt.Errorf("renewal: %w", err)
	}
	misses0 := ag.metric("pod_identity_cache_state", map[string]string{"state": "miss"})
	pods := make([]seen, b.o.pods)
	var done, requests, failed, short atomic.Int64
	var firstErr atomic.Value
	var minLeft atomic.Int64
	minLeft.Store(int64(24 * time.Hour))
	want := b.o.renewals + 1
	stop := make(chan struct{})
	c := &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: b.o.clients}, Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	s := time.Now()
	var next atomic.Int64
	for range b.o.clients {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := int(next.Add(1)-1) % b.o.pods
				a, err := b.fetch(c, ag.url, i)
				requests.Add(1)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				exp, err := time.Parse(time.RFC3339Nano, a.Expiration)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Errorf("pod %d: expiration %q", i, a.Expiration))
					continue
				}
				left := exp.Sub(ag.cfg.Now())
				if left <= agent.MinRemaining {
					short.Add(1)
				}
				for {
					m := minLeft.Load()
					if int64(left) >= m || minLeft.CompareAndSwap(m, int64(left)) {
						break
					}
				}
				p := &pods[i]
				p.mu.Lock()
				if !slices.Contains(p.keys, a.AccessKeyID) {
					p.keys = append(p.keys, a.AccessKeyID)
					if len(p.keys) == want {
						done.Add(1)
					}
				}
				p.mu.Unlock()
			}
		})
	}
	deadline := time.After(b.o.timeout)
	tick := time.NewTicker(100 * time.Millisecond)
wait:
	for done.Load() < int64(b.o.pods) {
		select {
		case <-deadline:
			break wait
		case <-tick.C:
		}
	}
	tick.Stop()
	close(stop)
	wg.Wait()
	elapsed := time.Since(s)
	c.CloseIdleConnections()
	renewed, least := 0, int(^uint(0)>>1)
	for i := range pods {
		n := len(pods[i].keys) - 1
		renewed += n
		least = min(least, n)
	}
	server1, err := b.srv.Requests("eks-auth", "AssumeRoleForPodIdentity", "")
	if err != nil {
		return err
	}
	misses := int(ag.metric("pod_identity_cache_state", map[string]string{"state": "miss"}) - misses0)
	renewErrs := int(ag.metric("pod_identity_cache_errors", nil))
	fmt.Printf("  %v: %d requests, %d renewals seen (every pod at least %d), %d eks-auth calls (the fill's %d included), least time left on an answer %v\n",
		elapsed.Round(time.Millisecond), requests.Load(), renewed, least, int(server1-server0), b.o.pods, time.Duration(minLeft.Load()).Round(time.Second))
	if e := firstErr.Load(); e != nil {
		fmt.Printf("  first error: %v\n", e)
	}
	b.check(failed.Load() == 0, "%d requests failed", failed.Load())
	b.check(least >= b.o.renewals, "every pod seen through %d renewals (least %d)", b.o.renewals, least)
	b.check(misses == 0, "%d requests found no servable credentials and waited for eks-auth", misses)
	b.check(short.Load() == 0, "%d answers with %v or less to live", short.Load(), agent.MinRemaining)
	b.check(renewErrs == 0, "%d renewals failed", renewErrs)
	return nil
}
