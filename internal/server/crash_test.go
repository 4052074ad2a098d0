package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// objectBody is the deterministic content of a key in the crash test.
func objectBody(key string) []byte {
	seed := sha256.Sum256([]byte(key))
	r := rand.New(rand.NewChaCha8(seed))
	b := make([]byte, 1+r.IntN(200<<10))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// buildPodiam builds the podiam command into a directory of the test's.
func buildPodiam(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "podiam")
	build := exec.Command("go", "build", "-o", bin, "github.com/podiam/podiam/cmd/podiam")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// serverProcess starts podiam (from buildPodiam) as a process of its own,
// so that it can be killed, and waits until it serves.
func serverProcess(t *testing.T, bin, data, addr string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "server", "--data", data, "--listen", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			if _, err := os.Stat(filepath.Join(data, "credentials")); err == nil {
				return cmd
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("the server did not start")
	return nil
}

// TestS3CrashDuringPuts kills the server with SIGKILL while clients PUT
// objects; after a restart every acknowledged object reads back whole,
// nothing listed is partial, and no upload in progress is left on disk.
func TestS3CrashDuringPuts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a server process")
	}
	dir := t.TempDir()
	bin := buildPodiam(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	data := filepath.Join(dir, "data")
	cmd := serverProcess(t, bin, data, addr)
	root := readCredentials(t, data)
	c := s3Client("http://"+addr, root)
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("crash")}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	acked := map[string]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("w%d/obj-%05d", w, i)
				if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("crash"), Key: aws.String(key), Body: bytes.NewReader(objectBody(key))}); err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked[key] = true
				mu.Unlock()
			}
		}()
	}
	killWhenAcknowledged(cmd, func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }, stop, &wg)
	if len(acked) == 0 {
		t.Fatal("no PUT was acknowledged before the kill")
	}

	cmd = serverProcess(t, bin, data, addr)
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	for key := range acked {
		got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("crash"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("acknowledged %s: %v", key, err)
		}
		b, _ := io.ReadAll(got.Body)
		got.Body.Close()
		if !bytes.Equal(b, objectBody(key)) {
			t.Fatalf("acknowledged %s reads back %d bytes, not its %d", key, len(b), len(objectBody(key)))
		}
	}
	listed := 0
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("crash")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			listed++
			if want := objectBody(aws.ToString(o.Key)); aws.ToInt64(o.Size) != int64(len(want)) {
				t.Fatalf("listed %s has %d bytes, not %d", aws.ToString(o.Key), aws.ToInt64(o.Size), len(want))
			}
		}
	}
	if listed < len(acked) {
		t.Fatalf("%d objects listed, %d acknowledged", listed, len(acked))
	}
	if left, _ := os.ReadDir(filepath.Join(data, "objects", "tmp")); len(left) != 0 {
		t.Fatalf("%d uploads in progress left after the restart", len(left))
	}
	t.Logf("%d PUTs acknowledged before the kill, %d objects listed after the restart", len(acked), listed)
}

// killWhenAcknowledged SIGKILLs the server cmd once the writers have had
// a good number of writes acknowledged (acked counts them; bounded in
// time), then stops the writers and waits for them.
func killWhenAcknowledged(cmd *exec.Cmd, acked func() int, stop chan struct{}, wg *sync.WaitGroup) {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && acked() < 60 {
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	close(stop)
	wg.Wait()
}
