package memory_test

import (
	"testing"

	"github.com/podiam/podiam/internal/store"
	"github.com/podiam/podiam/internal/store/memory"
	"github.com/podiam/podiam/internal/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return memory.New() })
}
