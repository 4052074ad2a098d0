package awsproto

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// The REST-JSON protocol (EKS, EKS Auth): the operation is the method and
// path, input and output are JSON bodies, and an error is its status, an
// x-amzn-ErrorType header naming the code, and {"message": ...}.

// RESTJSONContentType is the media type of REST-JSON bodies.
const RESTJSONContentType = "application/json"

// WriteRESTJSON writes a REST-JSON result with status.
func WriteRESTJSON(w http.ResponseWriter, status int, requestID string, result any) error {
	body := []byte("{}")
	if result != nil {
		b, err := json.Marshal(result)
		if err != nil {
			WriteRESTJSONError(w, requestID, ServiceFailure(err))
			return fmt.Errorf("encode REST-JSON response: %w", err)
		}
		body = b
	}
	writeRESTJSONBody(w, status, requestID, body)
	return nil
}

// WriteRESTJSONError writes an error as REST-JSON services do: the status,
// the code in x-amzn-ErrorType, and {"message": message}.
func WriteRESTJSONError(w http.ResponseWriter, requestID string, e *Error) {
	if e == nil || e.Code == "" {
		e = ServiceFailure(errors.New("an error without a code"))
	}
	status := e.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	body, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{e.Message})
	w.Header().Set("x-amzn-ErrorType", e.Code)
	writeRESTJSONBody(w, status, requestID, body)
}

func writeRESTJSONBody(w http.ResponseWriter, status int, requestID string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", RESTJSONContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set(RequestIDHeader, requestID)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
