package sqlite

import (
	"path/filepath"
	"testing"
)

// TestPragmas checks the durability settings on both pools.
func TestPragmas(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "podiam.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tests := []struct {
		pragma      string
		write, read string
	}{
		{"journal_mode", "wal", "wal"},
		{"synchronous", "2", "2"}, // FULL
		{"foreign_keys", "1", "1"},
		{"query_only", "0", "1"},
		{"busy_timeout", "10000", "10000"},
	}
	for _, tt := range tests {
		for _, pool := range []struct{ name, want string }{{"write", tt.write}, {"read", tt.read}} {
			conn := db.w
			if pool.name == "read" {
				conn = db.r
			}
			var got string
			if err := conn.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != pool.want {
				t.Errorf("%s pool: PRAGMA %s = %s, want %s", pool.name, tt.pragma, got, pool.want)
			}
		}
	}
}
