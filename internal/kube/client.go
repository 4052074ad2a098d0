package kube

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/client-go/transport"
)

// Config says which cluster to talk to and as whom. With no Kubeconfig,
// the files of $KUBECONFIG are read (merged, as kubectl does), else
// ~/.kube/config; when they name nothing, the pod's own service account
// is used (in-cluster).
type Config struct {
	Kubeconfig string // a kubeconfig file; "" for $KUBECONFIG, ~/.kube/config, then in-cluster
	Context    string // the kubeconfig's context; "" for its current context
	// Cluster picks the context that uses the cluster of that name: the
	// current context when it does, else the only one (podiam irsa's
	// --cluster). With Context, that context must use it.
	Cluster string
	// Getenv reads KUBECONFIG, HOME and KUBERNETES_SERVICE_HOST; nil
	// reads nothing (no default files, never in-cluster).
	Getenv func(string) string
}

// Client is one cluster's configuration and the clients podiam uses on
// it, sharing one HTTP client (connections, credentials).
type Client struct {
	Config *rest.Config
	// Namespace is the context's namespace, or the pod's in a cluster;
	// "default" when neither names one.
	Namespace string
	// REST sends requests by path (AbsPath) with JSON bodies: for the
	// odd request that no object client covers (discovery documents,
	// subresources, tests).
	REST     rest.Interface
	Metadata metadata.Interface // object metadata of any resource
	Dynamic  dynamic.Interface  // whole objects of any resource, as unstructured
}

// In a pod, the kubelet writes the service account's namespace here.
const podNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// New resolves cfg into a client. Every kubeconfig feature is client-go's
// (clientcmd): exec plugins, token files (re-read as they rotate),
// client certificates, proxy-url, tls-server-name, the context's
// namespace.
func New(cfg Config) (*Client, error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: cfg.Kubeconfig}
	if cfg.Kubeconfig == "" {
		if list := getenv("KUBECONFIG"); list != "" {
			rules.Precedence = filepath.SplitList(list)
		} else if home := getenv("HOME"); home != "" {
			rules.Precedence = []string{filepath.Join(home, clientcmd.RecommendedHomeDir, clientcmd.RecommendedFileName)}
		}
	}
	raw, err := rules.Load()
	if err != nil {
		return nil, fmt.Errorf("read kubeconfig: %w", err)
	}
	var rc *rest.Config
	namespace := "default"
	if cfg.Kubeconfig == "" && clientcmdapi.IsConfigEmpty(raw) {
		if cfg.Context != "" || cfg.Cluster != "" {
			return nil, errors.New("no kubeconfig to take a context or cluster from: give --kubeconfig or set $KUBECONFIG")
		}
		if getenv("KUBERNETES_SERVICE_HOST") == "" {
			return nil, errors.New("no Kubernetes configuration: give --kubeconfig or set $KUBECONFIG (not running in a cluster, and no ~/.kube/config)")
		}
		if rc, err = rest.InClusterConfig(); err != nil {
			return nil, fmt.Errorf("in-cluster configuration: %w", err)
		}
		if b, err := os.ReadFile(podNamespaceFile); err == nil && len(strings.TrimSpace(string(b))) > 0 {
			namespace = strings.TrimSpace(string(b))
		}
	} else {
		context := cfg.Context
		if cfg.Cluster != "" {
			if context, err = contextFor(raw, context, cfg.Cluster); err != nil {
				return nil, fmt.Errorf("kubeconfig: %w", err)
			}
		}
		cc := clientcmd.NewNonInteractiveClientConfig(*raw, context, &clientcmd.ConfigOverrides{}, rules)
		if rc, err = cc.ClientConfig(); err != nil {
			return nil, fmt.Errorf("kubeconfig: %w", err)
		}
		if namespace, _, err = cc.Namespace(); err != nil {
			return nil, fmt.Errorf("kubeconfig: %w", err)
		}
	}
	return newClient(rc, namespace)
}

func newClient(rc *rest.Config, namespace string) (*Client, error) {
	rc = rest.CopyConfig(rc)
	rc.UserAgent = "podiam"
	// client-go's default, 5 requests a second, would make the 100 pages
	// of a list of 50,000 ServiceAccounts take 20 s; the API server's
	// priority and fairness protects it.
	if rc.QPS == 0 {
		rc.QPS, rc.Burst = 50, 100
	}
	if rc.BearerTokenFile != "" {
		// client-go re-reads a token file every minute; this source also
		// drops the token at a 401, so that a token rotated and revoked
		// at once costs one refused request, not a minute of them.
		rc.Wrap(transport.ResettableTokenSourceWrapTransport(transport.NewCachedFileTokenSource(rc.BearerTokenFile)))
		rc.BearerToken, rc.BearerTokenFile = "", ""
	}
	hc, err := rest.HTTPClientFor(rc)
	if err != nil {
		return nil, fmt.Errorf("API server client: %w", err)
	}
	c := &Client{Config: rc, Namespace: namespace}
	if c.Metadata, err = metadata.NewForConfigAndClient(rc, hc); err != nil {
		return nil, fmt.Errorf("metadata client: %w", err)
	}
	if c.Dynamic, err = dynamic.NewForConfigAndClient(rc, hc); err != nil {
		return nil, fmt.Errorf("dynamic client: %w", err)
	}
	raw := rest.CopyConfig(rc)
	raw.APIPath = "/api"
	raw.GroupVersion = &schema.GroupVersion{Version: "v1"}
	raw.ContentType, raw.AcceptContentTypes = runtime.ContentTypeJSON, runtime.ContentTypeJSON
	raw.NegotiatedSerializer = statusCodecs.WithoutConversion()
	if c.REST, err = rest.RESTClientForConfigAndClient(raw, hc); err != nil {
		return nil, fmt.Errorf("REST client: %w", err)
	}
	return c, nil
}

// statusCodecs decode the API server's refusals (metav1.Status) into
// errors that k8s.io/apimachinery/pkg/api/errors reads; bodies are
// the caller's bytes.
var statusCodecs = func() serializer.CodecFactory {
	s := runtime.NewScheme()
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	return serializer.NewCodecFactory(s)
}()

// CA returns the PEM certificates the client trusts for the API server
// (the kubeconfig's or the pod's), or nil when it trusts the system
// roots.
func (c *Client) CA() ([]byte, error) {
	t := c.Config.TLSClientConfig
	switch {
	case len(t.CAData) > 0:
		return t.CAData, nil
	case t.CAFile != "":
		b, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("cluster CA: %w", err)
		}
		return b, nil
	}
	return nil, nil
}

// contextFor names the context that uses cluster: context itself when
// given (and it uses cluster), else the current context when it does,
// else the only one that does.
func contextFor(kc *clientcmdapi.Config, context, cluster string) (string, error) {
	if context != "" {
		c, ok := kc.Contexts[context]
		switch {
		case !ok:
			return "", fmt.Errorf("no context %q", context)
		case c.Cluster != cluster:
			return "", fmt.Errorf("the context %q uses the cluster %q, not %q", context, c.Cluster, cluster)
		}
		return context, nil
	}
	var names []string
	for name, c := range kc.Contexts {
		if c.Cluster == cluster {
			if name == kc.CurrentContext {
				return name, nil
			}
			names = append(names, name)
		}
	}
	slices.Sort(names)
	switch len(names) {
	case 0:
		return "", fmt.Errorf("no context uses the cluster %q", cluster)
	case 1:
		return names[0], nil
	}
	return "", fmt.Errorf("the contexts %s all use the cluster %q: make one of them current or give --context", strings.Join(names, ", "), cluster)
}
