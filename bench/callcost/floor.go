package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The floor: a server that does nothing but what net/http does, and
// answers each load with a fixed, well-formed response.

const floorCallerIdentity = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
	`<Arn>arn:aws:sts::111122223333:assumed-role/bench/bench</Arn><UserId>AROAEXAMPLEEXAMPLE01:bench</UserId><Account>111122223333</Account>` +
	`</GetCallerIdentityResult><ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000000</RequestId></ResponseMetadata></GetCallerIdentityResponse>`

// runFloorServer serves the fixed responses on addr until killed.
func runFloorServer(addr string) error {
	object := make([]byte, 4096)
	modified := time.Now().UTC().Format(http.TimeFormat)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Amz-Request-Id", "00000000-0000-4000-8000-000000000000")
		switch {
		case r.Method == http.MethodPost:
			w.Header().Set("Content-Type", "text/xml")
			io.WriteString(w, floorCallerIdentity)
		case r.Method == http.MethodHead:
			w.Header().Set("X-Amz-Bucket-Region", "us-east-1")
		default:
			w.Header().Set("Content-Length", strconv.Itoa(len(object)))
			w.Header().Set("ETag", `"620f0b67a91f7f74151bc5be745b7110"`)
			w.Header().Set("Last-Modified", modified)
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(object)
		}
	})
	return (&http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}).ListenAndServe()
}

// runFloor starts the floor server in a process of its own and runs the
// session-credential loads against it.
func runFloor(only string, clients int, duration time.Duration) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	srv := exec.Command(self, "-serve-floor", addr)
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if i == 100 {
			return fmt.Errorf("the floor server does not listen: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Printf("server pid %d (net/http floor)\n", srv.Process.Pid)
	// Session credentials of the size podiam issues, so that the requests
	// are as long.
	session := aws.Credentials{AccessKeyID: "ASIAEXAMPLEEXAMPLE01", SecretAccessKey: strings.Repeat("s", 40), SessionToken: strings.Repeat("t", 700)}
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return session, nil })
	url := "http://" + addr
	stsc := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds, RetryMaxAttempts: 1})
	s3c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true, Credentials: creds, RetryMaxAttempts: 1})
	ctx := context.Background()
	loads := append([]load{{"GetCallerIdentity, net/http floor", func(int) error {
		_, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	}}}, s3Loads(ctx, s3c, bucket, small, "net/http floor")...)
	return runLoads(srv.Process.Pid, loads, only, clients, duration)
}

// small names the one 4 KiB object of the floor's and MinIO's loads.
func small(int) string { return "small" }

// load is one of the loads a run measures.
type load struct {
	name string
	fn   func(int) error
}

// s3Loads are the S3 loads every server is measured with: HeadBucket and
// a 4 KiB GetObject (the i-th call's object is key(i)), named with who
// answers.
func s3Loads(ctx context.Context, c *s3.Client, bucket string, key func(i int) string, who string) []load {
	return []load{
		{"S3 HeadBucket, " + who, func(int) error {
			_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
			return err
		}},
		{"S3 GetObject 4 KiB, " + who, func(i int) error {
			o, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key(i))})
			if err != nil {
				return err
			}
			defer o.Body.Close()
			var b bytes.Buffer
			_, err = b.ReadFrom(o.Body)
			return err
		}},
	}
}

// runLoads measures each load whose name contains only.
func runLoads(pid int, loads []load, only string, clients int, duration time.Duration) error {
	for _, l := range loads {
		if !strings.Contains(l.name, only) {
			continue
		}
		if err := measure(pid, l.name, clients, duration, l.fn); err != nil {
			return err
		}
	}
	return nil
}
