package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// runMinIO runs the S3 loads against MinIO (the binary bin, single
// drive, a fresh directory), with session credentials from its STS
// AssumeRole, for the same figures in the same run.
func runMinIO(bin, only string, clients int, duration time.Duration) error {
	work, err := os.MkdirTemp("", "callcost-minio-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	root := aws.Credentials{AccessKeyID: "callcostadmin", SecretAccessKey: "callcost-secret-key"}
	srv := exec.Command(bin, "server", filepath.Join(work, "data"), "--address", addr, "--console-address", "127.0.0.1:0", "--quiet")
	srv.Env = append(os.Environ(), "MINIO_ROOT_USER="+root.AccessKeyID, "MINIO_ROOT_PASSWORD="+root.SecretAccessKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { srv.Process.Signal(os.Interrupt); srv.Wait() }()
	url := "http://" + addr
	ctx := context.Background()
	static := func(c aws.Credentials) aws.CredentialsProvider {
		return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })
	}
	rootS3 := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true, Credentials: static(root), RetryMaxAttempts: 1})
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			if _, err = rootS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err == nil {
				break
			}
		}
		if i == 300 {
			return fmt.Errorf("MinIO does not answer: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := rootS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("small"), Body: bytes.NewReader(make([]byte, 4096))}); err != nil {
		return err
	}
	ar, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: static(root), RetryMaxAttempts: 1}).
		AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:xxx:xxx:xxx:xxxx"), RoleSessionName: aws.String("bench"), DurationSeconds: aws.Int32(3600)})
	if err != nil {
		return fmt.Errorf("MinIO AssumeRole: %w", err)
	}
	session := aws.Credentials{AccessKeyID: aws.ToString(ar.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(ar.Credentials.SecretAccessKey),
		SessionToken: aws.ToString(ar.Credentials.SessionToken)}
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), UsePathStyle: true, Credentials: static(session), RetryMaxAttempts: 1})
	fmt.Printf("server pid %d (MinIO)\n", srv.Process.Pid)
	return runLoads(srv.Process.Pid, s3Loads(ctx, c, bucket, small, "MinIO, session credentials"), only, clients, duration)

}
