package difftest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// oracleEnv names the oracle script; `make test` sets it.
const oracleEnv = "PODIAM_ORACLE"

// Time limits for the oracle. A batch may take batchBase plus perLine for
// each of its lines (the oracle answers about 14,000 lines a second, so
// this is generous); the process gets stopGrace to exit once its input is
// closed.
const (
	batchBase = 30 * time.Second
	perLine   = time.Millisecond
	stopGrace = 5 * time.Second
)

// answer is one line the oracle writes.
type answer struct {
	ID       json.RawMessage `json:"id"`
	Decision string          `json:"decision"`
	Detail   string          `json:"detail"`
	Error    string          `json:"error"`
}

// oracle is the iam-simulate process: started once per test binary and
// shared by the tests, one batch at a time.
type oracle struct {
	cmd    *exec.Cmd
	cancel context.CancelFunc
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *tail
	done   chan struct{} // closed when the process has exited

	base   time.Duration // batchBase, shorter in the client's own tests
	mu     sync.Mutex    // one batch at a time
	broken error         // set once the process cannot be used any more
}

var (
	oracleOnce sync.Once
	shared     *oracle
	sharedErr  error
)

// TestMain stops the oracle, if a test started it, before the binary
// exits.
func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		if err := shared.close(); err != nil {
			fmt.Fprintf(os.Stderr, "difftest: stop oracle: %v\n", err)
		}
	}
	os.Exit(code)
}

// sharedOracle returns the oracle process, starting it on first use. It
// skips t when PODIAM_ORACLE is unset and fails t when the process cannot
// be started.
func sharedOracle(t *testing.T) *oracle {
	t.Helper()
	script := os.Getenv(oracleEnv)
	if script == "" {
		t.Skipf("%s is not set: `make test` sets it and runs the differential tests (see docs/differential-testing.md)", oracleEnv)
	}
	oracleOnce.Do(func() { shared, sharedErr = startOracle(script, batchBase) })
	if sharedErr != nil {
		t.Fatalf("%s=%s: %v", oracleEnv, script, sharedErr)
	}
	return shared
}

// startOracle starts `node script` and checks that it answers a known
// line within base.
func startOracle(script string, base time.Duration) (*oracle, error) {
	if _, err := os.Stat(script); err != nil {
		return nil, fmt.Errorf("start oracle: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.WaitDelay = stopGrace
	o := &oracle{cmd: cmd, cancel: cancel, stderr: &tail{max: 8 << 10}, done: make(chan struct{}), base: base}
	cmd.Stderr = o.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("start oracle: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("start oracle: %w", err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("start oracle: %w", err)
	}
	o.stdin, o.stdout = stdin, bufio.NewReaderSize(stdout, 1<<16)
	go func() {
		_ = cmd.Wait()
		close(o.done)
	}()
	// One known answer proves that node, the script and its npm packages
	// all work before any test relies on them.
	probe := line{
		Principal: "arn:aws:iam::111122223333:user/probe", Action: "s3:GetObject",
		Resource: "arn:aws:s3:::b/k", ResourceAccount: "111122223333",
		Identity: []policyEntry{{Name: "p", Document: json.RawMessage(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`)}},
	}
	got, err := o.ask([]line{probe})
	if err == nil && got[0].Decision != "allowed" {
		err = fmt.Errorf("probe answered %+v, want allowed", got[0])
	}
	if err != nil {
		_ = o.close()
		return nil, err
	}
	return o, nil
}

// ask sends lines and returns the answers in the same order. Lines are
// written by one goroutine while this one reads, so a batch of any size
// streams through the pipe. The whole batch must be answered within
// o.base+len(lines)*perLine, or the process is killed.
func (o *oracle) ask(lines []line) ([]answer, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.broken != nil {
		return nil, o.broken
	}
	limit := o.base + time.Duration(len(lines))*perLine
	var timedOut bool
	var tmu sync.Mutex
	watchdog := time.AfterFunc(limit, func() {
		tmu.Lock()
		timedOut = true
		tmu.Unlock()
		o.cancel()
	})
	defer watchdog.Stop()

	werr := make(chan error, 1)
	go func() { werr <- writeLines(o.stdin, lines) }()

	out := make([]answer, len(lines))
	var rerr error
	for i := range lines {
		b, err := o.stdout.ReadBytes('\n')
		if err != nil {
			rerr = fmt.Errorf("read answer %d of %d: %w", i+1, len(lines), err)
			break
		}
		if err := json.Unmarshal(b, &out[i]); err != nil {
			rerr = fmt.Errorf("read answer %d of %d: %w: %q", i+1, len(lines), err, b)
			break
		}
		if want := fmt.Sprint(lines[i].ID); string(out[i].ID) != want {
			rerr = fmt.Errorf("answer %d has id %s, want %s", i+1, out[i].ID, want)
			break
		}
	}
	if rerr != nil {
		// Stop the process (the writer may be blocked on a pipe nobody
		// reads) and wait for it, so that all of its stderr is in.
		o.cancel()
		<-o.done
	}
	if err := <-werr; err != nil && rerr == nil {
		rerr = err
	}
	if rerr != nil {
		tmu.Lock()
		if timedOut {
			rerr = fmt.Errorf("no answer within %v: %w", limit, rerr)
		}
		tmu.Unlock()
		o.broken = fmt.Errorf("oracle: %w%s", rerr, o.stderr.describe())
		return nil, o.broken
	}
	return out, nil
}

func writeLines(w io.Writer, lines []line) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range lines {
		if err := enc.Encode(&lines[i]); err != nil {
			return fmt.Errorf("write line %d: %w", i+1, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write lines: %w", err)
	}
	return nil
}

// close ends the process: stdin is closed so that it exits by itself;
// after stopGrace it is killed.
func (o *oracle) close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	_ = o.stdin.Close()
	select {
	case <-o.done:
	case <-time.After(stopGrace):
		o.cancel()
		<-o.done
		return fmt.Errorf("oracle did not exit within %v of its input closing; killed", stopGrace)
	}
	o.cancel()
	if o.broken == nil && o.cmd.ProcessState != nil && !o.cmd.ProcessState.Success() {
		return fmt.Errorf("oracle exited with %v%s", o.cmd.ProcessState, o.stderr.describe())
	}
	return nil
}

// tail keeps the last max bytes written to it: the oracle's stderr.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// describe returns the stderr text for an error message, or "".
func (t *tail) describe() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(bytes.ToValidUTF8(t.buf, nil)))
	if s == "" {
		return ""
	}
	return "; stderr: " + s
}

// TestOracleFailures checks that the client reports every way the oracle
// process can fail instead of passing silently: it runs small stand-in
// scripts in its place.
func TestOracleFailures(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv(oracleEnv) != "" {
			t.Fatalf("%s is set but node is not on PATH: %v", oracleEnv, err)
		}
		t.Skipf("node is not on PATH; `make test` installs it and runs the differential tests")
	}
	tests := []struct {
		name   string
		script string // "" for a script that does not exist
		want   string // in the error
		// limit is the time the client allows: long enough for node to
		// start on a loaded machine, except where the time-out is tested.
		limit time.Duration
	}{
		{name: "no script", want: "no such file", limit: time.Minute},
		{name: "exits at once", script: `process.stderr.write("boom\n"); process.exit(3);`, want: "boom", limit: time.Minute},
		{name: "not JSON", script: `process.stdin.on("data", () => process.stdout.write("hello\n"));`, want: "invalid character", limit: time.Minute},
		{name: "wrong id", script: `process.stdin.on("data", () => process.stdout.write('{"id":"x","decision":"allowed"}\n'));`, want: "has id", limit: time.Minute},
		{name: "never answers", script: `process.stdin.resume();`, want: "no answer within", limit: 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "oracle.mjs")
			if tt.script != "" {
				if err := os.WriteFile(path, []byte(tt.script), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			o, err := startOracle(path, tt.limit)
			if err == nil {
				_ = o.close()
				t.Fatalf("startOracle succeeded, want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}
