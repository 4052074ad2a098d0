package serverproc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Server is a running podiam server.
type Server struct {
	URL  string
	PID  int
	Root aws.Credentials
	cmd  *exec.Cmd
}

// Build builds ./cmd/podiam into dir and returns the binary's path.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "podiam")
	build := exec.Command("go", "build", "-o", bin, "./cmd/podiam")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("build: %w", err)
	}
	return bin, nil
}

// Start starts bin as `server --data <work>/data --listen 127.0.0.1:<free
// port>` and extra arguments, and waits until it serves.
func Start(bin, work string, extra ...string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	data := filepath.Join(work, "data")
	cmd := exec.Command(bin, append([]string{"server", "--data", data, "--listen", addr}, extra...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() && !strings.Contains(sc.Text(), "podiam is serving") {
	}
	go io.Copy(io.Discard, out)
	s := &Server{URL: "http://" + addr, PID: cmd.Process.Pid, cmd: cmd}
	if s.Root, err = RootCredentials(filepath.Join(data, "credentials")); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// Stop interrupts the server and waits for it to exit.
func (s *Server) Stop() {
	s.cmd.Process.Signal(os.Interrupt)
	s.cmd.Wait()
}

// CPUTime is the server process's user and system CPU time, from /proc.
func (s *Server) CPUTime() (time.Duration, error) { return CPUTime(s.PID) }

// CPUTime is a process's user and system CPU time, from /proc.
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// After the command name (which may hold spaces): utime is the 14th
	// field and stime the 15th, in clock ticks (100 a second).
	st := string(b)
	f := strings.Fields(st[strings.LastIndexByte(st, ')')+2:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * 10 * time.Millisecond, nil
}

// Requests is the sum of podiam_requests_total over the series of service
// and action with outcome (every outcome when outcome is "").
func (s *Server) Requests(service, action, outcome string) (float64, error) {
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	labels := map[string]string{"service": service, "action": action}
	if outcome != "" {
		labels["outcome"] = outcome
	}
	return Sum(resp.Body, "podiam_requests_total", labels)
}

// Sum adds the values of the counters, gauges or histograms (their sample
// counts) of a Prometheus text exposition named metric whose labels
// include labels.
func Sum(exposition io.Reader, metric string, labels map[string]string) (float64, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(exposition)
	if err != nil {
		return 0, fmt.Errorf("read metrics: %w", err)
	}
	var sum float64
	for _, m := range families[metric].GetMetric() {
		n := 0
		for _, l := range m.GetLabel() {
			if v, ok := labels[l.GetName()]; ok && v == l.GetValue() {
				n++
			}
		}
		if n != len(labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum, nil
}

var credLine = regexp.MustCompile(`(?m)^aws_(access_key_id|secret_access_key) = (\S+)$`)

// RootCredentials reads the first account's root key from a server's
// credentials file.
func RootCredentials(path string) (aws.Credentials, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return aws.Credentials{}, err
	}
	var c aws.Credentials
	for _, m := range credLine.FindAllStringSubmatch(string(b), -1) {
		if m[1] == "access_key_id" {
			c.AccessKeyID = m[2]
		} else {
			c.SecretAccessKey = m[2]
		}
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return c, fmt.Errorf("no root credentials in %s", path)
	}
	return c, nil
}
