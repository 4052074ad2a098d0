package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// BenchmarkS3Put uploads a 64 MiB object over loopback: with
// aws-sdk-go-v2 (signed payload: the server checks its SHA-256), and as
// a plain signed PUT with UNSIGNED-PAYLOAD, where the server's read path
// (body reader, MD5, file write) is most of the work.
func BenchmarkS3Put(b *testing.B) {
	r, root, c := s3Start(b, "bench")
	body := make([]byte, 64<<20)
	rand.Read(body)
	b.Run("sdk-64MiB", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := c.PutObject(b.Context(), &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String("k"), Body: bytes.NewReader(body)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unsigned-64MiB", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			req, _ := http.NewRequest(http.MethodPut, r.url+"/bench/k", bytes.NewReader(body))
			req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			if err := v4.NewSigner().SignHTTP(context.Background(), root, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
				b.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}

// BenchmarkS3Get reads a 64 MiB object over loopback with a signed GET:
// the server's response path (the file copied to the connection).
func BenchmarkS3Get(b *testing.B) {
	r, root, c := s3Start(b, "bench")
	body := make([]byte, 64<<20)
	rand.Read(body)
	if _, err := c.PutObject(b.Context(), &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String("k"), Body: bytes.NewReader(body)}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, r.url+"/bench/k", nil)
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		if err := v4.NewSigner().SignHTTP(context.Background(), root, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
			b.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || n != int64(len(body)) {
			b.Fatalf("status %d, %d bytes", resp.StatusCode, n)
		}
	}
}
