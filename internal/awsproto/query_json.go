package awsproto

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// WriteJSONQueryResponse writes a Query success response in JSON, as AWS
// answers a Query request that accepts application/json:
//
//	{"{action}Response":{"{action}Result":{result},
//	  "ResponseMetadata":{"RequestId":"{requestID}"}}}
//
// result is encoded with encoding/json (its fields' names as the XML
// elements'). namespace is not written; it is taken to match
// WriteResponse. If encoding fails, or action is not a plain name, it
// writes a ServiceFailure in JSON and returns the cause, for the log.
func WriteJSONQueryResponse(w http.ResponseWriter, action, _ string, requestID string, result any) error {
	if !isName(action) {
		err := fmt.Errorf("encode response: action %q is not a name", action)
		WriteJSONQueryError(w, requestID, ServiceFailure(err))
		return err
	}
	type metadata struct {
		RequestID string `json:"RequestId"`
	}
	body, err := json.Marshal(map[string]map[string]any{action + "Response": {
		action + "Result":  result,
		"ResponseMetadata": metadata{requestID},
	}})
	if err != nil {
		err = fmt.Errorf("encode %s response: %w", action, err)
		WriteJSONQueryError(w, requestID, ServiceFailure(err))
		return err
	}
	writeQueryJSON(w, http.StatusOK, requestID, body)
	return nil
}

// WriteJSONQueryError writes a Query error in JSON, as AWS answers a Query
// request that accepts application/json:
//
//	{"Error":{"Code":"{code}","Message":"{message}","Type":"Sender"},"RequestId":"{id}"}
func WriteJSONQueryError(w http.ResponseWriter, requestID string, err *Error) {
	if err == nil || err.Code == "" {
		err = ServiceFailure(nil)
	}
	status, fault := err.Status, err.Type
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	if fault == "" {
		fault = NewError(err.Code, status, "").Type
	}
	type wireError struct {
		Code    string `json:"Code"`
		Message string `json:"Message"`
		Type    Fault  `json:"Type"`
	}
	body, merr := json.Marshal(struct {
		Error     wireError `json:"Error"`
		RequestID string    `json:"RequestId"`
	}{wireError{err.Code, err.Message, fault}, requestID})
	if merr != nil { // strings and a string type always marshal
		body = []byte(`{"Error":{"Code":"InternalFailure","Type":"Receiver"}}`)
	}
	writeQueryJSON(w, status, requestID, body)
}

func writeQueryJSON(w http.ResponseWriter, status int, requestID string, body []byte) {
	h := w.Header()
	h["Content-Type"] = applicationJSON
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	h[requestIDKey] = []string{requestID}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// applicationJSON is the Content-Type value of a Query answer in JSON.
var applicationJSON = []string{"application/json"}
