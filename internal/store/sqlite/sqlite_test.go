package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/sqlite"
	"github.com/podiam/podiam/internal/store/storetest"
)

func open(t *testing.T, dir string) store.Store {
	db, err := sqlite.Open(filepath.Join(dir, "podiam.db"))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, t.TempDir()) })
}

func TestPersistent(t *testing.T) {
	storetest.RunPersistent(t, open)
}
