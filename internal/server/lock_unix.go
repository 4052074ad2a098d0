//go:build unix

package server

import (
	"errors"
	"os"
	"syscall"
)

// openLocked opens (or creates) the file at path and takes an exclusive
// flock on it without waiting; it returns errLocked when another open
// file holds one. The lock goes with the file's closing or the process's
// end, a crash included.
func openLocked(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) { lerr = syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB) }); err != nil {
		lerr = err
	}
	if lerr != nil {
		f.Close()
		if errors.Is(lerr, syscall.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, lerr
	}
	return f, nil
}
