package sqlite_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

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

// TestGroupCommitIsolation: writes committed in one group fail or succeed
// each on its own.
func TestGroupCommitIsolation(t *testing.T) {
	s := open(t, t.TempDir())
	defer s.Close()
	ctx := t.Context()
	now := time.Now()
	if err := s.CreateAccount(ctx, store.Account{ID: "111122223333", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	user := func(name string) store.User {
		return store.User{AccountID: "111122223333", Name: name, Path: "/", ID: "AIDA" + name, ARN: "arn:aws:iam::111122223333:user/" + name, CreatedAt: now}
	}
	if err := s.CreateUser(ctx, user("taken")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("u%02d", i)
			if i%2 == 1 {
				name = "TAKEN" // a duplicate, regardless of case
			}
			u := user(name)
			u.ID = fmt.Sprintf("AIDA%02d", i)
			errs[i] = s.CreateUser(ctx, u)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if i%2 == 1 && !errors.Is(err, store.ErrAlreadyExists) {
			t.Errorf("duplicate %d: %v", i, err)
		}
		if i%2 == 0 {
			if err != nil {
				t.Errorf("unique %d: %v", i, err)
			} else if _, gerr := s.GetUser(ctx, "111122223333", fmt.Sprintf("u%02d", i)); gerr != nil {
				t.Errorf("unique %d not stored: %v", i, gerr)
			}
		}
	}
}
