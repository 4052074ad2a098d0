package server_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// FuzzS3Request sends correctly signed S3 requests with fuzzed paths,
// queries, headers and bodies (the XML documents, the tagging, copy
// source, range and checksum headers) to a running server. Every answer
// must be a complete HTTP response — a handler panic shows up as a
// dropped connection — and never a 500: bad input is the caller's error.
// Error answers must be S3's XML error document.
func FuzzS3Request(f *testing.F) {
	r, root, c := s3Start(f, "fuzz")
	if _, err := c.PutObject(f.Context(), &s3.PutObjectInput{Bucket: aws.String("fuzz"), Key: aws.String("k"), Body: strings.NewReader("hello")}); err != nil {
		f.Fatal(err)
	}
	up, err := c.CreateMultipartUpload(f.Context(), &s3.CreateMultipartUploadInput{Bucket: aws.String("fuzz"), Key: aws.String("m")})
	if err != nil {
		f.Fatal(err)
	}
	id := aws.ToString(up.UploadId)
	seeds := []struct{ method, path, query, headers, body string }{
		{"PUT", "/fuzz2", "", "", `<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`},
		{"POST", "/fuzz", "delete", "", `<Delete><Object><Key>k</Key></Object><Object><Key>x</Key></Object><Quiet>true</Quiet></Delete>`},
		{"POST", "/fuzz/m", "uploadId=" + id, "", `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>`},
		{"PUT", "/fuzz/m", "partNumber=1&uploadId=" + id, "x-amz-copy-source: /fuzz/k\nx-amz-copy-source-range: bytes=0-2", ""},
		{"PUT", "/fuzz/k", "tagging", "", `<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>`},
		{"PUT", "/fuzz/t", "", "x-amz-tagging: a=b&c=d\nx-amz-checksum-crc32: AAAAAA==\nContent-MD5: XUFAKrxLKna5cZ2REBfFkg==", "hello"},
		{"PUT", "/fuzz/c", "", "x-amz-copy-source: fuzz/k?versionId=null\nx-amz-metadata-directive: REPLACE", ""},
		{"GET", "/fuzz/k", "response-content-type=a%2Fb", "Range: bytes=-3\nIf-None-Match: \"x\", *", ""},
		{"GET", "/fuzz", "list-type=2&prefix=a&delimiter=/&max-keys=2&encoding-type=url&start-after=%00", "", ""},
		{"PUT", "/fuzz", "policy", "", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::fuzz/*"}]}`},
		{"PUT", "/fuzz/k", "acl", "x-amz-acl: bucket-owner-full-control", ""},
		{"GET", "/fuzz", "uploads&max-uploads=1&key-marker=m", "", ""},
		{"GET", "/fuzz/m", "uploadId=" + id + "&max-parts=1&part-number-marker=0", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, s.headers, s.body)
	}
	signer := v4.NewSigner()
	client := &http.Client{Timeout: 30 * time.Second}
	// send signs and sends one request; ok is false when the request
	// cannot be built or sent as given (the client refuses it).
	send := func(t testing.TB, method, path, query, headers, body string) (resp *http.Response, ok bool) {
		req, err := http.NewRequest(method, r.url+"/", bytes.NewReader([]byte(body)))
		if err != nil {
			return nil, false
		}
		req.URL.Path = "/" + strings.TrimPrefix(path, "/")
		req.URL.RawQuery = query
		for line := range strings.SplitSeq(headers, "\n") {
			k, v, ok := strings.Cut(line, ":")
			if ok && k != "" {
				req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		if err := signer.SignHTTP(t.Context(), root, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
			return nil, false
		}
		resp, err = client.Do(req)
		if err != nil {
			if strings.Contains(err.Error(), "invalid header") || strings.Contains(err.Error(), "invalid method") ||
				strings.Contains(err.Error(), "can't write control character") {
				return nil, false
			}
			t.Fatalf("%s %s?%s: %v", method, req.URL.Path, query, err)
		}
		return resp, true
	}
	// The signing above is what S3 accepts: an object reads back.
	if resp, ok := send(f, "GET", "/fuzz/k", "", "", ""); !ok || resp.StatusCode != http.StatusOK {
		f.Fatalf("a signed GET of a stored object: %v", resp)
	} else {
		resp.Body.Close()
	}
	f.Fuzz(func(t *testing.T, method, path, query, headers, body string) {
		switch method {
		case "GET", "PUT", "POST", "DELETE", "HEAD":
		default:
			return
		}
		resp, ok := send(t, method, path, query, headers, body)
		if !ok {
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented {
			t.Fatalf("%s %s?%s: %d %s", method, path, query, resp.StatusCode, b)
		}
		if resp.StatusCode >= 400 && method != "HEAD" {
			var e struct {
				XMLName xml.Name `xml:"Error"`
				Code    string
			}
			if err := xml.Unmarshal(b, &e); err != nil || e.Code == "" {
				t.Fatalf("%s %s?%s: %d with no S3 error document: %q", method, path, query, resp.StatusCode, b)
			}
		}
	})
}
