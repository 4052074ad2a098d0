package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/podiam/podiam/internal/creds"
)

// The files of the data directory (docs/server.md).
const (
	dbFile          = "podiam.db"
	sealKeyFile     = "seal.key"
	sessionKeysFile = "session.keys"
	credentialsFile = "credentials"
	objectsDir      = "objects"
	lockFile        = "lock"
)

// errLocked is openLocked's answer when another holds the lock.
var errLocked = errors.New("locked")

// dataDir is the server's data directory.
type dataDir string

func (d dataDir) path(name string) string { return filepath.Join(string(d), name) }

// lock takes the data directory's lock, an exclusive lock on the file
// lock in it, and holds it until the file returned is closed or the
// process ends. Another server holding it is an error that says so: two
// servers on one directory would each take the other's uploads in
// progress for a crash's leftovers, and sweep them away.
func (d dataDir) lock() (*os.File, error) {
	path := d.path(lockFile)
	f, err := openLocked(path)
	switch {
	case errors.Is(err, errLocked):
		holder := ""
		if b, err := os.ReadFile(path); err == nil && len(bytes.TrimSpace(b)) > 0 {
			holder = fmt.Sprintf(" (process %s)", bytes.TrimSpace(b))
		}
		return nil, fmt.Errorf("the data directory %s is in use: another podiam server%s holds its lock (%s); stop that server first, or start this one with another data directory", d, holder, path)
	case err != nil:
		return nil, fmt.Errorf("lock the data directory %s: %w", d, err)
	}
	// The holder's process id, for another server's message; a failure
	// here costs only that.
	if f.Truncate(0) == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// started reports whether the directory is past its first start, that is
// whether it holds a database. The keys are written before the database
// is made, so a first start cut short (a crash, a full disk) is begun
// again at the next start, while a directory with a database and without
// a key has lost it. Object data without a database is refused: the
// start-up sweep would delete it all as referred to by no object.
func (d dataDir) started() (bool, error) {
	hasDB, err := d.has(dbFile)
	if err != nil {
		return false, err
	}
	hasObjects, err := d.has(objectsDir)
	if err != nil {
		return false, err
	}
	if hasObjects && !hasDB {
		return false, fmt.Errorf("the data directory %s holds object data (%s) but no database (%s): the objects' names, owners and policies are in the database; "+
			"restore the database from a backup, or start with a new data directory", d, d.path(objectsDir), d.path(dbFile))
	}
	return hasDB, nil
}

// has reports whether name exists in the directory.
func (d dataDir) has(name string) (bool, error) {
	_, err := os.Lstat(d.path(name))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("data directory: %w", err)
	}
}

// loadSealKey returns the key that seals secret access keys at rest,
// kept in seal.key. On the first start (create) a missing key is made
// from rand and written with mode 0600; in a directory that holds a
// database, a missing, unreadable or damaged key stops the start, since a
// new key would open none of the secrets sealed with the old one.
func (d dataDir) loadSealKey(create bool, rand io.Reader) ([]byte, error) {
	path := d.path(sealKeyFile)
	const advice = "the secrets sealed in the database cannot be opened without it; restore the file from a backup, or start with a new data directory"
	key, err := os.ReadFile(path)
	switch {
	case err == nil && len(key) == creds.KeySize:
		return key, nil
	case err == nil:
		return nil, fmt.Errorf("the seal key %s holds %d bytes, not %d: %s", path, len(key), creds.KeySize, advice)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("the seal key %s cannot be read (%v): %s", path, err, advice)
	case !create:
		return nil, fmt.Errorf("the data directory %s holds a database but no seal key (%s): the secrets sealed in it cannot be opened; "+
			"restore the file from a backup, or start with a new data directory", d, path)
	}
	key = make([]byte, creds.KeySize)
	if _, err := io.ReadFull(rand, key); err != nil {
		return nil, fmt.Errorf("make the seal key: %w", err)
	}
	if err := writeFileAtomic(path, key, 0o600); err != nil {
		return nil, err
	}
	return key, nil
}
