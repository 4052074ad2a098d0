package policy

import (
	"strings"
	"sync"
)

// lowerKey is strings.ToLower for condition keys and actions, without an
// allocation for the names a server sees again and again: a name with no
// upper-case letter is its own lower case, and the lower case of others
// is kept, up to maxLowerKeys names (a client may send names without
// end, in tag keys), in a table the whole process shares.
func lowerKey(s string) string {
	if !hasUpper(s) {
		return s
	}
	lowerKeys.RLock()
	l, ok := lowerKeys.m[s]
	lowerKeys.RUnlock()
	if ok {
		return l
	}
	l = strings.ToLower(s)
	lowerKeys.Lock()
	if len(lowerKeys.m) < maxLowerKeys {
		if lowerKeys.m == nil {
			lowerKeys.m = make(map[string]string)
		}
		lowerKeys.m[strings.Clone(s)] = l
	}
	lowerKeys.Unlock()
	return l
}

const maxLowerKeys = 4096

var lowerKeys struct {
	sync.RWMutex
	m map[string]string
}

// hasUpper reports whether s has a byte that strings.ToLower changes: an
// upper-case ASCII letter, or any non-ASCII byte.
func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return true
		}
	}
	return false
}
