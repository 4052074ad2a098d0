// Command iamload measures podiam's server from the outside: it builds and
// starts `podiam server` on a fresh data directory, reads the root
// credentials it writes, and reports the resident memory when idle, after
// creating many roles, the start-up time with those roles stored, and
// signed GetRole requests per second with their p50 and p99 latency under
// concurrent clients; then STS: AssumeRole calls by a user (its policies
// and the role's trust policy decided at each), and GetCallerIdentity
// signed with the session credentials they return (a session token
// opened at every request). It only talks to 127.0.0.1.
//
//	go run ./bench/iamload -roles 10000 -clients 16 -duration 10s
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/podiam/podiam/bench/internal/loadgen"
)

func main() {
	roles := flag.Int("roles", 10000, "roles to create")
	clients := flag.Int("clients", 16, "concurrent GetRole clients")
	duration := flag.Duration("duration", 10*time.Second, "length of the GetRole load")
	flag.Parse()
	if err := run(*roles, *clients, *duration); err != nil {
		fmt.Fprintln(os.Stderr, "iamload:", err)
		os.Exit(1)
	}
}

const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`

func run(roles, clients int, duration time.Duration) error {
	work, err := os.MkdirTemp("", "iamload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "podiam")
	build := exec.Command("go", "build", "-o", bin, "./cmd/podiam")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	data := filepath.Join(work, "data")
	addr, err := freeAddr()
	if err != nil {
		return err
	}

	srv, startup, err := startServer(bin, data, addr)
	if err != nil {
		return err
	}
	fmt.Printf("start-up, empty data directory: %v\n", startup.Round(time.Millisecond))
	ctx := context.Background()
	cfg, err := credentials(data)
	if err != nil {
		return err
	}
	client := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), Credentials: cfg, RetryMaxAttempts: 3})
	time.Sleep(time.Second)
	fmt.Printf("RSS idle: %s\n", rss(srv.Process.Pid))

	t0 := time.Now()
	if err := parallel(32, roles, func(i int) error {
		_, err := client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(fmt.Sprintf("role-%05d", i)), AssumeRolePolicyDocument: aws.String(trust)})
		return err
	}); err != nil {
		return fmt.Errorf("create roles: %w", err)
	}
	fmt.Printf("created %d roles in %v (%.0f/s)\n", roles, time.Since(t0).Round(time.Millisecond), float64(roles)/time.Since(t0).Seconds())
	time.Sleep(time.Second)
	fmt.Printf("RSS with %d roles: %s\n", roles, rss(srv.Process.Pid))
	stop(srv)

	srv, startup, err = startServer(bin, data, addr)
	if err != nil {
		return err
	}
	defer stop(srv)
	fmt.Printf("start-up with %d roles: %v\n", roles, startup.Round(time.Millisecond))
	fmt.Printf("RSS after restart: %s\n", rss(srv.Process.Pid))

	if err := loadgen.Run("GetRole", clients, duration, func(i int) error {
		_, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(fmt.Sprintf("role-%05d", i%max(roles, 1)))})
		return err
	}); err != nil {
		return err
	}

	// STS: a user whose account a role trusts, AssumeRole under load, then
	// requests signed with a session's credentials.
	self := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountOf(ctx, addr, cfg) + `:root"},"Action":"sts:AssumeRole"}]}`
	role, err := client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bench-session"), AssumeRolePolicyDocument: aws.String(self)})
	if err != nil {
		return fmt.Errorf("create the STS role: %w", err)
	}
	if _, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bench")}); err != nil {
		return err
	}
	if _, err := client.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bench"), PolicyName: aws.String("assume"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)}); err != nil {
		return err
	}
	key, err := client.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bench")})
	if err != nil {
		return err
	}
	user := aws.Credentials{AccessKeyID: aws.ToString(key.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(key.AccessKey.SecretAccessKey)}
	stsc := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), RetryMaxAttempts: 3,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return user, nil })})
	if err := loadgen.Run("AssumeRole", clients, duration, func(i int) error {
		_, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String(fmt.Sprintf("s-%d", i))})
		return err
	}); err != nil {
		return err
	}
	out, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("load")})
	if err != nil {
		return err
	}
	sess := aws.Credentials{AccessKeyID: aws.ToString(out.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey), SessionToken: aws.ToString(out.Credentials.SessionToken)}
	asSession := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), RetryMaxAttempts: 3,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return sess, nil })})
	return loadgen.Run("GetCallerIdentity with session credentials", clients, duration, func(int) error {
		_, err := asSession.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	})
}

// accountOf is the account of the credentials.
func accountOf(ctx context.Context, addr string, cfg aws.CredentialsProvider) string {
	out, err := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), Credentials: cfg}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return ""
	}
	return aws.ToString(out.Account)
}

// startServer starts the server and returns once it answers a signed
// request, with the time that took.
func startServer(bin, data, addr string) (*exec.Cmd, time.Duration, error) {
	t0 := time.Now()
	cmd := exec.Command(bin, "server", "--data", data, "--listen", addr)
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	for time.Since(t0) < 60*time.Second {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			cfg, err := credentials(data)
			if err == nil {
				client := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), Credentials: cfg})
				if _, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err == nil {
					return cmd, time.Since(t0), nil
				}
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop(cmd)
	return nil, 0, errors.New("server did not answer within 60 s")
}

func stop(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
}

var credLine = regexp.MustCompile(`(?m)^aws_(access_key_id|secret_access_key) = (\S+)$`)

func credentials(data string) (aws.CredentialsProvider, error) {
	b, err := os.ReadFile(filepath.Join(data, "credentials"))
	if err != nil {
		return nil, err
	}
	var c aws.Credentials
	for _, m := range credLine.FindAllStringSubmatch(string(b), -1) {
		if m[1] == "access_key_id" {
			c.AccessKeyID = m[2]
		} else {
			c.SecretAccessKey = m[2]
		}
	}
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil }), nil
}

// parallel runs fn(0..n-1) on k goroutines and returns the first error.
func parallel(k, n int, fn func(int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var first atomic.Value
	for range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || first.Load() != nil {
					return
				}
				if err := fn(i); err != nil {
					first.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if e := first.Load(); e != nil {
		return e.(error)
	}
	return nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// rss reads a process's resident set size from /proc.
func rss(pid int) string {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			fields := strings.Fields(v)
			if kb, err := strconv.Atoi(fields[0]); err == nil {
				return fmt.Sprintf("%.1f MiB", float64(kb)/1024)
			}
		}
	}
	return "unknown"
}
