package kube

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// PollConfigMap reads key of the ConfigMap namespace/name now and then
// every interval until ctx ends, calling apply with the value whenever
// it changes; a missing ConfigMap or key is the empty value. Failed reads
// are logged and change nothing.
func PollConfigMap(ctx context.Context, c *Client, log *slog.Logger, namespace, name, key string, interval time.Duration, apply func(string)) {
	path := "/api/v1/namespaces/" + url.PathEscape(namespace) + "/configmaps/" + url.PathEscape(name)
	last, first := "", true
	for {
		var cm corev1.ConfigMap
		err := c.Do(ctx, "GET", path, nil, &cm)
		switch {
		case err == nil || errors.Is(err, ErrNotFound):
			if v := cm.Data[key]; first || v != last {
				apply(v)
				last, first = v, false
			}
		case ctx.Err() == nil:
			log.Warn("read the mappings ConfigMap", "namespace", namespace, "name", name, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
