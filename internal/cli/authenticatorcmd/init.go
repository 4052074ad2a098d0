package authenticatorcmd

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/podiam/podiam/internal/authenticator"
	"github.com/podiam/podiam/internal/cli/command"
)

// The files init writes.
const (
	authenticationFile = "authentication-webhook.yaml"
	authorizationFile  = "authorization-webhook.yaml"
)

// InitConfig configures "podiam authenticator init".
type InitConfig struct {
	ServerURL string // https://host:port of podiam authenticator serve
	CAFile    string // the CA (or self-signed certificate) of its serving certificate
	Out       string // the directory the files go to
}

func newInit(env command.Env) *cobra.Command {
	var cfg InitConfig
	cmd := &cobra.Command{
		Use:   "init --server-url URL --ca-file F --out DIR",
		Short: "write kube-apiserver's webhook configuration files and print its flags",
		Long: "Writes " + authenticationFile + " (for --authentication-token-webhook-config-file)\n" +
			"and " + authorizationFile + " (for --authorization-webhook-config-file) in --out:\n" +
			"kubeconfig files naming URL/authenticate and URL/authorize, trusted through\n" +
			"--ca-file (with --state-dir, serve's self-signed cert.pem); then prints the\n" +
			"kube-apiserver flags that use them.",
		Args: command.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			flags, err := Init(cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "wrote %s and %s in %s; kube-apiserver's flags:\n", authenticationFile, authorizationFile, cfg.Out)
			for _, f := range flags {
				fmt.Fprintf(env.Stdout, "  %s\n", f)
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&cfg.ServerURL, "server-url", "https://"+authenticator.DefaultListen, "the authenticator's URL as kube-apiserver reaches it")
	fs.StringVar(&cfg.CAFile, "ca-file", "", "PEM certificate kube-apiserver trusts the authenticator by (serve's --state-dir/cert.pem, or its --tls-cert's CA)")
	fs.StringVar(&cfg.Out, "out", ".", "the directory to write the files in")
	return cmd
}

// Init writes the two files and returns the flags kube-apiserver needs.
func Init(cfg InitConfig) ([]string, error) {
	server := strings.TrimRight(cfg.ServerURL, "/")
	if !strings.HasPrefix(server, "https://") || len(server) == len("https://") {
		return nil, command.Usagef("authenticator init: --server-url %q is not an https URL", cfg.ServerURL)
	}
	if cfg.CAFile == "" {
		return nil, command.Usagef("authenticator init: --ca-file is required")
	}
	ca, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, command.Usagef("authenticator init: %v", err)
	}
	if b, _ := pem.Decode(ca); b == nil || b.Type != "CERTIFICATE" {
		return nil, command.Usagef("authenticator init: %s holds no PEM certificate", cfg.CAFile)
	} else if _, err := x509.ParseCertificate(b.Bytes); err != nil {
		return nil, command.Usagef("authenticator init: %s: %v", cfg.CAFile, err)
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, err
	}
	authn, authz := filepath.Join(cfg.Out, authenticationFile), filepath.Join(cfg.Out, authorizationFile)
	if err := os.WriteFile(authn, authenticator.WebhookKubeconfig(server+authenticator.AuthenticatePath, ca), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(authz, authenticator.WebhookKubeconfig(server+authenticator.AuthorizePath, ca), 0o644); err != nil {
		return nil, err
	}
	abs := func(p string) string {
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	return APIServerFlags(abs(authn), abs(authz)), nil
}

// APIServerFlags are kube-apiserver's flags for the two files: the
// TokenReview webhook in v1 with a 30 s cache (a mapping removed stops
// working within it), and the authorization webhook after Node and
// before RBAC, keeping an allow 30 s and anything else 10 s.
func APIServerFlags(authenticationConfig, authorizationConfig string) []string {
	return []string{
		"--authentication-token-webhook-config-file=" + authenticationConfig,
		"--authentication-token-webhook-version=v1",
		"--authentication-token-webhook-cache-ttl=30s",
		"--authorization-webhook-config-file=" + authorizationConfig,
		"--authorization-webhook-version=v1",
		"--authorization-mode=Node,Webhook,RBAC",
		"--authorization-webhook-cache-authorized-ttl=30s",
		"--authorization-webhook-cache-unauthorized-ttl=10s",
	}
}
