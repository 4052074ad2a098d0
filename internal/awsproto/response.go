package awsproto

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// RequestIDHeader carries the request id in every response, as AWS sends
// it; the XML bodies carry it too.
const RequestIDHeader = "x-amzn-RequestId"

// WriteResponse writes a Query success response:
//
//	<{action}Response xmlns="{namespace}">
//	  <{action}Result>{result}</{action}Result>
//	  <ResponseMetadata><RequestId>{requestID}</RequestId></ResponseMetadata>
//	</{action}Response>
//
// result is encoded with encoding/xml, so its struct tags name the
// elements; use List for lists, Map for maps and Timestamp for times. A
// nil result (DeleteRole and other actions without output) writes the
// ResponseMetadata only.
//
// The response is encoded in full before anything is written. If that
// fails, or action is not a plain name, WriteResponse writes a
// ServiceFailure instead and returns the cause, for the log.
func WriteResponse(w http.ResponseWriter, action, namespace, requestID string, result any) error {
	body, err := encodeResponse(action, namespace, requestID, result)
	if err != nil {
		WriteError(w, namespace, requestID, ServiceFailure(err))
		return err
	}
	writeXML(w, http.StatusOK, requestID, body)
	return nil
}

func encodeResponse(action, namespace, requestID string, result any) ([]byte, error) {
	if !isName(action) {
		return nil, fmt.Errorf("encode response: action %q is not a name", action)
	}
	if a, ok := result.(xmlAppender); ok || result == nil {
		return appendResponse(make([]byte, 0, 2048), action, namespace, requestID, a), nil
	}
	var buf bytes.Buffer
	e := xml.NewEncoder(&buf)
	root := xml.StartElement{Name: xml.Name{Local: action + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: namespace}}}
	if err := e.EncodeToken(root); err != nil {
		return nil, fmt.Errorf("encode %s response: %w", action, err)
	}
	if result != nil {
		if err := e.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			return nil, fmt.Errorf("encode %s result: %w", action, err)
		}
	}
	meta := struct {
		RequestID string `xml:"RequestId"`
	}{requestID}
	if err := e.EncodeElement(meta, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}}); err != nil {
		return nil, fmt.Errorf("encode %s response: %w", action, err)
	}
	if err := e.EncodeToken(root.End()); err != nil {
		return nil, fmt.Errorf("encode %s response: %w", action, err)
	}
	if err := e.Close(); err != nil {
		return nil, fmt.Errorf("encode %s response: %w", action, err)
	}
	return buf.Bytes(), nil
}

// appendResponse is encodeResponse for a result that writes itself (or
// none), with the same bytes.
func appendResponse(b []byte, action, namespace, requestID string, result xmlAppender) []byte {
	b = append(b, '<')
	b = append(b, action...)
	b = append(b, `Response xmlns="`...)
	b = appendEscaped(b, namespace)
	b = append(b, `">`...)
	if result != nil {
		b = append(b, '<')
		b = append(b, action...)
		b = append(b, "Result>"...)
		b = result.appendXML(b)
		b = append(b, "</"...)
		b = append(b, action...)
		b = append(b, "Result>"...)
	}
	b = append(b, "<ResponseMetadata>"...)
	b = appendElement(b, "RequestId", requestID)
	b = append(b, "</ResponseMetadata></"...)
	b = append(b, action...)
	return append(b, "Response>"...)
}

// WriteError writes err as a Query error response with its status:
//
//	<ErrorResponse xmlns="{namespace}">
//	  <Error><Type>Sender</Type><Code>..</Code><Message>..</Message></Error>
//	  <RequestId>{requestID}</RequestId>
//	</ErrorResponse>
//
// The message is escaped; its Cause is never written. A nil err, or one
// without a code, is written as a ServiceFailure.
func WriteError(w http.ResponseWriter, namespace, requestID string, err *Error) {
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
	var b bytes.Buffer
	b.WriteString(`<ErrorResponse xmlns="`)
	escape(&b, namespace)
	b.WriteString(`"><Error><Type>`)
	escape(&b, string(fault))
	b.WriteString(`</Type><Code>`)
	escape(&b, err.Code)
	b.WriteString(`</Code><Message>`)
	escape(&b, err.Message)
	b.WriteString(`</Message></Error><RequestId>`)
	escape(&b, requestID)
	b.WriteString(`</RequestId></ErrorResponse>`)
	writeXML(w, status, requestID, b.Bytes())
}

// escape writes s as XML character data, fit for an attribute value too;
// characters XML cannot hold become U+FFFD.
func escape(b *bytes.Buffer, s string) {
	_ = xml.EscapeText(b, []byte(s)) // a bytes.Buffer does not fail
}

func writeXML(w http.ResponseWriter, status int, requestID string, body []byte) {
	// The keys as Header.Set would canonicalize them, set directly: a
	// response's headers cost no allocation but their values.
	h := w.Header()
	h["Content-Type"] = textXML
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	h[requestIDKey] = []string{requestID}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// textXML is every XML response's Content-Type value; net/http only
// reads it.
var textXML = []string{"text/xml"}

// requestIDKey is RequestIDHeader as net/http keys it.
var requestIDKey = http.CanonicalHeaderKey(RequestIDHeader)

// isName reports whether s is a plain action name: an ASCII letter, then
// letters and digits.
func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		letter := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// Timestamp is a time as the Query protocol writes it: ISO 8601 in UTC to
// the second, 2026-01-02T03:04:05Z. Use *Timestamp for an optional time:
// encoding/xml leaves out nil pointers.
type Timestamp time.Time

// MarshalText formats the time in UTC.
func (t Timestamp) MarshalText() ([]byte, error) {
	return time.Time(t).UTC().AppendFormat(nil, "2006-01-02T15:04:05Z"), nil
}

// List is a list as the Query protocol writes it: each element in a
// <member>. An empty list is written as an empty element, as AWS does for
// required lists; tag the field omitempty to leave out an empty optional
// list.
//
//	Roles awsproto.List[Role] `xml:"Roles"`
type List[T any] []T

// MarshalXML writes the list's element with a <member> for each element.
func (l List[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	member := xml.StartElement{Name: xml.Name{Local: "member"}}
	for _, v := range l {
		if err := e.EncodeElement(v, member); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// Map is a map as the Query protocol writes it: an <entry> with a <key>
// and a <value> for each pair, in the order of the keys.
//
//	SummaryMap awsproto.Map[int] `xml:"SummaryMap"`
type Map[V any] map[string]V

// MarshalXML writes the map's element with an <entry> for each pair.
func (m Map[V]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	type entry struct {
		Key   string `xml:"key"`
		Value V      `xml:"value"`
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := e.EncodeElement(entry{k, m[k]}, xml.StartElement{Name: xml.Name{Local: "entry"}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}
