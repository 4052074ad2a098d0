package store_test

import (
	"testing"

	"github.com/podiam/podiam/internal/store"
)

func TestCache(t *testing.T) {
	var c store.Cache[string, int]
	c.Max = 2
	get := func(gen uint64, k string) (int, bool) { return c.Get(gen, k) }
	if _, ok := get(0, "a"); ok {
		t.Fatal("an empty cache had a value")
	}
	c.Put(1, "a", 1)
	if v, ok := get(1, "a"); !ok || v != 1 {
		t.Fatalf("get at the generation put: %d %v", v, ok)
	}
	if _, ok := get(2, "a"); ok {
		t.Error("a value was served at a newer generation")
	}
	if _, ok := get(0, "a"); ok {
		t.Error("a value was served at an older generation")
	}
	c.Put(0, "b", 2) // read before the write that made generation 1
	if _, ok := get(0, "b"); ok {
		t.Error("a value of an older generation was kept")
	}
	if v, ok := get(1, "a"); !ok || v != 1 {
		t.Error("putting an older value dropped the current ones")
	}
	c.Put(2, "b", 2)
	if _, ok := get(2, "a"); ok {
		t.Error("a value of generation 1 survived a put at generation 2")
	}
	c.Put(2, "c", 3)
	c.Put(2, "d", 4) // over Max: starts afresh
	if _, ok := get(2, "b"); ok {
		t.Error("the cache grew past its Max")
	}
	if v, ok := get(2, "d"); !ok || v != 4 {
		t.Errorf("the value put when full: %d %v", v, ok)
	}
}
