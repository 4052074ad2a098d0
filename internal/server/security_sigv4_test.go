package server_test

// The security regression suite, signature half: every byte a signature
// does not cover is the attacker's, so none of them may change what a
// request does. Each test tries an attack that once got in and, beside
// it, the honest request, which must still succeed.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// reply is a response read whole.
type reply struct {
	status int
	header http.Header
	body   string
}

// send sends r and reads the whole response.
func send(t *testing.T, r *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, string(b)}
}

// has reports whether the reply has this status and its body holds every
// one of parts.
func (p reply) has(status int, parts ...string) bool {
	if p.status != status {
		return false
	}
	for _, s := range parts {
		if !strings.Contains(p.body, s) {
			return false
		}
	}
	return true
}

// signedRequest builds a request and signs it with aws-sdk-go-v2's signer
// for service, as its clients do (S3 paths are not escaped twice); set
// changes the request before it is signed.
func signedRequest(t *testing.T, method, target, body string, c aws.Credentials, service string, set func(*http.Request)) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if set != nil {
		set(r)
	}
	sum := sha256.Sum256([]byte(body))
	hash := hex.EncodeToString(sum[:])
	if service == "s3" || r.Header.Get("X-Amz-Content-Sha256") != "" {
		r.Header.Set("X-Amz-Content-Sha256", hash)
	}
	err = v4.NewSigner().SignHTTP(context.Background(), c, r, hash, service, "us-east-1", time.Now(), func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = service == "s3"
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// presignedURL presigns a request with aws-sdk-go-v2's signer; set
// changes it (its query, say) before it is signed.
func presignedURL(t *testing.T, method, target string, c aws.Credentials, service string, set func(*http.Request)) string {
	t.Helper()
	r, err := http.NewRequest(method, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	if set != nil {
		set(r)
	}
	if !r.URL.Query().Has("X-Amz-Expires") {
		q := r.URL.Query()
		q.Set("X-Amz-Expires", "900")
		r.URL.RawQuery = q.Encode()
	}
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), c, r, "UNSIGNED-PAYLOAD", service, "us-east-1", time.Now(), func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = service == "s3"
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustRequest(t *testing.T, method, target, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSecurityUnsignedHeaders: an x-amz-* header outside the signature is
// refused, as S3 refuses it (403 AccessDenied with HeadersNotSigned),
// whether the request is presigned or header-signed; for the JSON
// services, an X-Amz-Target outside the signature is refused.
func TestSecurityUnsignedHeaders(t *testing.T) {
	r, root, c := s3Start(t, "dropbox", "private")
	ctx := t.Context()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("private"), Key: aws.String("secret.txt"), Body: strings.NewReader("the secret")}); err != nil {
		t.Fatal(err)
	}

	t.Run("presigned PUT turned into a copy", func(t *testing.T) {
		u := presignedURL(t, "PUT", r.url+"/dropbox/upload.jpg", root, "s3", nil)
		attack := mustRequest(t, "PUT", u, "")
		attack.Header.Set("X-Amz-Copy-Source", "/private/secret.txt")
		if got := send(t, attack); !got.has(403, "<Code>AccessDenied</Code>", "There were headers present in the request which were not signed", "<HeadersNotSigned>x-amz-copy-source</HeadersNotSigned>") {
			t.Fatalf("unsigned x-amz-copy-source: %d %s", got.status, got.body)
		}
		if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dropbox"), Key: aws.String("upload.jpg")}); apiCode(err) != "NotFound" {
			t.Fatalf("the refused request wrote the object: %v", err)
		}
		// The upload the URL was made for.
		if got := send(t, mustRequest(t, "PUT", u, "a photo")); got.status != 200 {
			t.Fatalf("the presigned upload: %d %s", got.status, got.body)
		}
		if _, b := getObject(t, c, aws.String("dropbox"), aws.String("upload.jpg")); string(b) != "a photo" {
			t.Fatalf("uploaded %q", b)
		}
	})

	t.Run("header-signed PUT replayed with more headers", func(t *testing.T) {
		for _, extra := range [][2]string{{"X-Amz-Tagging", "tier=prod"}, {"X-Amz-Meta-Owner", "mallory"}, {"X-Amz-Acl", "public-read"}} {
			signed := signedRequest(t, "PUT", r.url+"/dropbox/replayed.txt", "replayed", root, "s3", nil)
			signed.Header.Set(extra[0], extra[1])
			if got := send(t, signed); !got.has(403, "<HeadersNotSigned>"+strings.ToLower(extra[0])+"</HeadersNotSigned>") {
				t.Fatalf("replay with %s: %d %s", extra[0], got.status, got.body)
			}
		}
		if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dropbox"), Key: aws.String("replayed.txt")}); apiCode(err) != "NotFound" {
			t.Fatalf("a refused replay wrote the object: %v", err)
		}
		// The same headers signed are honoured.
		signed := signedRequest(t, "PUT", r.url+"/dropbox/replayed.txt", "replayed", root, "s3", func(r *http.Request) {
			r.Header.Set("X-Amz-Tagging", "tier=dev")
			r.Header.Set("X-Amz-Meta-Owner", "alice")
		})
		if got := send(t, signed); got.status != 200 {
			t.Fatalf("signed PUT: %d %s", got.status, got.body)
		}
		tags, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("dropbox"), Key: aws.String("replayed.txt")})
		if err != nil || len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Value) != "dev" {
			t.Fatalf("tags %+v, %v", tags, err)
		}
		// The envelope headers may go unsigned: their values are covered
		// another way (x-amz-content-sha256 is the payload hash line).
		signed = signedRequest(t, "PUT", r.url+"/dropbox/envelope.txt", "body", root, "s3", nil)
		if got := send(t, signed); got.status != 200 {
			t.Fatalf("signed PUT: %d %s", got.status, got.body)
		}
	})

	t.Run("JSON target outside the signature", func(t *testing.T) {
		org := func(target string, signTarget bool) reply {
			req := signedRequest(t, "POST", r.url+"/", "{}", root, "organizations", func(r *http.Request) {
				r.Header.Set("Content-Type", "application/x-amz-json-1.1")
				if signTarget {
					r.Header.Set("X-Amz-Target", target)
				}
			})
			req.Header.Set("X-Amz-Target", target)
			return send(t, req)
		}
		if got := org("AWSOrganizationsV20161128.DescribeOrganization", false); !got.has(403, "AccessDeniedException", "x-amz-target") {
			t.Fatalf("unsigned X-Amz-Target: %d %s", got.status, got.body)
		}
		if got := org("AWSOrganizationsV20161128.DescribeOrganization", true); !got.has(200, `"Organization"`) {
			t.Fatalf("signed X-Amz-Target: %d %s", got.status, got.body)
		}
	})
}

// TestSecurityServiceScope: the credential scope must name the service that
// serves the request, with AWS's error for each side; the Authorization
// header names each of its parts once.
func TestSecurityServiceScope(t *testing.T) {
	r, root, c := s3Start(t, "private")
	if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("private"), Key: aws.String("secret.txt"), Body: strings.NewReader("the secret")}); err != nil {
		t.Fatal(err)
	}
	object := r.url + "/private/secret.txt"

	t.Run("scope iam with a signed header naming s3", func(t *testing.T) {
		// The attack as it was sent: a valid signature for iam whose
		// SignedHeaders carries "/s3/aws4_request".
		req := mustRequest(t, "GET", object, "")
		date := time.Now().UTC().Format("20060102T150405Z")
		req.Header.Set("X-Amz-Date", date)
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		signedHeaders := "host;x-amz-content-sha256;x-amz-date;x/s3/aws4_request"
		creq := "GET\n/private/secret.txt\n\nhost:" + req.URL.Host + "\nx-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:" + date + "\nx/s3/aws4_request:\n\n" + signedHeaders + "\nUNSIGNED-PAYLOAD"
		scope := date[:8] + "/us-east-1/iam/aws4_request"
		sum := sha256.Sum256([]byte(creq))
		sts := "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
		key := []byte("AWS4" + root.SecretAccessKey)
		for _, p := range []string{date[:8], "us-east-1", "iam", "aws4_request"} {
			key = hmacSum(key, p)
		}
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+root.AccessKeyID+"/"+scope+", SignedHeaders="+signedHeaders+", Signature="+hex.EncodeToString(hmacSum(key, sts)))
		if got := send(t, req); got.status != 400 || strings.Contains(got.body, "the secret") || !strings.Contains(got.body, "AuthorizationHeaderMalformed") {
			t.Fatalf("S3 read signed for iam: %d %s", got.status, got.body)
		}
	})

	t.Run("S3 signed for another service", func(t *testing.T) {
		if got := send(t, signedRequest(t, "GET", object, "", root, "iam", nil)); !got.has(400, "<Code>AuthorizationHeaderMalformed</Code>", `incorrect service &#34;iam&#34;. This endpoint belongs to &#34;s3&#34;.`) {
			t.Fatalf("header-signed for iam: %d %s", got.status, got.body)
		}
		if got := send(t, mustRequest(t, "GET", presignedURL(t, "GET", object, root, "sts", nil), "")); !got.has(400, "<Code>AuthorizationQueryParametersError</Code>", "incorrect service") {
			t.Fatalf("presigned for sts: %d %s", got.status, got.body)
		}
		if got := send(t, signedRequest(t, "GET", object, "", root, "s3", nil)); !got.has(200, "the secret") {
			t.Fatalf("signed for s3: %d %s", got.status, got.body)
		}
		if got := send(t, mustRequest(t, "GET", presignedURL(t, "GET", object, root, "s3", nil), "")); !got.has(200, "the secret") {
			t.Fatalf("presigned for s3: %d %s", got.status, got.body)
		}
	})

	t.Run("IAM and STS signed for another service", func(t *testing.T) {
		for _, tc := range []struct{ query, owner, wrong string }{
			{"Action=ListUsers&Version=2010-05-08", "iam", "s3"},
			{"Action=ListUsers&Version=2010-05-08", "iam", "sts"},
			{"Action=GetCallerIdentity&Version=2011-06-15", "sts", "iam"},
			{"Action=GetCallerIdentity&Version=2011-06-15", "sts", "eks"},
		} {
			if got := send(t, signedRequest(t, "GET", r.url+"/?"+tc.query, "", root, tc.wrong, nil)); !got.has(403, "<Code>SignatureDoesNotMatch</Code>", "Credential should be scoped to correct service: &#39;"+tc.owner+"&#39;.") {
				t.Fatalf("%s signed for %s: %d %s", tc.query, tc.wrong, got.status, got.body)
			}
			if got := send(t, signedRequest(t, "GET", r.url+"/?"+tc.query, "", root, tc.owner, nil)); got.status != 200 {
				t.Fatalf("%s signed for %s: %d %s", tc.query, tc.owner, got.status, got.body)
			}
		}
	})

	t.Run("Authorization parts given twice", func(t *testing.T) {
		honest := signedRequest(t, "GET", object, "", root, "s3", nil)
		auth := honest.Header.Get("Authorization")
		cred := auth[strings.Index(auth, "Credential="):strings.Index(auth, ",")]
		for name, twice := range map[string]string{
			"signature":      strings.Replace(auth, "Signature=", "Signature="+strings.Repeat("0", 64)+", Signature=", 1),
			"credential":     strings.Replace(auth, "Credential=", strings.Replace(cred, "/s3/", "/iam/", 1)+", Credential=", 1),
			"signed headers": strings.Replace(auth, "SignedHeaders=", "SignedHeaders=host, SignedHeaders=", 1),
		} {
			req := signedRequest(t, "GET", object, "", root, "s3", nil)
			req.Header.Set("Authorization", twice)
			if got := send(t, req); !got.has(400, "AuthorizationHeaderMalformed", "more than once") {
				t.Fatalf("%s twice: %d %s", name, got.status, got.body)
			}
		}
		if got := send(t, honest); got.status != 200 {
			t.Fatalf("honest: %d %s", got.status, got.body)
		}
	})
}

func hmacSum(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// TestSecurityQueryDecoding: what the signature covers is what the
// handler reads: a presigned override whose %2B becomes '+' (a space to
// the handler) no longer verifies.
func TestSecurityQueryDecoding(t *testing.T) {
	r, root, c := s3Start(t, "docs")
	if _, err := c.PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String("report.pdf"), Body: strings.NewReader("pdf")}); err != nil {
		t.Fatal(err)
	}
	ps := s3.NewPresignClient(s3Client(r.url, root))
	p, err := ps.PresignGetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String("docs"), Key: aws.String("report.pdf"),
		ResponseContentDisposition: aws.String("attachment; filename=a+b.pdf")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.URL, "a%2Bb.pdf") {
		t.Fatalf("the presigned URL does not encode the plus: %s", p.URL)
	}
	got := send(t, mustRequest(t, "GET", p.URL, ""))
	if got.status != 200 || got.header.Get("Content-Disposition") != "attachment; filename=a+b.pdf" {
		t.Fatalf("the presigned URL: %d %q %s", got.status, got.header.Get("Content-Disposition"), got.body)
	}
	tampered := strings.Replace(p.URL, "a%2Bb.pdf", "a+b.pdf", 1)
	if got := send(t, mustRequest(t, "GET", tampered, "")); !got.has(403, "<Code>SignatureDoesNotMatch</Code>") {
		t.Fatalf("%%2B changed to +: %d %q %s", got.status, got.header.Get("Content-Disposition"), got.body)
	}
	if got := send(t, mustRequest(t, "GET", p.URL+"&x=%zz", "")); !got.has(400, "<Code>InvalidURI</Code>") {
		t.Fatalf("a malformed escape: %d %s", got.status, got.body)
	}
}

// TestSecurityAnonymousOverrides: an anonymous GET may not rewrite what an
// object says it is through response-* (400 InvalidRequest, as S3); a
// signed one may.
func TestSecurityAnonymousOverrides(t *testing.T) {
	r, _, c := s3Start(t, "site")
	ctx := t.Context()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("site"), Key: aws.String("note.txt"), Body: strings.NewReader("<script>1</script>"), ContentType: aws.String("text/plain")}); err != nil {
		t.Fatal(err)
	}
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]}`
	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("site")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("site"), Policy: aws.String(public)}); err != nil {
		t.Fatal(err)
	}
	if got := send(t, mustRequest(t, "GET", r.url+"/site/note.txt?response-content-type=text%2Fhtml", "")); !got.has(400, "<Code>InvalidRequest</Code>", "anonymous") || strings.Contains(got.body, "<script>") {
		t.Fatalf("anonymous override: %d %s", got.status, got.body)
	}
	if got := send(t, mustRequest(t, "GET", r.url+"/site/note.txt", "")); got.status != 200 || got.header.Get("Content-Type") != "text/plain" {
		t.Fatalf("anonymous GET: %d %q", got.status, got.header.Get("Content-Type"))
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("site"), Key: aws.String("note.txt"), ResponseContentType: aws.String("text/html")})
	if err != nil || aws.ToString(out.ContentType) != "text/html" {
		t.Fatalf("signed override: %v, %v", out, err)
	}
	out.Body.Close()
}

// TestSecurityPresignedOperations: a presigned URL works for every kind of
// S3 operation, not only GET and PUT of an object (ListObjectsV2 once
// answered 501), and the x-amz-* headers a presigner hoists into the
// query act as headers.
func TestSecurityPresignedOperations(t *testing.T) {
	r, root, c := s3Start(t, "pre")
	ctx := t.Context()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("pre"), Key: aws.String("a/k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, path, body string
		want                     int
		holds                    string
	}{
		{"ListObjectsV2", "GET", "/pre?list-type=2&prefix=a%2F", "", 200, "<Key>a/k</Key>"},
		{"ListObjects", "GET", "/pre?delimiter=%2F", "", 200, "<Prefix>a/</Prefix>"},
		{"ListBuckets", "GET", "/", "", 200, "<Name>pre</Name>"},
		{"GetBucketLocation", "GET", "/pre?location", "", 200, "LocationConstraint"},
		{"GetObjectTagging", "GET", "/pre/a/k?tagging", "", 200, "<TagSet>"},
		{"ListMultipartUploads", "GET", "/pre?uploads", "", 200, "ListMultipartUploadsResult"},
		{"HeadObject", "HEAD", "/pre/a/k", "", 200, ""},
		{"PutObject", "PUT", "/pre/b", "new", 200, ""},
		{"DeleteObject", "DELETE", "/pre/b", "", 204, ""},
	} {
		u := presignedURL(t, tc.method, r.url+tc.path, root, "s3", nil)
		if got := send(t, mustRequest(t, tc.method, u, tc.body)); !got.has(tc.want, tc.holds) {
			t.Errorf("presigned %s: %d %s", tc.name, got.status, got.body)
		}
	}
	// Hoisted headers, as the JavaScript SDK's presigner writes them.
	u := presignedURL(t, "PUT", r.url+"/pre/tagged", root, "s3", func(r *http.Request) {
		r.URL.RawQuery = url.Values{"x-amz-tagging": {"tier=dev"}, "x-amz-meta-color": {"blue"}}.Encode()
	})
	if got := send(t, mustRequest(t, "PUT", u, "t")); got.status != 200 {
		t.Fatalf("presigned PUT with hoisted headers: %d %s", got.status, got.body)
	}
	tags, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("pre"), Key: aws.String("tagged")})
	if err != nil || len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Key) != "tier" {
		t.Fatalf("tags of the hoisted PUT: %+v, %v", tags, err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("pre"), Key: aws.String("tagged")})
	if err != nil || head.Metadata["color"] != "blue" {
		t.Fatalf("metadata of the hoisted PUT: %+v, %v", head, err)
	}
	// A hoisted header given as a header too is ambiguous.
	req := mustRequest(t, "PUT", u, "t")
	req.Header.Set("X-Amz-Tagging", "tier=prod")
	if got := send(t, req); got.status != 403 && got.status != 400 {
		t.Fatalf("hoisted and unsigned header both: %d %s", got.status, got.body)
	}
}

// TestSecurityErrorCodes: bad input gets AWS's code and status.
func TestSecurityErrorCodes(t *testing.T) {
	r, root, c := s3Start(t, "codes")
	ctx := t.Context()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("codes"), Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
		t.Fatal(err)
	}

	t.Run("oversized web identity token", func(t *testing.T) {
		post := func(token string) reply {
			form := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {"arn:aws:iam::123456789012:role/r"},
				"RoleSessionName": {"session"}, "WebIdentityToken": {token}}
			req := mustRequest(t, "POST", r.url+"/", form.Encode())
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return send(t, req)
		}
		if got := post(strings.Repeat("a", 1300000)); !got.has(400, "<Code>ValidationError</Code>", "webIdentityToken") {
			t.Fatalf("a 1.3 MB token: %d %.300s", got.status, got.body)
		}
		if got := post("a.b.c"); !got.has(400, "<Code>InvalidIdentityToken</Code>") {
			t.Fatalf("a small bad token: %d %.300s", got.status, got.body)
		}
	})

	t.Run("presigned expiry", func(t *testing.T) {
		for _, e := range []string{"604801", "-1", "99999999999999999999", "ten"} {
			u := presignedURL(t, "GET", r.url+"/codes/k", root, "s3", func(r *http.Request) { r.URL.RawQuery = "X-Amz-Expires=" + url.QueryEscape(e) })
			if got := send(t, mustRequest(t, "GET", u, "")); !got.has(400, "<Code>AuthorizationQueryParametersError</Code>", "X-Amz-Expires") {
				t.Errorf("X-Amz-Expires=%s: %d %s", e, got.status, got.body)
			}
		}
		u := presignedURL(t, "GET", r.url+"/codes/k", root, "s3", func(r *http.Request) { r.URL.RawQuery = "X-Amz-Expires=604800" })
		if got := send(t, mustRequest(t, "GET", u, "")); !got.has(200, "v") {
			t.Errorf("X-Amz-Expires=604800: %d %s", got.status, got.body)
		}
	})

	t.Run("virtual host under the longest domain", func(t *testing.T) {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vbucket")}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vbucket"), Key: aws.String("k"), Body: strings.NewReader("in vbucket")}); err != nil {
			t.Fatal(err)
		}
		for _, host := range []string{"vbucket.s3.localhost", "vbucket.localhost"} {
			req := signedRequest(t, "GET", r.url+"/k", "", root, "s3", func(r *http.Request) { r.Host = host })
			if got := send(t, req); !got.has(200, "in vbucket") {
				t.Errorf("Host %s: %d %s", host, got.status, got.body)
			}
		}
		// An S3 domain is an endpoint, not bucket "s3" under localhost:
		// path-style S3 and the Query services answer there.
		req := signedRequest(t, "GET", r.url+"/vbucket/k", "", root, "s3", func(r *http.Request) { r.Host = "s3.localhost" })
		if got := send(t, req); !got.has(200, "in vbucket") {
			t.Errorf("path style on s3.localhost: %d %s", got.status, got.body)
		}
		req = signedRequest(t, "GET", r.url+"/?Action=ListUsers&Version=2010-05-08", "", root, "iam", func(r *http.Request) { r.Host = "vbucket.localhost" })
		if got := send(t, req); !got.has(200, "ListUsersResult") {
			t.Errorf("IAM on a bucket's host: %d %s", got.status, got.body)
		}
	})
}
