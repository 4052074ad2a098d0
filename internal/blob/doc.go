// Package blob owns the bytes of S3 objects on the local filesystem. A
// blob is an immutable file named by an id this package makes (32 random
// lower-hex characters); object metadata (bucket, key, size, ETag, and the
// id of the blob that holds the bytes) lives in the database, not here.
// S3 keys never reach this package, so no key can ever become a path:
// the only names that reach the filesystem are ids, and an id that is not
// 32 lower-hex characters is refused before any file is touched.
//
// Layout under the store's directory:
//
//	tmp/               uploads in progress (files of mode 0600)
//	data/<2 hex>/<id>  committed blobs, fanned out by the id's first byte
//
// The durability contract: nothing is acknowledged before it is durable.
// A Writer streams into a temporary file, hashing (MD5, for ETags) and
// counting as bytes pass, with no buffering of the whole object. Commit
// fsyncs the file, renames it into data/ under a fresh id, and fsyncs
// that directory (a temporary name that comes back after a crash is swept
// at start); only then does it return the id, so an id the caller
// has seen survives a crash (kill -9 or power loss), whole and unchanged.
//
// The caller orders its writes around that contract: commit the blob,
// then commit the metadata that names it; delete the metadata, then
// remove the blob. A crash between the two steps leaves an orphan blob
// (or an interrupted upload in tmp/), never metadata that names missing
// bytes; Sweep, run at start-up with the set of ids the metadata
// references, removes the orphans.
package blob
