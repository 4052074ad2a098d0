package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/podiam/podiam/internal/server"
	"github.com/podiam/podiam/internal/sigv4"
)

// answer is what a server said on a connection of a test's own.
type answer struct {
	status int    // 0: no answer, the connection closed (err says how)
	body   string // the answer's body
	after  time.Duration
	err    error
	closed bool // the server closed the connection after an error
}

// paced sends a request signed by c for service over a connection of its
// own: its head at once, then its body chunk bytes every interval, until
// all is sent or the server answers. It waits up to a minute for the
// answer (a server without limits would never give one) and, after an
// error, for the connection to close; after is measured from the head.
func paced(t *testing.T, base string, c aws.Credentials, service, method, path string, header http.Header, body []byte, chunk int, every time.Duration) answer {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(method, base+path, nil)
	req.ContentLength = int64(len(body))
	for k, vs := range header {
		req.Header[k] = vs
	}
	hash := sigv4.HashPayload(body)
	if service == "s3" {
		req.Header.Set("X-Amz-Content-Sha256", hash)
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, hash, service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var head bytes.Buffer
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", method, req.URL.RequestURI(), u.Host, len(body))
	req.Header.Write(&head)
	head.WriteString("\r\n")
	if _, err := conn.Write(head.Bytes()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	answered := make(chan struct{})
	defer close(answered)
	go func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for rest := body; len(rest) > 0; {
			select {
			case <-answered:
				return
			case <-tick.C:
			}
			n := min(chunk, len(rest))
			if _, err := conn.Write(rest[:n]); err != nil {
				return
			}
			rest = rest[n:]
		}
	}()
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	a := answer{after: time.Since(start), err: err}
	if err != nil {
		return a
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	a.status, a.body = resp.StatusCode, string(b)
	if resp.StatusCode >= 400 {
		_, err = br.ReadByte()
		a.closed = err != nil
	}
	return a
}

// putLarge is the positive control of each limit: an honest upload of a
// few MiB through aws-sdk-go-v2 succeeds and reads back whole.
func putLarge(t *testing.T, c *s3.Client, key string) {
	t.Helper()
	body := make([]byte, 6<<20)
	rand.Read(body)
	if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("limits"), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("an honest PutObject of 6 MiB: %v", err)
	}
	if _, got := getObject(t, c, aws.String("limits"), aws.String(key)); !bytes.Equal(got, body) {
		t.Fatal("the object read back differs")
	}
}

// limitsServer starts a server with the change to its configuration and
// a bucket "limits"; it returns the server, the root's credentials and
// an S3 client for them.
func limitsServer(t *testing.T, change func(*server.Config)) (*running, aws.Credentials, *s3.Client) {
	t.Helper()
	dir := t.TempDir()
	r := startWith(t, dir, change)
	root := readCredentials(t, dir)
	c := s3Client(r.url, root)
	if _, err := c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("limits")}); err != nil {
		t.Fatal(err)
	}
	return r, root, c
}

// TestSlowBody: a body trickled in at one byte a second is cut once the
// window (here 2 s, at the default 1 KiB/s) has passed without its 2 KiB:
// S3 answers 400 RequestTimeout in its XML, IAM in the Query error and
// Organizations in JSON, and the connection is closed. An upload that
// keeps to the rate lasts several windows and succeeds, and so does an
// ordinary PutObject of 6 MiB.
func TestSlowBody(t *testing.T) {
	const window = 2 * time.Second
	r, root, c := limitsServer(t, func(c *server.Config) { c.BodyTimeout = window })
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}
	trickled := []struct {
		name, service, method, path string
		header                      http.Header
		body                        string
		want                        string
	}{
		{"S3 PutObject", "s3", "PUT", "/limits/slow", nil, strings.Repeat("x", 100), "<Code>RequestTimeout</Code>"},
		{"IAM GetUser", "iam", "POST", "/", form, "Action=GetUser&Version=2010-05-08&UserName=nobody-at-all", "<Code>RequestTimeout</Code>"},
		{"Organizations DescribeOrganization", "organizations", "POST", "/", http.Header{
			"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"AWSOrganizationsV20161128.DescribeOrganization"}},
			"{" + strings.Repeat(" ", 60) + "}", `"__type":"RequestTimeout"`},
	}
	for _, tt := range trickled {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := paced(t, r.url, root, tt.service, tt.method, tt.path, tt.header, []byte(tt.body), 1, time.Second)
			if a.status != http.StatusBadRequest || !strings.Contains(a.body, tt.want) || !strings.Contains(a.body, "not read from or written to within the timeout period") {
				t.Fatalf("answer %d %q (%v), want 400 with %s", a.status, a.body, a.err, tt.want)
			}
			if a.after < window || a.after > window+30*time.Second {
				t.Errorf("answered %v after the head, want soon after the %v window", a.after, window)
			}
			if !a.closed {
				t.Error("the connection stayed open after RequestTimeout")
			}
		})
	}
	t.Run("an upload at 12 KiB/s over two windows", func(t *testing.T) {
		t.Parallel()
		body := make([]byte, 48<<10)
		rand.Read(body)
		a := paced(t, r.url, root, "s3", "PUT", "/limits/steady", nil, body, 3<<10, 250*time.Millisecond)
		if a.status != http.StatusOK {
			t.Fatalf("answer %d %q (%v)", a.status, a.body, a.err)
		}
		if _, got := getObject(t, c, aws.String("limits"), aws.String("steady")); !bytes.Equal(got, body) {
			t.Fatal("the object read back differs")
		}
	})
	t.Run("an ordinary PutObject", func(t *testing.T) {
		t.Parallel()
		putLarge(t, c, "large")
	})
}

// signedGet is a signed ListObjectsV2 of the bucket "limits".
func signedGet(t *testing.T, base string, c aws.Credentials) *http.Request {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/limits?list-type=2", nil)
	req.Header.Set("X-Amz-Content-Sha256", sigv4.HashPayload(nil))
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, sigv4.HashPayload(nil), "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

// closedWithin waits up to bound for the server to close conn, reading
// and dropping whatever it sends; it returns how long that took and
// what was read, or fails the test.
func closedWithin(t *testing.T, conn net.Conn, bound time.Duration) (time.Duration, []byte) {
	t.Helper()
	start := time.Now()
	conn.SetReadDeadline(start.Add(bound))
	got, err := io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the connection is still open after %v", bound)
	}
	return time.Since(start), got
}

// TestSlowHeaders: a client that keeps sending header lines, one every
// 100 ms, is disconnected once the header timeout (here 1 s) has passed,
// without an answer (there is no request yet to answer), while an
// ordinary PutObject on the same server succeeds.
func TestSlowHeaders(t *testing.T) {
	r, _, c := limitsServer(t, func(c *server.Config) { c.HeaderTimeout = time.Second })
	u, _ := url.Parse(r.url)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /limits HTTP/1.1\r\nHost: %s\r\n", u.Host)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := fmt.Fprintf(conn, "X-Header-%d: more\r\n", i); err != nil {
				return
			}
		}
	}()
	if took, got := closedWithin(t, conn, 30*time.Second); len(got) != 0 || took < 500*time.Millisecond {
		t.Fatalf("closed after %v with %q, want a silent close after the 1 s header timeout", took, got)
	}
	putLarge(t, c, "large")
}

// TestIdleTimeout: a keep-alive connection serves one request after
// another, and is closed once it has been idle for the idle timeout
// (here 1 s).
func TestIdleTimeout(t *testing.T) {
	r, root, c := limitsServer(t, func(c *server.Config) { c.IdleTimeout = time.Second })
	u, _ := url.Parse(r.url)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	for i := range 3 {
		if err := signedGet(t, r.url, root).Write(conn); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d on the kept-alive connection: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	if took, got := closedWithin(t, conn, 30*time.Second); len(got) != 0 || took < 500*time.Millisecond {
		t.Fatalf("closed after %v with %q, want a silent close after the 1 s idle timeout", took, got)
	}
	putLarge(t, c, "large")
}

// TestLargeHeaders: an S3 request whose header section is over the
// limit (S3's 8 KiB by default) is refused with S3's 400
// RequestHeaderSectionTooLarge; a head far larger still is cut off at
// the connection with 431. Headers just under the limit, an IAM request
// over it (AWS documents no such limit for IAM) and an ordinary
// PutObject succeed.
func TestLargeHeaders(t *testing.T) {
	r, root, c := limitsServer(t, nil)
	pad := func(n int) func(*http.Request) {
		return func(req *http.Request) { req.Header.Set("X-Pad", strings.Repeat("p", n)) }
	}
	t.Run("SDK PutObject with 10 KB of metadata", func(t *testing.T) {
		meta := map[string]string{}
		for i := range 5 {
			meta[fmt.Sprint("m", i)] = strings.Repeat("v", 2000)
		}
		_, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("limits"), Key: aws.String("meta"), Body: strings.NewReader("x"), Metadata: meta})
		if apiCode(err) != "RequestHeaderSectionTooLarge" {
			t.Fatalf("error %v, want RequestHeaderSectionTooLarge", err)
		}
	})
	t.Run("a 9 KiB header", func(t *testing.T) {
		got := send(t, signedRequest(t, http.MethodGet, r.url+"/limits?list-type=2", "", root, "s3", pad(9<<10)))
		status, body := got.status, got.body
		if status != http.StatusBadRequest || !strings.Contains(body, "<Code>RequestHeaderSectionTooLarge</Code>") ||
			!strings.Contains(body, "<Message>Your request header section exceeds the maximum allowed size.</Message>") ||
			!strings.Contains(body, "<MaxSizeAllowed>8192</MaxSizeAllowed>") {
			t.Fatalf("%d %s", status, body)
		}
	})
	t.Run("headers without end", func(t *testing.T) {
		u, _ := url.Parse(r.url)
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		go func() {
			fmt.Fprintf(conn, "GET /limits HTTP/1.1\r\nHost: %s\r\n", u.Host)
			line := "X-More: " + strings.Repeat("m", 1000) + "\r\n"
			for range 1000 {
				if _, err := io.WriteString(conn, line); err != nil {
					return
				}
			}
		}()
		_, got := closedWithin(t, conn, 30*time.Second)
		if !bytes.HasPrefix(got, []byte("HTTP/1.1 431 ")) {
			t.Fatalf("answer %.100q, want 431", got)
		}
	})
	t.Run("7 KiB of headers", func(t *testing.T) {
		if got := send(t, signedRequest(t, http.MethodPut, r.url+"/limits/padded", "x", root, "s3", pad(7<<10))); got.status != http.StatusOK {
			t.Fatalf("%d %s", got.status, got.body)
		}
	})
	t.Run("IAM with a 9 KiB header", func(t *testing.T) {
		form := "Action=ListUsers&Version=2010-05-08"
		req := signedRequest(t, http.MethodPost, r.url+"/", form, root, "iam", func(req *http.Request) {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			pad(9 << 10)(req)
		})
		if got := send(t, req); got.status != http.StatusOK {
			t.Fatalf("%d %s", got.status, got.body)
		}
	})
	putLarge(t, c, "large")
}

// TestConnectionLimit, with room for two connections: a third client
// is served at once when a connection is idle between requests (the
// oldest idle one is closed to make room), and waits for a slot when
// none is idle; ordinary uploads succeed in both cases.
func TestConnectionLimit(t *testing.T) {
	limit := func(c *server.Config) { c.MaxConnections = 2 }
	dial := func(t *testing.T, base string) (net.Conn, *bufio.Reader) {
		t.Helper()
		u, _ := url.Parse(base)
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn, bufio.NewReader(conn)
	}
	// list sends a signed request on conn and waits up to 30 s for the
	// answer.
	list := func(t *testing.T, base string, c aws.Credentials, conn net.Conn, br *bufio.Reader) {
		t.Helper()
		if err := signedGet(t, base, c).Write(conn); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}

	t.Run("idle connections make room", func(t *testing.T) {
		r, root, c := limitsServer(t, limit)
		// The server marks a connection idle once it has written the
		// answer, which the client may have read before that: a pause
		// after each answer keeps the idle order the order of the
		// requests on a loaded machine (without it, second could turn
		// idle before first, and be the one closed).
		settle := func() { time.Sleep(250 * time.Millisecond) }
		first, firstR := dial(t, r.url)
		list(t, r.url, root, first, firstR)
		settle()
		second, secondR := dial(t, r.url)
		list(t, r.url, root, second, secondR)
		settle()
		third, thirdR := dial(t, r.url)
		list(t, r.url, root, third, thirdR)
		if _, got := closedWithin(t, first, 30*time.Second); len(got) != 0 {
			t.Fatalf("the oldest idle connection got %q", got)
		}
		putLarge(t, c, "large")
	})

	t.Run("with none idle, a new connection waits", func(t *testing.T) {
		r, root, c := limitsServer(t, limit)
		// Two connections that have not sent a request: not idle, and
		// held until the header timeout (10 s).
		held, _ := dial(t, r.url)
		dial(t, r.url)
		third, thirdR := dial(t, r.url)
		if err := signedGet(t, r.url, root).Write(third); err != nil {
			t.Fatal(err)
		}
		third.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if b, err := thirdR.Peek(1); err == nil {
			t.Fatalf("answered %q while both slots were held", b)
		}
		held.Close()
		third.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(thirdR, nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("after a slot was freed: %v %v", resp, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		putLarge(t, c, "large")
	})
}
