// Package loadgen runs a closed-loop load from concurrent clients and
// reports its rate and latency; the bench commands share it so that every
// server is driven the same way.
package loadgen

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Run calls fn from clients goroutines, each calling again as soon as its
// call returns, until duration has passed, and prints the rate and the p50
// and p99 latency. fn gets a call number unique to the run. The first
// error stops its client and is returned.
func Run(name string, clients int, duration time.Duration, fn func(i int) error) error {
	var n atomic.Int64
	lat := make([][]time.Duration, clients)
	end := time.Now().Add(duration)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; time.Now().Before(end); i += clients {
				s := time.Now()
				if err := fn(i); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				lat[c] = append(lat[c], time.Since(s))
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		return fmt.Errorf("%s: %v", name, e)
	}
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return fmt.Errorf("%s: no call finished", name)
	}
	slices.Sort(all)
	q := func(p float64) time.Duration { return all[int(p*float64(len(all)-1))] }
	fmt.Printf("%s, %d clients, %v: %d requests, %.0f req/s, p50 %v, p99 %v\n",
		name, clients, duration, n.Load(), float64(n.Load())/duration.Seconds(), q(0.50).Round(time.Microsecond), q(0.99).Round(time.Microsecond))
	return nil
}
