package associations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
)

// Lister is the EKS API call the cache makes; *eks.Client is one.
type Lister interface {
	ListPodIdentityAssociations(ctx context.Context, in *eks.ListPodIdentityAssociationsInput, opts ...func(*eks.Options)) (*eks.ListPodIdentityAssociationsOutput, error)
}

// Defaults of Config.
const (
	DefaultRefresh = time.Minute
	DefaultTimeout = 2 * time.Second
	// pageSize is the largest page ListPodIdentityAssociations returns.
	pageSize = 100
)

// Config configures a Cache.
type Config struct {
	Client  Lister
	Cluster string // the EKS cluster's name
	// Refresh is the period of the full list that fills the cache and
	// forgets deleted associations (DefaultRefresh when zero).
	Refresh time.Duration
	// Timeout bounds one lookup of a ServiceAccount not known to have an
	// association (DefaultTimeout when zero).
	Timeout time.Duration
	Log     *slog.Logger
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	var errs []error
	if c.Client == nil {
		errs = append(errs, errors.New("associations: no EKS client"))
	}
	if c.Cluster == "" {
		errs = append(errs, errors.New("associations: no cluster name"))
	}
	if c.Refresh < 0 || c.Timeout < 0 {
		errs = append(errs, errors.New("associations: negative refresh or timeout"))
	}
	return errors.Join(errs...)
}

type key struct{ namespace, serviceAccount string }

// Cache answers whether a ServiceAccount has an association.
type Cache struct {
	cfg Config

	mu sync.Mutex
	// known holds the ServiceAccounts known to have an association, each
	// with the generation at which it was learned.
	known map[key]uint64
	gen   uint64
}

// New returns an empty Cache; Run fills it.
func New(cfg Config) (*Cache, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Refresh == 0 {
		cfg.Refresh = DefaultRefresh
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Cache{cfg: cfg, known: map[key]uint64{}}, nil
}

// HasAssociation reports whether namespace/serviceAccount has a Pod
// Identity association in the cluster. A ServiceAccount known to have one
// is answered from memory; any other is looked up in the EKS API (within
// Config.Timeout), so that an association is seen as soon as the API
// has it. A negative answer is never kept. An error means the API could
// not say.
func (c *Cache) HasAssociation(ctx context.Context, namespace, serviceAccount string) (bool, error) {
	k := key{namespace, serviceAccount}
	c.mu.Lock()
	_, ok := c.known[k]
	c.mu.Unlock()
	if ok {
		return true, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	out, err := c.cfg.Client.ListPodIdentityAssociations(ctx, &eks.ListPodIdentityAssociationsInput{
		ClusterName: aws.String(c.cfg.Cluster), Namespace: aws.String(namespace), ServiceAccount: aws.String(serviceAccount),
	})
	if err != nil {
		return false, fmt.Errorf("list pod identity associations of %s/%s in cluster %q: %w", namespace, serviceAccount, c.cfg.Cluster, err)
	}
	for _, a := range out.Associations {
		// The API filters; an answer for another account is not trusted.
		if aws.ToString(a.Namespace) == namespace && aws.ToString(a.ServiceAccount) == serviceAccount {
			c.mu.Lock()
			c.gen++
			c.known[k] = c.gen
			c.mu.Unlock()
			return true, nil
		}
	}
	return false, nil
}

// Refresh lists every association of the cluster and makes the cache
// that list, keeping what lookups learned while it ran.
func (c *Cache) Refresh(ctx context.Context) error {
	c.mu.Lock()
	start := c.gen
	c.mu.Unlock()
	fresh := map[key]uint64{}
	var token *string
	for {
		out, err := c.cfg.Client.ListPodIdentityAssociations(ctx, &eks.ListPodIdentityAssociationsInput{
			ClusterName: aws.String(c.cfg.Cluster), MaxResults: aws.Int32(pageSize), NextToken: token,
		})
		if err != nil {
			return fmt.Errorf("list pod identity associations of cluster %q: %w", c.cfg.Cluster, err)
		}
		for _, a := range out.Associations {
			fresh[key{aws.ToString(a.Namespace), aws.ToString(a.ServiceAccount)}] = start
		}
		if token = out.NextToken; aws.ToString(token) == "" {
			break
		}
	}
	c.mu.Lock()
	for k, g := range c.known {
		if g > start { // learned by a lookup after the list began
			fresh[k] = g
		}
	}
	c.known = fresh
	c.mu.Unlock()
	return nil
}

// Len is the number of ServiceAccounts known to have an association.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.known)
}

// Run refreshes the cache at once and then every Config.Refresh until
// ctx ends. A list that fails keeps the cache as it was and is logged.
func (c *Cache) Run(ctx context.Context) {
	t := time.NewTicker(c.cfg.Refresh)
	defer t.Stop()
	for {
		if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
			c.cfg.Log.Warn("pod identity associations not refreshed", "cluster", c.cfg.Cluster, "err", err)
		} else if err == nil {
			c.cfg.Log.Debug("pod identity associations refreshed", "cluster", c.cfg.Cluster, "serviceAccounts", c.Len())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
