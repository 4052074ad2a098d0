package server

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/podiam/podiam/internal/blob"
	"github.com/podiam/podiam/internal/s3"
	"github.com/podiam/podiam/internal/store"
)

// blobs adapts blob.Store to what package s3 needs.
type blobs struct{ *blob.Store }

func (b blobs) Create() (s3.BlobWriter, error) { return b.Store.Create() }
func (b blobs) Open(id string) (*os.File, error) {
	return b.Store.Open(id)
}

// openBlobs opens <data>/objects and removes what a crash left behind:
// uploads in progress and blobs no object points at.
func openBlobs(ctx context.Context, dir string, st store.Store, log *slog.Logger) (blobs, error) {
	bs, err := blob.Open(blob.Config{Dir: filepath.Join(dir, objectsDir)})
	if err != nil {
		return blobs{}, err
	}
	var failed error
	n, err := bs.Sweep(func(id string) bool {
		ok, err := st.BlobReferenced(ctx, id)
		if err != nil {
			failed = err
			return true // keep what cannot be checked
		}
		return ok
	})
	if err != nil {
		return blobs{}, fmt.Errorf("sweep object data: %w", err)
	}
	if failed != nil {
		return blobs{}, fmt.Errorf("sweep object data: %w", failed)
	}
	if n > 0 {
		log.Info("removed object data no object refers to", "blobs", n)
	}
	return blobs{bs}, nil
}
