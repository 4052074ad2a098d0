package kube

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
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

// Accounts is a cache of the metadata of every ServiceAccount in the
// cluster, kept by a client-go informer: paginated lists, watches with
// bookmarks, client-go's back-off when a watch fails or the server
// closes it at once. It keeps of each account its namespace, name and
// the annotations under one prefix, nothing else. Asked for an account
// it has not seen (a pod created right after its ServiceAccount, before
// the watch delivered it), it reads the API server instead of answering
// "no such account".
type Accounts struct {
	c      *Client
	prefix string // the annotations kept start with it
	log    *slog.Logger
	inf    cache.SharedIndexInformer
	synced chan struct{}
}

// NewAccounts returns an empty cache of the accounts' annotations under
// annotationPrefix + "/"; Run fills it.
func NewAccounts(c *Client, annotationPrefix string, log *slog.Logger) *Accounts {
	a := &Accounts{c: c, prefix: annotationPrefix + "/", log: log, synced: make(chan struct{})}
	ri := c.Metadata.Resource(serviceAccounts)
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			// The informer's first list asks for any version
			// (resourceVersion 0), which the API server answers whole from
			// its cache whatever the limit; an up-to-date list comes in
			// pages of the informer's limit (500).
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
				list.Items[i].ObjectMeta = a.slim(&list.Items[i].ObjectMeta)
			}
			return list, nil
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			return ri.Watch(ctx, opts)
		},
	}
	a.inf = cache.NewSharedIndexInformerWithOptions(lw, &metav1.PartialObjectMetadata{}, cache.SharedIndexInformerOptions{ObjectDescription: "serviceaccounts"})
	a.inf.SetTransform(func(obj any) (any, error) {
		if m, ok := obj.(*metav1.PartialObjectMetadata); ok {
			return &metav1.PartialObjectMetadata{ObjectMeta: a.slim(&m.ObjectMeta)}, nil
		}
		return obj, nil // a deletion whose final state is unknown
	})
	return a
}

// slim keeps of m what the webhook reads: namespace, name and the
// annotations under the prefix.
func (a *Accounts) slim(m *metav1.ObjectMeta) metav1.ObjectMeta {
	var kept map[string]string
	for k, v := range m.Annotations {
		if strings.HasPrefix(k, a.prefix) {
			if kept == nil {
				kept = make(map[string]string, 1)
			}
			kept[k] = v
		}
	}
	return metav1.ObjectMeta{Namespace: m.Namespace, Name: m.Name, Annotations: kept}
}

// Run keeps the cache until ctx ends; client-go's log lines go to the
// cache's logger.
func (a *Accounts) Run(ctx context.Context) {
	ctx = klog.NewContext(ctx, logr.FromSlogHandler(a.log.Handler()))
	go func() {
		if cache.WaitForCacheSync(ctx.Done(), a.inf.HasSynced) {
			close(a.synced)
		}
	}()
	a.inf.RunWithContext(ctx)
}

// Synced is closed once the first complete list is in the cache.
func (a *Accounts) Synced() <-chan struct{} { return a.synced }

// lookupTimeout bounds the fallback read of one account.
const lookupTimeout = 2 * time.Second

// ServiceAccount returns namespace/name from the cache or, failing that,
// from the API server (an error that apierrors.IsNotFound reports when
// neither has it). The account holds the metadata the cache keeps; the
// caller must not change it.
func (a *Accounts) ServiceAccount(ctx context.Context, namespace, name string) (*corev1.ServiceAccount, error) {
	if obj, ok, _ := a.inf.GetStore().GetByKey(namespace + "/" + name); ok {
		return &corev1.ServiceAccount{ObjectMeta: obj.(*metav1.PartialObjectMetadata).ObjectMeta}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	m, err := a.c.Metadata.Resource(serviceAccounts).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("read ServiceAccount %s/%s: %w", namespace, name, err)
	}
	return &corev1.ServiceAccount{ObjectMeta: a.slim(&m.ObjectMeta)}, nil
}

// size is the number of accounts in the cache.
func (a *Accounts) size() int { return len(a.inf.GetStore().ListKeys()) }
