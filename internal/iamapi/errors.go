package iamapi

import (
	"errors"
	"net/http"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
)

var iamStatus = map[string]int{
	iam.CodeNoSuchEntity:   http.StatusNotFound,
	iam.CodeAlreadyExists:  http.StatusConflict,
	iam.CodeDeleteConflict: http.StatusConflict,
	iam.CodeLimitExceeded:  http.StatusConflict,
	iam.CodeMalformed:      http.StatusBadRequest,
	iam.CodeInvalidInput:   http.StatusBadRequest,
	iam.CodeValidation:     http.StatusBadRequest,
	iam.CodeAccessDenied:   http.StatusForbidden,
}

func Error(err error) error {
	var ie *iam.Error
	if errors.As(err, &ie) {
		status, ok := iamStatus[ie.Code]
		if !ok {
			status = http.StatusBadRequest
		}
		return awsproto.NewError(ie.Code, status, ie.Message)
	}
	var ae *awsproto.Error
	if errors.As(err, &ae) {
		return ae
	}
	return awsproto.ServiceFailure(err)
}
