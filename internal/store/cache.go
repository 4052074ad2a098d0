package store

import "sync"

// DefaultCacheSize is how many values a Cache holds when its Max is 0.
const DefaultCacheSize = 10000

// Cache keeps values derived from one class of records (a principal's
// compiled policies, an access key's caller and secret, a bucket), each
// valid for the generation (Store.Generation) loaded before its records
// were read. A lookup at another generation misses, and the first value
// put at a newer one empties the cache, so that a write is seen by the
// next request that loads the generation after it. The cache holds at
// most Max values and starts afresh when full. The zero value is ready.
//
// The pattern of use:
//
//	gen, err := st.Generation(ctx, store.IAM) // before reading
//	if v, ok := cache.Get(gen, k); ok { return v }
//	v := derive(read(k))
//	cache.Put(gen, k, v)
type Cache[K comparable, V any] struct {
	// Max bounds the values held (0: DefaultCacheSize).
	Max int
	mu  sync.RWMutex
	gen uint64
	m   map[K]V
}

// Get returns the value of k put at generation gen.
func (c *Cache[K, V]) Get(gen uint64, k K) (V, bool) {
	c.mu.RLock()
	v, ok := c.m[k]
	if c.gen != gen {
		var zero V
		v, ok = zero, false
	}
	c.mu.RUnlock()
	return v, ok
}

// Put keeps v for k at generation gen; a value of an older generation
// than the cache's is dropped.
func (c *Cache[K, V]) Put(gen uint64, k K, v V) {
	max := c.Max
	if max <= 0 {
		max = DefaultCacheSize
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.m != nil && gen < c.gen:
		return // read before a write the cache has seen
	case c.m == nil || gen != c.gen || len(c.m) >= max:
		c.m = make(map[K]V)
		c.gen = gen
	}
	c.m[k] = v
}
