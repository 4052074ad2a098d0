//go:build windows

package server

import (
	"errors"
	"os"
	"syscall"
)

// errorSharingViolation is Windows's ERROR_SHARING_VIOLATION, which
// package syscall does not name.
const errorSharingViolation syscall.Errno = 32

// openLocked opens (or creates) the file at path sharing it with no
// other opener; it returns errLocked when another has it open. The file
// is free again once closed or at the process's end.
func openLocked(path string) (*os.File, error) {
	p, err := syscall.UTF16PtrFromString(path)
	if err != nil {
		return nil, err
	}
	h, err := syscall.CreateFile(p, syscall.GENERIC_READ|syscall.GENERIC_WRITE, 0, nil, syscall.OPEN_ALWAYS, syscall.FILE_ATTRIBUTE_NORMAL, 0)
	if errors.Is(err, errorSharingViolation) {
		return nil, errLocked
	}
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(h), path), nil
}
