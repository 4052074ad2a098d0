package kube

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

var serviceAccounts = schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}

// Accounts is a cache of every ServiceAccount in the cluster, kept by a
// client-go reflector over the metadata client: paginated lists, watches
// with bookmarks, client-go's back-off when a watch fails or the server
// ends it at once. Of each account it keeps the annotations under one
// prefix and nothing else; its store is its own (not a shared informer's)
// so that an account costs a map entry rather than a whole ObjectMeta
// (docs/BENCHMARKS.md). Asked for an account it has not seen (a pod
// created right after its ServiceAccount, before the watch delivered
// it), it reads the API server instead of answering "no such account".
type Accounts struct {
	c      *Client
	log    *slog.Logger
	store  *accountStore
	lw     cache.ListerWatcher
	synced chan struct{}
}

// NewAccounts returns an empty cache of the accounts' annotations under
// annotationPrefix + "/"; Run fills it.
func NewAccounts(c *Client, annotationPrefix string, log *slog.Logger) *Accounts {
	a := &Accounts{c: c, log: log, synced: make(chan struct{})}
	a.store = &accountStore{prefix: annotationPrefix + "/", m: map[string][]string{}, synced: a.synced}
	ri := c.Metadata.Resource(serviceAccounts)
	a.lw = &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			// The reflector's first list asks for any version
			// (resourceVersion 0), which the API server answers whole from
			// its cache whatever the limit; an up-to-date list comes in
			// pages of the reflector's limit (500).
			if opts.ResourceVersion == "0" {
				opts.ResourceVersion = ""
			}
			list, err := ri.List(ctx, opts)
			if err != nil {
				return nil, err
			}
			// Slim each page as it arrives, so that the pages held until
			// the last one are small.
			for i := range list.Items {
				m := &list.Items[i].ObjectMeta
				*m = metav1.ObjectMeta{Namespace: m.Namespace, Name: m.Name, Annotations: a.store.kept(m.Annotations)}
			}
			return list, nil
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			return ri.Watch(ctx, opts)
		},
	}
	return a
}

// Run keeps the cache until ctx ends; client-go's log lines go to the
// cache's logger.
func (a *Accounts) Run(ctx context.Context) {
	ctx = klog.NewContext(ctx, logr.FromSlogHandler(a.log.Handler()))
	r := cache.NewReflectorWithOptions(a.lw, &metav1.PartialObjectMetadata{}, a.store, cache.ReflectorOptions{Name: "podiam-serviceaccounts", TypeDescription: "serviceaccounts"})
	r.RunWithContext(ctx)
}

// Synced is closed once the first complete list is in the cache.
func (a *Accounts) Synced() <-chan struct{} { return a.synced }

// lookupTimeout bounds the fallback read of one account.
const lookupTimeout = 2 * time.Second

// ServiceAccount returns namespace/name from the cache or, failing that,
// from the API server (an error that apierrors.IsNotFound reports when
// neither has it). The account has its namespace, name and the
// annotations under the prefix, nothing else.
func (a *Accounts) ServiceAccount(ctx context.Context, namespace, name string) (*corev1.ServiceAccount, error) {
	if sa, ok := a.lookup(namespace, name); ok {
		return sa, nil
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	m, err := a.c.Metadata.Resource(serviceAccounts).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("read ServiceAccount %s/%s: %w", namespace, name, err)
	}
	return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: m.Namespace, Name: m.Name, Annotations: a.store.kept(m.Annotations)}}, nil
}

// lookup returns namespace/name from the cache alone.
func (a *Accounts) lookup(namespace, name string) (*corev1.ServiceAccount, bool) {
	pairs, ok := a.store.get(namespace + "/" + name)
	if !ok {
		return nil, false
	}
	var ann map[string]string
	if len(pairs) > 0 {
		ann = make(map[string]string, len(pairs)/2)
		for i := 0; i < len(pairs); i += 2 {
			ann[pairs[i]] = pairs[i+1]
		}
	}
	return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Annotations: ann}}, true
}

// accountStore is the reflector's store: by "namespace/name", the
// account's annotations under the prefix as key, value, key, value...
// (nil for none: most accounts).
type accountStore struct {
	prefix string
	synced chan struct{} // closed at the first Replace

	mu   sync.RWMutex
	m    map[string][]string
	once sync.Once
}

var _ cache.ReflectorStore = (*accountStore)(nil)

// kept returns the annotations under the prefix, nil for none.
func (s *accountStore) kept(all map[string]string) map[string]string {
	var out map[string]string
	for k, v := range all {
		if strings.HasPrefix(k, s.prefix) {
			if out == nil {
				out = make(map[string]string, 1)
			}
			out[k] = v
		}
	}
	return out
}

// entry is what the store keeps of obj, and under which key.
func (s *accountStore) entry(obj any) (string, []string, error) {
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return "", nil, fmt.Errorf("service account cache: unexpected %T", obj)
	}
	var pairs []string
	for k, v := range m.Annotations {
		if strings.HasPrefix(k, s.prefix) {
			pairs = append(pairs, k, v)
		}
	}
	return m.Namespace + "/" + m.Name, pairs, nil
}

func (s *accountStore) Add(obj any) error {
	key, pairs, err := s.entry(obj)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.m[key] = pairs
	s.mu.Unlock()
	return nil
}

func (s *accountStore) Update(obj any) error { return s.Add(obj) }

func (s *accountStore) Delete(obj any) error {
	key, _, err := s.entry(obj)
	if err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.m, key)
	s.mu.Unlock()
	return nil
}

func (s *accountStore) Replace(list []any, _ string) error {
	fresh := make(map[string][]string, len(list))
	for _, obj := range list {
		key, pairs, err := s.entry(obj)
		if err != nil {
			return err
		}
		fresh[key] = pairs
	}
	s.mu.Lock()
	s.m = fresh
	s.mu.Unlock()
	s.once.Do(func() { close(s.synced) })
	return nil
}

func (s *accountStore) Resync() error { return nil }

func (s *accountStore) get(key string) ([]string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	pairs, ok := s.m[key]
	return pairs, ok
}

func (s *accountStore) size() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)
}

// size is the number of accounts in the cache.
func (a *Accounts) size() int { return a.store.size() }
