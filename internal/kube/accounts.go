package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Accounts is a cache of every ServiceAccount in the cluster, kept by
// LIST and WATCH. Asked for one it has not seen (a pod created right
// after its ServiceAccount, before the watch delivered it), it reads
// the API server instead of answering "no such account".
type Accounts struct {
	c   *Client
	log *slog.Logger

	mu     sync.RWMutex
	m      map[string]*corev1.ServiceAccount // by namespace/name
	synced chan struct{}
	once   sync.Once
}

// NewAccounts returns an empty cache; Run fills it.
func NewAccounts(c *Client, log *slog.Logger) *Accounts {
	return &Accounts{c: c, log: log, m: map[string]*corev1.ServiceAccount{}, synced: make(chan struct{})}
}

// Synced is closed after the first complete LIST.
func (a *Accounts) Synced() <-chan struct{} { return a.synced }

// lookupTimeout bounds the fallback read of one account.
const lookupTimeout = 2 * time.Second

// ServiceAccount returns namespace/name from the cache or, failing
// that, from the API server; ErrNotFound if neither has it.
func (a *Accounts) ServiceAccount(ctx context.Context, namespace, name string) (*corev1.ServiceAccount, error) {
	a.mu.RLock()
	sa, ok := a.m[namespace+"/"+name]
	a.mu.RUnlock()
	if ok {
		return sa, nil
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	sa = new(corev1.ServiceAccount)
	if err := a.c.Do(ctx, "GET", "/api/v1/namespaces/"+url.PathEscape(namespace)+"/serviceaccounts/"+url.PathEscape(name), nil, sa); err != nil {
		return nil, err
	}
	a.put(sa)
	return sa, nil
}

func (a *Accounts) put(sa *corev1.ServiceAccount) {
	a.mu.Lock()
	defer a.mu.Unlock()
	key := sa.Namespace + "/" + sa.Name
	// An older copy (from a read racing the watch) never replaces a newer one.
	if old, ok := a.m[key]; ok && newer(old.ResourceVersion, sa.ResourceVersion) {
		return
	}
	a.m[key] = sa
}

// newer reports whether resource version a is later than b. Versions are
// opaque to clients in general, but etcd's are increasing integers; when
// either is not, the incoming copy wins.
func newer(a, b string) bool {
	var x, y uint64
	if _, err := fmt.Sscan(a, &x); err != nil {
		return false
	}
	if _, err := fmt.Sscan(b, &y); err != nil {
		return false
	}
	return x > y
}

// Run keeps the cache until ctx ends: LIST, then WATCH from the list's
// version, again after any failure (with a growing pause, at most 30 s).
func (a *Accounts) Run(ctx context.Context) {
	const minPause = 100 * time.Millisecond
	pause := minPause
	for ctx.Err() == nil {
		start := time.Now()
		err := a.listWatch(ctx)
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) > time.Minute {
			pause = minPause // it worked for a while: start the back-off over
		}
		a.log.Warn("service account watch ended; listing again", "err", err, "pause", pause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 30*time.Second)
	}
}

type accountList struct {
	Metadata struct {
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
	Items []corev1.ServiceAccount `json:"items"`
}

type watchEvent struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

var errGone = errors.New("watch version too old")

func (a *Accounts) listWatch(ctx context.Context) error {
	var list accountList
	if err := a.c.Do(ctx, "GET", "/api/v1/serviceaccounts", nil, &list); err != nil {
		return err
	}
	fresh := make(map[string]*corev1.ServiceAccount, len(list.Items))
	for i := range list.Items {
		sa := &list.Items[i]
		fresh[sa.Namespace+"/"+sa.Name] = sa
	}
	a.mu.Lock()
	a.m = fresh
	a.mu.Unlock()
	a.once.Do(func() { close(a.synced) })
	rv := list.Metadata.ResourceVersion
	for {
		next, err := a.watch(ctx, rv)
		if err != nil {
			return err
		}
		rv = next
	}
}

// watch follows one WATCH from version rv and returns the last version
// seen when the server ends it normally.
func (a *Accounts) watch(ctx context.Context, rv string) (string, error) {
	q := url.Values{"watch": {"1"}, "resourceVersion": {rv}, "allowWatchBookmarks": {"true"}, "timeoutSeconds": {"300"}}
	resp, err := a.c.send(ctx, "GET", "/api/v1/serviceaccounts?"+q.Encode(), "", "application/json", nil)
	if err != nil {
		return rv, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return rv, &StatusError{Code: resp.StatusCode, Message: "watch refused"}
	}
	dec := json.NewDecoder(resp.Body)
	for {
		var ev watchEvent
		if err := dec.Decode(&ev); err != nil {
			if ctx.Err() != nil {
				return rv, ctx.Err()
			}
			return rv, nil // the server closed the watch; resume from rv
		}
		switch ev.Type {
		case "ADDED", "MODIFIED", "DELETED", "BOOKMARK":
			var sa corev1.ServiceAccount
			if err := json.Unmarshal(ev.Object, &sa); err != nil {
				return rv, fmt.Errorf("watch event: %w", err)
			}
			rv = sa.ResourceVersion
			switch ev.Type {
			case "ADDED", "MODIFIED":
				a.put(&sa)
			case "DELETED":
				a.mu.Lock()
				delete(a.m, sa.Namespace+"/"+sa.Name)
				a.mu.Unlock()
			}
		case "ERROR":
			var st struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			}
			json.Unmarshal(ev.Object, &st)
			if st.Code == 410 {
				return rv, errGone
			}
			return rv, &StatusError{Code: st.Code, Message: st.Message}
		}
	}
}
