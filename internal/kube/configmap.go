package kube

import (
	"context"
	"log/slog"
	"sync"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

var configMaps = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}

// WatchConfigMap follows key of the ConfigMap namespace/name with an
// informer until ctx ends, calling apply with its value once the first
// list is done and again whenever it changes; a missing ConfigMap or key
// is the empty value. Failed lists and watches are logged, retried with
// client-go's back-off, and change nothing. It needs list and watch on
// that one ConfigMap (RBAC resourceNames).
func WatchConfigMap(ctx context.Context, c *Client, log *slog.Logger, namespace, name, key string, apply func(string)) {
	var (
		last      string
		delivered bool
	)
	WatchConfigMapData(ctx, c, log, namespace, name, func(data map[string]string) {
		if v := data[key]; !delivered || v != last {
			last, delivered = v, true
			apply(v)
		}
	})
}

// WatchConfigMapData is WatchConfigMap for the whole of the ConfigMap's
// data: apply is called (one call at a time) with it once the first list
// is done and again whenever the ConfigMap changes; a missing ConfigMap
// is nil data.
func WatchConfigMapData(ctx context.Context, c *Client, log *slog.Logger, namespace, name string, apply func(map[string]string)) {
	ri := c.Dynamic.Resource(configMaps).Namespace(namespace)
	only := fields.OneTermEqualSelector("metadata.name", name).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			opts.FieldSelector = only
			return ri.List(ctx, opts)
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			opts.FieldSelector = only
			return ri.Watch(ctx, opts)
		},
	}
	inf := cache.NewSharedIndexInformerWithOptions(lw, &unstructured.Unstructured{}, cache.SharedIndexInformerOptions{ObjectDescription: "configmap " + namespace + "/" + name})
	var (
		mu        sync.Mutex
		delivered bool
	)
	deliver := func(data map[string]string, onlyFirst bool) {
		mu.Lock()
		defer mu.Unlock()
		if delivered && onlyFirst {
			return
		}
		delivered = true
		apply(data)
	}
	value := func(obj any) map[string]string {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return nil
		}
		v, _, _ := unstructured.NestedStringMap(u.Object, "data")
		return v
	}
	inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { deliver(value(obj), false) },
		UpdateFunc: func(_, obj any) { deliver(value(obj), false) },
		DeleteFunc: func(any) { deliver(nil, false) },
	})
	ctx = klog.NewContext(ctx, logr.FromSlogHandler(log.Handler()))
	go func() {
		// Listed and not there: nil data, unless an event came first.
		if cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) && len(inf.GetStore().ListKeys()) == 0 {
			deliver(nil, true)
		}
	}()
	inf.RunWithContext(ctx)
}
