package sigv4_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/podiam/podiam/internal/sigv4"
)

// The example credentials and time of AWS's Signature Version 4
// documentation and test suite.
const (
	exampleKey    = "AKIDEXAMPLE"
	exampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

var exampleTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

// TestKnownAnswers verifies requests whose signatures were published with
// the SigV4 documentation and test suite.
func TestKnownAnswers(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		url     string
		headers map[string]string
		auth    string
	}{
		{
			name: "get-vanilla", method: "GET", url: "https://example.amazonaws.com/",
			headers: map[string]string{"X-Amz-Date": "20150830T123600Z"},
			auth:    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		},
		{
			name: "iam-list-users", method: "GET", url: "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
			headers: map[string]string{"X-Amz-Date": "20150830T123600Z", "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
			auth:    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.url, nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			r.Header.Set("Authorization", tt.auth)
			a, err := sigv4.Parse(r, r.URL.Query())
			if err != nil {
				t.Fatal(err)
			}
			if err := sigv4.Verify(r, a, exampleSecret, sigv4.EmptySHA256, exampleTime, sigv4.Options{}); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			// One bit off in the secret, the time or a signed header fails.
			if err := sigv4.Verify(r, a, exampleSecret+"x", sigv4.EmptySHA256, exampleTime, sigv4.Options{}); kind(err) != sigv4.Mismatch {
				t.Fatalf("wrong secret: %v, want a mismatch", err)
			}
			r.Host = "evil.example.com"
			if err := sigv4.Verify(r, a, exampleSecret, sigv4.EmptySHA256, exampleTime, sigv4.Options{}); kind(err) != sigv4.Mismatch {
				t.Fatalf("changed host: %v, want a mismatch", err)
			}
		})
	}
}

func kind(err error) sigv4.Kind {
	var e *sigv4.Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// TestSDKRoundTrip signs requests with aws-sdk-go-v2's signer and verifies
// them: header and presigned, several services, odd paths and queries,
// session tokens.
func TestSDKRoundTrip(t *testing.T) {
	signer := v4.NewSigner()
	ctx := context.Background()
	now := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	creds := aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	session := creds
	session.AccessKeyID, session.SessionToken = "ASIAEXAMPLE", "FwoGZXIvYXdzE-token_with-URL~safe.chars"
	tests := []struct {
		name    string
		method  string
		url     string
		body    string
		service string
		creds   aws.Credentials
		s3      bool
	}{
		{name: "sts form post", method: "POST", url: "http://127.0.0.1:4580/", body: "Action=GetCallerIdentity&Version=2011-06-15", service: "sts", creds: creds},
		{name: "iam with session token", method: "POST", url: "http://127.0.0.1:4580/", body: "Action=GetRole&RoleName=a%2Bb&Version=2010-05-08", service: "iam", creds: session},
		{name: "query with odd characters", method: "GET", url: "http://localhost:4580/?Action=ListRoles&PathPrefix=%2Fa%20b%2F&Version=2010-05-08&empty=", service: "iam", creds: creds},
		{name: "s3 key with spaces and unicode", method: "GET", url: "http://127.0.0.1:4580/bucket/dir/a%20b%2Bc%C3%A9.txt?list-type=2&prefix=x%2Fy", service: "s3", creds: creds, s3: true},
		{name: "s3 double slash", method: "PUT", url: "http://127.0.0.1:4580/bucket//key", body: "hello", service: "s3", creds: session, s3: true},
		{name: "eks rest path", method: "POST", url: "http://127.0.0.1:4580/clusters/dev/pod-identity-associations", body: `{"namespace":"default"}`, service: "eks", creds: creds},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/header", func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			hash := sigv4.HashPayload([]byte(tt.body))
			if tt.s3 {
				r.Header.Set("X-Amz-Content-Sha256", hash)
			}
			out := r.Clone(ctx)
			out.RequestURI = ""
			err := signer.SignHTTP(ctx, tt.creds, out, hash, tt.service, "us-west-2", now, func(o *v4.SignerOptions) {
				o.DisableURIPathEscaping = tt.s3
			})
			if err != nil {
				t.Fatal(err)
			}
			r.Header = out.Header
			a, err := sigv4.Parse(r, r.URL.Query())
			if err != nil {
				t.Fatal(err)
			}
			if a.AccessKeyID != tt.creds.AccessKeyID || a.Service != tt.service || a.Region != "us-west-2" || a.SecurityToken != tt.creds.SessionToken {
				t.Fatalf("parsed %+v", a)
			}
			if err := sigv4.Verify(r, a, tt.creds.SecretAccessKey, hash, now.Add(time.Minute), sigv4.Options{S3: tt.s3}); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			// A changed body no longer matches its signature.
			if err := sigv4.Verify(r, a, tt.creds.SecretAccessKey, sigv4.HashPayload([]byte(tt.body+"!")), now, sigv4.Options{S3: tt.s3}); kind(err) != sigv4.Mismatch {
				t.Fatalf("changed body: %v", err)
			}
		})
		t.Run(tt.name+"/presigned", func(t *testing.T) {
			out := httptest.NewRequest(tt.method, tt.url, nil)
			out.RequestURI = ""
			q := out.URL.Query()
			q.Set("X-Amz-Expires", "900")
			out.URL.RawQuery = q.Encode()
			signed, _, err := signer.PresignHTTP(ctx, tt.creds, out, sigv4.UnsignedPayload, tt.service, "eu-central-1", now, func(o *v4.SignerOptions) {
				o.DisableURIPathEscaping = tt.s3
			})
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(tt.method, signed, nil)
			a, err := sigv4.Parse(r, r.URL.Query())
			if err != nil {
				t.Fatal(err)
			}
			if !a.Presigned || a.Expires != 900*time.Second {
				t.Fatalf("parsed %+v", a)
			}
			if err := sigv4.Verify(r, a, tt.creds.SecretAccessKey, sigv4.UnsignedPayload, now.Add(10*time.Minute), sigv4.Options{S3: tt.s3}); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if err := sigv4.Verify(r, a, tt.creds.SecretAccessKey, sigv4.UnsignedPayload, now.Add(16*time.Minute), sigv4.Options{S3: tt.s3}); kind(err) != sigv4.Expired {
				t.Fatalf("after expiry: %v, want expired", err)
			}
		})
	}
}

// TestErrors checks the kind (and so AWS's error code) of each failure.
func TestErrors(t *testing.T) {
	now := exampleTime
	good := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	presigned := "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Signature=" + strings.Repeat("a", 64)
	tests := []struct {
		name    string
		auth    string
		date    string
		query   string
		now     time.Time
		want    sigv4.Kind
		message string
	}{
		{name: "no authentication", want: sigv4.MissingAuthentication, message: "missing Authentication Token"},
		{name: "version 2", auth: "AWS AKIDEXAMPLE:sig", want: sigv4.Unsupported},
		{name: "sigv4a", auth: "AWS4-ECDSA-P256-SHA256 Credential=x", want: sigv4.Unsupported},
		{name: "garbage", auth: "Bearer abc", want: sigv4.Incomplete},
		{name: "no credential or signature", auth: "AWS4-HMAC-SHA256 SignedHeaders=host", want: sigv4.Incomplete, message: "requires 'Credential' parameter. Authorization header requires 'Signature' parameter."},
		{name: "short credential", auth: strings.Replace(good, "/service/aws4_request", "/service", 1), want: sigv4.Incomplete},
		{name: "bad terminator", auth: strings.Replace(good, "aws4_request", "aws4_reqest", 1), want: sigv4.Incomplete, message: "terminator"},
		{name: "host not signed", auth: strings.Replace(good, "host;x-amz-date", "x-amz-date", 1), want: sigv4.Incomplete, message: "'Host'"},
		{name: "upper-case signed header", auth: strings.Replace(good, "host;", "Host;", 1), want: sigv4.Incomplete},
		{name: "signed header no header can have", auth: strings.Replace(good, "host;", "host;x/s3/aws4_request;", 1), want: sigv4.Incomplete, message: "lower-case header names"},
		{name: "short signature", auth: good[:len(good)-2], want: sigv4.Incomplete},
		{name: "no date", auth: good, date: "-", want: sigv4.Incomplete, message: "'X-Amz-Date' or a 'Date'"},
		{name: "bad date", auth: good, date: "2015-08-30", want: sigv4.Incomplete},
		{name: "too old", auth: good, now: now.Add(16 * time.Minute), want: sigv4.Expired, message: "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T125200Z - 15 min.)"},
		{name: "too new", auth: good, now: now.Add(-16 * time.Minute), want: sigv4.Expired, message: "not yet current"},
		{name: "scope date differs", auth: strings.Replace(good, "20150830/", "20150831/", 1), want: sigv4.Mismatch, message: "Date in Credential scope"},
		{name: "credential twice", auth: strings.Replace(good, "SignedHeaders=", "Credential=AKIDOTHER/20150830/us-east-1/service/aws4_request, SignedHeaders=", 1), want: sigv4.Incomplete, message: `"Credential" more than once`},
		{name: "signature twice", auth: good + ", Signature=" + strings.Repeat("0", 64), want: sigv4.Incomplete, message: `"Signature" more than once`},
		{name: "signed headers twice", auth: good + ", SignedHeaders=host", want: sigv4.Incomplete, message: `"SignedHeaders" more than once`},
		{name: "presigned without algorithm", query: "X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2Faws4_request", want: sigv4.MalformedQuery},
		{name: "presigned missing parts", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256", want: sigv4.MalformedQuery, message: "X-Amz-Credential"},
		{name: "presigned too long", query: presigned + "&X-Amz-Expires=604801", want: sigv4.MalformedQuery, message: "604800"},
		{name: "presigned huge expiry", query: presigned + "&X-Amz-Expires=99999999999999999999999", want: sigv4.MalformedQuery, message: "604800"},
		{name: "presigned negative expiry", query: presigned + "&X-Amz-Expires=-1", want: sigv4.MalformedQuery, message: "non-negative"},
		{name: "presigned expiry not a number", query: presigned + "&X-Amz-Expires=1e3", want: sigv4.MalformedQuery, message: "should be a number"},
		{name: "presigned expiry with a sign", query: presigned + "&X-Amz-Expires=%2B60", want: sigv4.MalformedQuery, message: "should be a number"},
		{name: "presigned zero expiry has expired", query: presigned + "&X-Amz-Expires=0", now: now.Add(time.Second), want: sigv4.Expired, message: "Request has expired"},
		{name: "presigned credential twice", query: presigned + "&X-Amz-Credential=AKIDOTHER%2F20150830%2Fus-east-1%2Fs3%2Faws4_request", want: sigv4.MalformedQuery, message: "X-Amz-Credential at most once"},
		{name: "presigned signature twice", query: presigned + "&X-Amz-Signature=" + strings.Repeat("b", 64), want: sigv4.MalformedQuery, message: "X-Amz-Signature at most once"},
		{name: "presigned bad credential", query: strings.Replace(presigned, "aws4_request", "aws4", 1), want: sigv4.MalformedQuery, message: "terminator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "https://example.amazonaws.com/?"+tt.query, nil)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			switch tt.date {
			case "":
				r.Header.Set("X-Amz-Date", "20150830T123600Z")
			case "-":
			default:
				r.Header.Set("X-Amz-Date", tt.date)
			}
			at := tt.now
			if at.IsZero() {
				at = now
			}
			a, err := sigv4.Parse(r, r.URL.Query())
			if err == nil {
				err = sigv4.Verify(r, a, exampleSecret, sigv4.EmptySHA256, at, sigv4.Options{})
			}
			if kind(err) != tt.want {
				t.Fatalf("error %v, want kind %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("message %q lacks %q", err, tt.message)
			}
			if strings.Contains(err.Error(), exampleSecret) {
				t.Fatalf("message leaks the secret: %q", err)
			}
		})
	}
}

// TestMismatchExplains: a mismatch carries the canonical request and the
// string to sign, as AWS's message does, so a client can compare.
func TestMismatchExplains(t *testing.T) {
	r := httptest.NewRequest("GET", "https://example.amazonaws.com/", nil)
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature="+strings.Repeat("0", 64))
	a, err := sigv4.Parse(r, r.URL.Query())
	if err != nil {
		t.Fatal(err)
	}
	err = sigv4.Verify(r, a, exampleSecret, sigv4.EmptySHA256, exampleTime, sigv4.Options{})
	var e *sigv4.Error
	if !errors.As(err, &e) || e.Kind != sigv4.Mismatch {
		t.Fatalf("error %v, want a mismatch", err)
	}
	wantCreq := "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + sigv4.EmptySHA256
	if e.CanonicalRequest != wantCreq {
		t.Errorf("canonical request:\n%s\nwant:\n%s", e.CanonicalRequest, wantCreq)
	}
	wantSTS := "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
	if e.StringToSign != wantSTS {
		t.Errorf("string to sign:\n%s\nwant:\n%s", e.StringToSign, wantSTS)
	}
	if !strings.Contains(e.Message, "The Canonical String for this request should have been\n'"+wantCreq+"'") {
		t.Errorf("message does not show the canonical request: %q", e.Message)
	}
}

var _ = http.MethodGet

// TestUnsignedHeaders: every x-amz-* header outside SignedHeaders is
// listed, whatever its case, unless exempt; other headers never are.
func TestUnsignedHeaders(t *testing.T) {
	a := &sigv4.Auth{SignedHeaders: []string{"host", "x-amz-date", "x-amz-meta-a"}}
	h := http.Header{}
	for _, k := range []string{"X-Amz-Date", "X-Amz-Meta-A", "X-Amz-Copy-Source", "x-amz-tagging", "X-Amz-Content-Sha256", "X-Amzn-Trace-Id", "Content-Type", "X-Amz"} {
		h[k] = []string{"v"}
	}
	got := a.UnsignedHeaders(h, func(n string) bool { return n == "x-amz-content-sha256" })
	if want := []string{"x-amz-copy-source", "x-amz-tagging"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("unsigned %v, want %v", got, want)
	}
	if got := a.UnsignedHeaders(http.Header{"X-Amz-Date": {"d"}, "Host": {"h"}}, nil); len(got) != 0 {
		t.Fatalf("unsigned %v, want none", got)
	}
}

// TestCanonicalQueryIsDecoded: the canonical query is built from the
// decoded parameters the handler reads, so a '+' (a space) and %2B (a
// plus) sign differently.
func TestCanonicalQueryIsDecoded(t *testing.T) {
	canon := func(raw string) string {
		r := httptest.NewRequest("GET", "https://example.amazonaws.com/?"+raw, nil)
		r.Header.Set("X-Amz-Date", "20150830T123600Z")
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature="+strings.Repeat("0", 64))
		q, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatal(err)
		}
		a, err := sigv4.Parse(r, q)
		if err != nil {
			t.Fatal(err)
		}
		creq := sigv4.CanonicalRequest(r, a, sigv4.UnsignedPayload, sigv4.Options{S3: true})
		return strings.Split(creq, "\n")[2]
	}
	if space, plus := canon("v=a+b"), canon("v=a%2Bb"); space != "v=a%20b" || plus != "v=a%2Bb" {
		t.Fatalf("canonical queries %q and %q, want v=a%%20b and v=a%%2Bb", space, plus)
	}
	if got := canon("b=2&a=&a=1&c"); got != "a=&a=1&b=2&c=" {
		t.Fatalf("canonical query %q", got)
	}
}
