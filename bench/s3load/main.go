// Command s3load drives an S3 endpoint with aws-sdk-go-v2 and reports
// small-object PUT and GET rates with their p50/p99 latency under
// concurrent clients, and large-object PUT and GET throughput. It drives
// any endpoint the same way (podiam, or MinIO side by side), given its URL
// and credentials, and only talks to the address given (loopback).
//
//	go run ./bench/s3load -endpoint http://127.0.0.1:4580 -access-key AKIA... -secret-key ... \
//	    -clients 16 -duration 10s -large 256MiB
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/podiam/podiam/bench/internal/loadgen"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:4580", "S3 endpoint (loopback)")
	access := flag.String("access-key", "", "access key id")
	secret := flag.String("secret-key", "", "secret access key")
	bucket := flag.String("bucket", "s3load", "bucket to create and use")
	clients := flag.Int("clients", 16, "concurrent clients for the small-object load")
	duration := flag.Duration("duration", 10*time.Second, "length of each small-object load")
	small := flag.Int("small", 4<<10, "small object size in bytes")
	large := flag.String("large", "256MiB", "large object size (e.g. 256MiB; 0 to skip)")
	streams := flag.Int("streams", 0, "if set: only run this many concurrent PUT then GET streams of -large each")
	flag.BoolVar(&settings.versioning, "versioning", false, "turn versioning on in the bucket before the load")
	flag.BoolVar(&settings.sse, "sse", false, "set the bucket's default encryption to SSE-S3 (AES256) before the load")
	flag.Parse()
	var err error
	if *streams > 0 {
		err = runStreams(*endpoint, *access, *secret, *bucket, *streams, *large)
	} else {
		err = run(*endpoint, *access, *secret, *bucket, *clients, *duration, *small, *large)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "s3load:", err)
		os.Exit(1)
	}
}

// settings are what the bucket is given before a load.
var settings struct{ versioning, sse bool }

// makeBucket creates bucket (one already owned is fine) and gives it the
// settings the flags name.
func makeBucket(ctx context.Context, c *s3.Client, bucket string) error {
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil && !strings.Contains(err.Error(), "BucketAlreadyOwnedByYou") {
		return fmt.Errorf("create bucket: %w", err)
	}
	if settings.versioning {
		if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
			return fmt.Errorf("put bucket versioning: %w", err)
		}
	}
	if settings.sse {
		if _, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(bucket),
			ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
				ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}}}}}); err != nil {
			return fmt.Errorf("put bucket encryption: %w", err)
		}
	}
	return nil
}

func client(endpoint, access, secret string) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true, RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: access, SecretAccessKey: secret}, nil
		})})
}

// runStreams PUTs n objects of the large size at once, then GETs them at
// once, and prints the aggregate throughput of each.
func runStreams(endpoint, access, secret, bucket string, n int, largeSize string) error {
	size, err := parseSize(largeSize)
	if err != nil {
		return err
	}
	c := client(endpoint, access, secret)
	ctx := context.Background()
	if err := makeBucket(ctx, c, bucket); err != nil {
		return err
	}
	phase := func(name string, fn func(i int) error) error {
		start := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = fn(i) }()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		el := time.Since(start)
		fmt.Printf("%s %d x %s: %.1f MB/s aggregate (%v)\n", name, n, largeSize, float64(size)*float64(n)/el.Seconds()/1e6, el.Round(time.Millisecond))
		return nil
	}
	if err := phase("PUT", func(i int) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("stream/%03d", i)), Body: &pattern{n: size}, ContentLength: aws.Int64(size)})
		return err
	}); err != nil {
		return err
	}
	return phase("GET", func(i int) error {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("stream/%03d", i))})
		if err != nil {
			return err
		}
		defer out.Body.Close()
		_, err = io.Copy(io.Discard, out.Body)
		return err
	})
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if v, ok := strings.CutSuffix(s, suffix); ok {
			s, mult = v, m
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mult, err
}

func run(endpoint, access, secret, bucket string, clients int, duration time.Duration, small int, largeSize string) error {
	large, err := parseSize(largeSize)
	if err != nil {
		return fmt.Errorf("-large: %w", err)
	}
	c := client(endpoint, access, secret)
	ctx := context.Background()
	if err := makeBucket(ctx, c, bucket); err != nil {
		return err
	}
	body := make([]byte, small)
	rand.Read(body)
	const keys = 1000
	var written [keys]atomic.Bool // the GETs read only keys the PUTs wrote
	if err := loadgen.Run(fmt.Sprintf("PUT %d B", small), clients, duration, func(i int) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("small/%04d", i%keys)), Body: bytes.NewReader(body)})
		if err == nil {
			written[i%keys].Store(true)
		}
		return err
	}); err != nil {
		return err
	}
	var have []int
	for k := range written {
		if written[k].Load() {
			have = append(have, k)
		}
	}
	if len(have) == 0 {
		return errors.New("no object was written")
	}
	if err := loadgen.Run(fmt.Sprintf("GET %d B", small), clients, duration, func(i int) error {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("small/%04d", have[i%len(have)]))})
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, out.Body)
		out.Body.Close()
		return err
	}); err != nil {
		return err
	}
	if large == 0 {
		return nil
	}
	// One large object, streamed from a generator (no large buffer).
	start := time.Now()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("large"), Body: &pattern{n: large}, ContentLength: aws.Int64(large)}); err != nil {
		return fmt.Errorf("large PUT: %w", err)
	}
	el := time.Since(start)
	fmt.Printf("PUT %s: %.1f MB/s (%v)\n", largeSize, float64(large)/el.Seconds()/1e6, el.Round(time.Millisecond))
	start = time.Now()
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("large")})
	if err != nil {
		return fmt.Errorf("large GET: %w", err)
	}
	n, err := io.Copy(io.Discard, out.Body)
	out.Body.Close()
	if err != nil || n != large {
		return fmt.Errorf("large GET: %d bytes, %v", n, err)
	}
	el = time.Since(start)
	fmt.Printf("GET %s: %.1f MB/s (%v)\n", largeSize, float64(large)/el.Seconds()/1e6, el.Round(time.Millisecond))
	return nil
}

// pattern yields n bytes of a repeating pattern and can be rewound (the
// SDK seeks to compute the payload hash).
type pattern struct {
	n, off int64
}

var block = func() []byte {
	b := make([]byte, 1<<20)
	rand.Read(b)
	return b
}()

func (p *pattern) Read(b []byte) (int, error) {
	if p.off >= p.n {
		return 0, io.EOF
	}
	if rem := p.n - p.off; int64(len(b)) > rem {
		b = b[:rem]
	}
	n := 0
	for n < len(b) {
		i := (p.off + int64(n)) % int64(len(block))
		n += copy(b[n:], block[i:])
	}
	p.off += int64(n)
	return n, nil
}

func (p *pattern) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		p.off = off
	case io.SeekCurrent:
		p.off += off
	case io.SeekEnd:
		p.off = p.n + off
	}
	return p.off, nil
}
