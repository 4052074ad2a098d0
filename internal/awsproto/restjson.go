package awsproto

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
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

// ParseRESTJSONError reads a REST-JSON service's error answer, for
// podiam's own clients of its REST-JSON APIs: the code from the
// x-amzn-ErrorType header (errorType, up to a ':') or the body's
// "__type" (a shape id's name) or "code"; the message from the body's
// "message" or "Message". An answer that is none of these (a proxy's
// page) keeps the status's text as its code and the start of its body as
// its message.
func ParseRESTJSONError(status int, errorType string, body []byte) *Error {
	e := &Error{Status: status}
	var doc struct {
		Type     string `json:"__type"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
	}
	parsed := json.Unmarshal(body, &doc) == nil
	e.Code, _, _ = strings.Cut(errorType, ":")
	if e.Code == "" && parsed {
		e.Code = cmp.Or(doc.Type, doc.Code)
		if i := strings.LastIndexByte(e.Code, '#'); i >= 0 {
			e.Code = e.Code[i+1:]
		}
	}
	if parsed {
		e.Message = cmp.Or(doc.Message, doc.MessageU)
	}
	if e.Code == "" {
		e.Code = cmp.Or(http.StatusText(status), "HTTP "+strconv.Itoa(status))
	}
	if e.Message == "" && !parsed {
		e.Message = fmt.Sprintf("%.200s", strings.ToValidUTF8(string(body), "?"))
	}
	return e
}
