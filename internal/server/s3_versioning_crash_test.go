package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3CrashDuringVersionedWrites kills the server with SIGKILL while
// clients write versions of a few keys, put delete markers and remove
// versions of a versioned bucket; after a restart every acknowledged
// version that was not removed reads back whole by its id, every listed
// version reads back, and the blobs on disk are exactly those of the
// listed versions (none leaked, none missing).
func TestS3CrashDuringVersionedWrites(t *testing.T) {
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
	b := aws.String("vcrash")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	type version struct{ key, id, body string }
	var mu sync.Mutex
	var acked []version
	removed := map[string]bool{} // versions asked to be removed, answered or not
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
				key := fmt.Sprintf("k%d", (w+i)%3)
				switch {
				case i%7 == 6:
					if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String(key)}); err != nil {
						return
					}
				case i%5 == 4:
					mu.Lock()
					var v version
					if len(acked) > 0 {
						v = acked[(w*31+i)%len(acked)]
					}
					mu.Unlock()
					if v.id == "" {
						continue
					}
					// Marked before it is sent: a removal the server made
					// but could not answer before it died is still made.
					mu.Lock()
					removed[v.id] = true
					mu.Unlock()
					if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String(v.key), VersionId: aws.String(v.id)}); err != nil {
						return
					}
				default:
					body := fmt.Sprintf("w%d-%05d", w, i)
					out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String(key), Body: bytes.NewReader(objectBody(body))})
					if err != nil {
						return
					}
					mu.Lock()
					acked = append(acked, version{key, aws.ToString(out.VersionId), body})
					mu.Unlock()
				}
			}
		}()
	}
	killWhenAcknowledged(cmd, func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }, stop, &wg)

	cmd = serverProcess(t, bin, data, addr)
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	bodies := map[string]string{}
	for _, v := range acked {
		bodies[v.id] = v.body
		if removed[v.id] {
			continue // removed, or perhaps removed as the server died
		}
		got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String(v.key), VersionId: aws.String(v.id)})
		if err != nil {
			t.Fatalf("acknowledged %s@%s: %v", v.key, v.id, err)
		}
		data, _ := io.ReadAll(got.Body)
		got.Body.Close()
		if !bytes.Equal(data, objectBody(v.body)) {
			t.Fatalf("acknowledged %s@%s reads back %d bytes, not its %d", v.key, v.id, len(data), len(objectBody(v.body)))
		}
	}
	versions := 0
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: b})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range page.Versions {
			versions++
			got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: v.Key, VersionId: v.VersionId})
			if err != nil {
				t.Fatalf("listed %s@%s: %v", aws.ToString(v.Key), aws.ToString(v.VersionId), err)
			}
			n, _ := io.Copy(io.Discard, got.Body)
			got.Body.Close()
			if n != aws.ToInt64(v.Size) {
				t.Fatalf("listed %s@%s has %d bytes, reads %d", aws.ToString(v.Key), aws.ToString(v.VersionId), aws.ToInt64(v.Size), n)
			}
			if body, ok := bodies[aws.ToString(v.VersionId)]; ok && n != int64(len(objectBody(body))) {
				t.Fatalf("listed %s@%s is not what was written", aws.ToString(v.Key), aws.ToString(v.VersionId))
			}
		}
	}
	blobs := 0
	filepath.WalkDir(filepath.Join(data, "objects", "data"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			blobs++
		}
		return nil
	})
	if blobs != versions {
		t.Fatalf("%d blobs on disk for %d versions listed", blobs, versions)
	}
	t.Logf("%d versions acknowledged, %d removed, %d listed after the restart", len(acked), len(removed), versions)
}
