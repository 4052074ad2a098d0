package awsproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// JSONContentType is the media type of the AWS JSON 1.1 protocol
// (Organizations and other JSON services).
const JSONContentType = "application/x-amz-json-1.1"

// JSONRequest is a decoded AWS JSON protocol request: the operation named
// by X-Amz-Target ("<prefix>.<Action>") and its JSON body.
type JSONRequest struct {
	Action string
	Body   []byte // a JSON object; "{}" when the request had no body
	Raw    []byte // the body as received, for the signature's payload hash
}

// ParseJSON decodes a JSON protocol request whose X-Amz-Target starts
// with prefix. The body must be a JSON object of at most maxBody bytes
// (0: DefaultMaxBody).
func ParseJSON(r *http.Request, prefix string, maxBody int64) (*JSONRequest, error) {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	target := r.Header.Get("X-Amz-Target")
	p, action, ok := strings.Cut(target, ".")
	if !ok || p != prefix || !isName(action) {
		return nil, UnknownOperation(http.StatusBadRequest, fmt.Sprintf("X-Amz-Target %q does not name an operation of %s", target, prefix))
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != JSONContentType && mt != "application/json") {
			return nil, UnsupportedMediaType(ct)
		}
	}
	if r.ContentLength > maxBody {
		return nil, RequestEntityTooLarge(maxBody)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, Serialization("The request body could not be read.")
	}
	if int64(len(body)) > maxBody {
		return nil, RequestEntityTooLarge(maxBody)
	}
	raw := body
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, Serialization("The request body is not a JSON object.")
	}
	return &JSONRequest{Action: action, Body: body, Raw: raw}, nil
}

// Decode reads the body into v, refusing unknown fields.
func (q *JSONRequest) Decode(v any) error {
	dec := json.NewDecoder(bytes.NewReader(q.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Serialization("Start of structure or map found where not expected, or a field has the wrong type: " + jsonProblem(err))
	}
	return nil
}

func jsonProblem(err error) string {
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		return fmt.Sprintf("%s must be %s", te.Field, te.Type)
	}
	return err.Error()
}

// WriteJSON writes a JSON protocol result (nil: an empty object).
func WriteJSON(w http.ResponseWriter, requestID string, result any) error {
	body := []byte("{}")
	if result != nil {
		b, err := json.Marshal(result)
		if err != nil {
			WriteJSONError(w, requestID, ServiceFailure(err))
			return fmt.Errorf("encode JSON response: %w", err)
		}
		body = b
	}
	writeJSONBody(w, http.StatusOK, requestID, body)
	return nil
}

// WriteJSONError writes an error as JSON services do: the status and
// {"__type": code, "Message": message}.
func WriteJSONError(w http.ResponseWriter, requestID string, e *Error) {
	if e == nil || e.Code == "" {
		e = ServiceFailure(errors.New("an error without a code"))
	}
	status := e.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"Message"`
	}{e.Code, e.Message})
	w.Header().Set("x-amzn-ErrorType", e.Code)
	writeJSONBody(w, status, requestID, body)
}

func writeJSONBody(w http.ResponseWriter, status int, requestID string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", JSONContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set(RequestIDHeader, requestID)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
