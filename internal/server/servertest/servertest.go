// Package servertest runs a podiam server in the test's process, on
// loopback with a fresh data directory, for the tests of packages that
// are its clients (the authenticator, its command).
package servertest

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/podiam/podiam/internal/server"
)

// Start runs a server until the test ends and returns its URL and the
// first account's root credentials. change, when not nil, adjusts the
// configuration first.
func Start(tb testing.TB, change func(*server.Config)) (string, aws.Credentials) {
	tb.Helper()
	dir := tb.TempDir()
	cfg := server.Config{Listen: "127.0.0.1:0", DataDir: dir, Stdout: io.Discard, Logger: slog.New(slog.DiscardHandler)}
	if change != nil {
		change(&cfg)
	}
	addr := make(chan string, 1)
	cfg.OnListen = func(a string) { addr <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, cfg) }()
	var u string
	select {
	case a := <-addr:
		u = "http://" + a
	case err := <-done:
		cancel()
		tb.Fatalf("server: %v", err)
	}
	tb.Cleanup(func() { cancel(); <-done })
	prof, err := config.LoadSharedConfigProfile(context.Background(), "default", func(o *config.LoadSharedConfigOptions) {
		o.CredentialsFiles, o.ConfigFiles = []string{filepath.Join(dir, "credentials")}, []string{}
	})
	if err != nil {
		tb.Fatal(err)
	}
	return u, prof.Credentials
}
