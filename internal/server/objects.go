package server

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/podiam/podiam/internal/blob"
	"github.com/podiam/podiam/internal/s3"
	"github.com/podiam/podiam/internal/store"
)

// blobs adapts blob.Store to what package s3 needs.
type blobs struct{ *blob.Store }

func (b blobs) Create() (s3.BlobWriter, error) { return b.Store.Create() }
func (b blobs) Open(id string) (s3.BlobReader, error) {
	r, err := b.Store.Open(id)
	if err != nil {
		return nil, err // not a nil *blob.Reader in an interface
	}
	return r, nil
}

// blobKeyLabel is the HKDF info that derives the key sealing objects'
// data keys from the seal key. A label of its own keeps the two keys
// apart: the seal key itself never touches object data.
const blobKeyLabel = "podiam blob data-key sealing v1"

// blobKey derives the key that seals objects' data keys from sealKey.
func blobKey(sealKey []byte) ([]byte, error) {
	return hkdf.Key(sha256.New, sealKey, nil, blobKeyLabel, blob.KeySize)
}

// openBlobs opens <data>/objects, its blobs encrypted under a key derived
// from sealKey, and removes what a crash left behind: uploads in progress
// and blobs no object points at.
func openBlobs(ctx context.Context, dir string, sealKey []byte, st store.Store, log *slog.Logger) (blobs, error) {
	key, err := blobKey(sealKey)
	if err != nil {
		return blobs{}, fmt.Errorf("derive the object data key: %w", err)
	}
	bs, err := blob.Open(blob.Config{Dir: filepath.Join(dir, objectsDir), Key: key})
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
