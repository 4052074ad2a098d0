package kube

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// ErrNotFound reports an object the API server does not have.
var ErrNotFound = errors.New("not found")

// Client calls one API server.
type Client struct {
	server string // https://host:port, no trailing slash
	token  string
	ca     []byte // the PEM CA it trusts; nil for the system roots
	http   *http.Client
}

// kubeconfig holds the fields of a kubeconfig file that podiam reads.
type kubeconfig struct {
	CurrentContext string `json:"current-context"`
	Clusters       []struct {
		Name    string       `json:"name"`
		Cluster clusterEntry `json:"cluster"`
	} `json:"clusters"`
	Contexts []struct {
		Name    string `json:"name"`
		Context struct {
			Cluster string `json:"cluster"`
			User    string `json:"user"`
		} `json:"context"`
	} `json:"contexts"`
	Users []struct {
		Name string    `json:"name"`
		User userEntry `json:"user"`
	} `json:"users"`
}

// current is a kubeconfig's current context resolved: its cluster and
// user entries (zero when absent) and paths made relative to the file.
type current struct {
	path        string
	clusterName string
	cluster     clusterEntry
	user        userEntry
}

type (
	clusterEntry struct {
		Server                   string `json:"server"`
		CertificateAuthority     string `json:"certificate-authority"`
		CertificateAuthorityData string `json:"certificate-authority-data"`
		InsecureSkipTLSVerify    bool   `json:"insecure-skip-tls-verify"`
	}
	userEntry struct {
		Token                 string `json:"token"`
		TokenFile             string `json:"tokenFile"`
		ClientCertificate     string `json:"client-certificate"`
		ClientCertificateData string `json:"client-certificate-data"`
		ClientKey             string `json:"client-key"`
		ClientKeyData         string `json:"client-key-data"`
	}
)

// loadCurrent reads a kubeconfig file and resolves its current context
// (or its only context when none is current); with a cluster name, the
// context that uses that cluster instead.
func loadCurrent(path, cluster string) (*current, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read kubeconfig: %w", err)
	}
	var kc kubeconfig
	if err := yaml.Unmarshal(data, &kc); err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	ctxName := kc.CurrentContext
	if ctxName == "" && len(kc.Contexts) == 1 {
		ctxName = kc.Contexts[0].Name
	}
	if cluster != "" {
		if ctxName, err = contextFor(kc, cluster); err != nil {
			return nil, fmt.Errorf("kubeconfig %s: %w", path, err)
		}
	}
	cur := &current{path: path}
	var userName string
	found := false
	for _, c := range kc.Contexts {
		if c.Name == ctxName {
			cur.clusterName, userName, found = c.Context.Cluster, c.Context.User, true
		}
	}
	if !found {
		return nil, fmt.Errorf("kubeconfig %s: no context %q", path, ctxName)
	}
	for _, c := range kc.Clusters {
		if c.Name == cur.clusterName {
			cur.cluster = c.Cluster
		}
	}
	for _, u := range kc.Users {
		if u.Name == userName {
			cur.user = u.User
		}
	}
	return cur, nil
}

// contextFor names the context that uses cluster: the current context
// when it does, else the only one that does.
func contextFor(kc kubeconfig, cluster string) (string, error) {
	var names []string
	for _, c := range kc.Contexts {
		if c.Context.Cluster == cluster {
			if c.Name == kc.CurrentContext {
				return c.Name, nil
			}
			names = append(names, c.Name)
		}
	}
	switch len(names) {
	case 0:
		return "", fmt.Errorf("no context uses the cluster %q", cluster)
	case 1:
		return names[0], nil
	}
	return "", fmt.Errorf("the contexts %s all use the cluster %q: make one of them current", strings.Join(names, ", "), cluster)
}

// rel resolves a path of the kubeconfig relative to its file.
func (c *current) rel(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(c.path), p)
}

// FromKubeconfig builds a client from a kubeconfig file's current
// context: server, CA (file or data), and a bearer token or client
// certificate. Relative paths are relative to the file.
func FromKubeconfig(path string) (*Client, error) { return FromKubeconfigCluster(path, "") }

// FromKubeconfigCluster is FromKubeconfig with the context that uses the
// named cluster (the current context when cluster is "").
func FromKubeconfigCluster(path, cluster string) (*Client, error) {
	cur, err := loadCurrent(path, cluster)
	if err != nil {
		return nil, err
	}
	rel, clusterName := cur.rel, cur.clusterName
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	server := cur.cluster.Server
	tlsCfg.InsecureSkipVerify = cur.cluster.InsecureSkipTLSVerify
	ca, err := fileOrData(rel(cur.cluster.CertificateAuthority), cur.cluster.CertificateAuthorityData)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: cluster CA: %w", path, err)
	}
	if ca != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, fmt.Errorf("kubeconfig %s: cluster %q: no PEM certificate in its CA", path, clusterName)
		}
		tlsCfg.RootCAs = pool
	}
	if server == "" {
		return nil, fmt.Errorf("kubeconfig %s: cluster %q has no server", path, clusterName)
	}
	u := cur.user
	token := u.Token
	if token == "" && u.TokenFile != "" {
		b, err := os.ReadFile(rel(u.TokenFile))
		if err != nil {
			return nil, fmt.Errorf("kubeconfig %s: token file: %w", path, err)
		}
		token = strings.TrimSpace(string(b))
	}
	cert, err := fileOrData(rel(u.ClientCertificate), u.ClientCertificateData)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: client certificate: %w", path, err)
	}
	key, err := fileOrData(rel(u.ClientKey), u.ClientKeyData)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: client key: %w", path, err)
	}
	if cert != nil {
		pair, err := tls.X509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("kubeconfig %s: client certificate: %w", path, err)
		}
		tlsCfg.Certificates = []tls.Certificate{pair}
	}
	return newClient(server, token, ca, tlsCfg)
}

// In-cluster configuration, as the kubelet provides it to a pod.
const (
	saDir = "/var/run/secrets/kubernetes.io/serviceaccount"
)

// InCluster builds a client from the pod's service account and the
// KUBERNETES_SERVICE_HOST/PORT variables.
func InCluster(getenv func(string) string) (*Client, error) {
	host, port := getenv("KUBERNETES_SERVICE_HOST"), getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return nil, errors.New("not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset (give --kubeconfig)")
	}
	token, err := os.ReadFile(filepath.Join(saDir, "token"))
	if err != nil {
		return nil, fmt.Errorf("in-cluster token: %w", err)
	}
	ca, err := os.ReadFile(filepath.Join(saDir, "ca.crt"))
	if err != nil {
		return nil, fmt.Errorf("in-cluster CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, errors.New("in-cluster CA: no PEM certificate")
	}
	return newClient("https://"+host+":"+port, strings.TrimSpace(string(token)), ca, &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool})
}

func newClient(server, token string, ca []byte, tlsCfg *tls.Config) (*Client, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("API server URL %q is not an http(s) URL", server)
	}
	tr := &http.Transport{TLSClientConfig: tlsCfg, Proxy: nil, MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second}
	return &Client{server: strings.TrimSuffix(server, "/"), token: token, ca: ca, http: &http.Client{Transport: tr}}, nil
}

// CA returns the PEM CA the client trusts for the API server (the
// kubeconfig's or the pod's), or nil when it uses the system roots.
func (c *Client) CA() []byte { return c.ca }

// Server returns the API server's URL.
func (c *Client) Server() string { return c.server }

func fileOrData(file, data string) ([]byte, error) {
	if data != "" {
		return base64.StdEncoding.DecodeString(data)
	}
	if file != "" {
		return os.ReadFile(file)
	}
	return nil, nil
}

// StatusError is an API server's refusal.
type StatusError struct {
	Code    int
	Message string
}

func (e *StatusError) Error() string { return fmt.Sprintf("API server: %d: %s", e.Code, e.Message) }

// Do sends a request with a JSON body (nil for none) and decodes a JSON
// answer into out (nil to discard). A 404 is ErrNotFound.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var data []byte
	ctype := ""
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return err
		}
		ctype = "application/json"
	}
	b, err := c.call(ctx, method, path, ctype, "application/json", data, 64<<20)
	if err != nil || out == nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: decode: %w", method, path, err)
	}
	return nil
}

// MergePatch sends a JSON merge patch to path.
func (c *Client) MergePatch(ctx context.Context, path, mergePatch string) error {
	_, err := c.call(ctx, "PATCH", path, "application/merge-patch+json", "application/json", []byte(mergePatch), 64<<20)
	return err
}

// GetRaw reads path with the given Accept header and returns the body of
// a successful answer (at most 1 MiB).
func (c *Client) GetRaw(ctx context.Context, path, accept string) ([]byte, error) {
	return c.call(ctx, "GET", path, "", accept, nil, 1<<20)
}

// call sends one request and returns the body of a 2xx answer of at most
// limit bytes; a 404 is ErrNotFound, any other failure a StatusError.
func (c *Client) call(ctx context.Context, method, path, ctype, accept string, body []byte, limit int64) ([]byte, error) {
	resp, err := c.send(ctx, method, path, ctype, accept, body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("%s %s: %w", method, path, ErrNotFound)
	}
	if resp.StatusCode/100 != 2 {
		var st struct{ Message string }
		json.Unmarshal(b, &st)
		if st.Message == "" {
			st.Message = strings.TrimSpace(string(b))
		}
		return nil, fmt.Errorf("%s %s: %w", method, path, &StatusError{Code: resp.StatusCode, Message: st.Message})
	}
	return b, nil
}

// send sends one request with the client's credentials; the caller
// closes the answer's body.
func (c *Client) send(ctx context.Context, method, path, ctype, accept string, body []byte) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.server+path, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return resp, nil
}
