package awsproto

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// API versions and XML namespaces of the Query services.
const (
	IAMVersion   = "2010-05-08"
	IAMNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	STSVersion   = "2011-06-15"
	STSNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// DefaultMaxBody is the body limit ParseQuery and ParseJSON apply when
// given none. It is above the largest valid request (a web identity token
// is at most 20,000 characters, a policy 131,072), so that an oversized
// parameter gets its service's ValidationError, and bounds what one
// request may make the server hold.
const DefaultMaxBody = 2 << 20

// formType is the media type of a Query request body.
const formType = "application/x-www-form-urlencoded"

// QueryRequest is a decoded Query protocol request. Params holds every
// parameter but Action and Version, with the presigning parameters of a
// presigned GET among them.
type QueryRequest struct {
	Action  string
	Version string
	Params
	// Body is the raw request body as read (empty for GET), for the
	// payload hash of the signature check.
	Body []byte
}

// ParseQuery decodes a Query request: the parameters of the URL's query
// string (query, as DecodeForm decoded it for the whole request) and, for
// POST, those of the form body, which must be
// application/x-www-form-urlencoded (a charset, if given, must be UTF-8; a
// body without Content-Type is read as a form). A body over maxBody bytes
// is refused without being read in full; maxBody <= 0 means
// DefaultMaxBody.
//
// A parameter may appear once only, in the query string or in the body;
// names and values must be UTF-8. Every error is an *Error:
// MalformedQueryString, InvalidQueryParameter, RequestEntityTooLarge,
// UnsupportedMediaType or MissingAction. ParseQuery does not check the
// Version; the caller knows which versions its actions have.
func ParseQuery(r *http.Request, query url.Values, maxBody int64) (*QueryRequest, error) {
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	values := map[string]string{}
	if err := addParams(values, query); err != nil {
		return nil, err
	}
	var body []byte
	if r.Method == http.MethodPost && r.Body != nil {
		if r.ContentLength > maxBody {
			return nil, RequestEntityTooLarge(maxBody)
		}
		var err error
		body, err = readBody(r, maxBody)
		if err != nil {
			if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
				return nil, RequestEntityTooLarge(min(mbe.Limit, maxBody))
			}
			e := MalformedQueryString("The request body could not be read")
			e.Cause = err
			return nil, e
		}
		if int64(len(body)) > maxBody {
			return nil, RequestEntityTooLarge(maxBody)
		}
		if len(body) > 0 {
			if err := checkFormType(r.Header.Get("Content-Type")); err != nil {
				return nil, err
			}
			form, err := DecodeForm(string(body))
			if err != nil {
				return nil, err
			}
			if err := addParams(values, form); err != nil {
				return nil, err
			}
		}
	}
	q := &QueryRequest{Action: values["Action"], Version: values["Version"], Body: body}
	delete(values, "Action")
	delete(values, "Version")
	q.Params = Params{values: values}
	if q.Action == "" {
		return nil, MissingAction()
	}
	return q, nil
}

// readBody reads up to maxBody+1 bytes of r's body, into a buffer of its
// declared length when it has one.
func readBody(r *http.Request, maxBody int64) ([]byte, error) {
	if n := r.ContentLength; n >= 0 && n <= maxBody {
		// One more byte than declared: a body longer than its length is
		// net/http's to refuse, but the limit must hold regardless.
		body := make([]byte, n+1)
		got, err := io.ReadFull(r.Body, body)
		switch err {
		case io.ErrUnexpectedEOF, io.EOF:
			return body[:got], nil
		case nil:
			rest, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1-int64(got)))
			return append(body, rest...), err
		}
		return nil, err
	}
	return io.ReadAll(io.LimitReader(r.Body, maxBody+1))
}

// checkFormType accepts a form media type in UTF-8, or no Content-Type.
func checkFormType(ct string) error {
	switch ct {
	case "", formType, formType + "; charset=utf-8": // as the SDKs send it
		return nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != formType {
		return UnsupportedMediaType(ct)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return UnsupportedMediaType(ct)
	}
	return nil
}

// DecodeForm decodes an application/x-www-form-urlencoded string, a URL's
// query string or a Query request's body: name=value pairs separated by
// '&', percent-encoded, '+' standing for a space. It is the one decoding
// of a query string: the signature check and the handlers read its
// result, never the raw string again. A malformed escape, an unescaped
// ';' or a name or value that is not UTF-8 is a MalformedQueryString.
func DecodeForm(s string) (url.Values, error) {
	if s == "" {
		return nil, nil
	}
	values := url.Values{}
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		if strings.Contains(pair, ";") {
			return nil, MalformedQueryString("A parameter contains an unescaped semicolon")
		}
		k, v, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			return nil, MalformedQueryString(fmt.Sprintf("Invalid percent-encoding in parameter name %q", k))
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, MalformedQueryString(fmt.Sprintf("Invalid percent-encoding in the value of parameter %q", name))
		}
		if !utf8.ValidString(name) || !utf8.ValidString(value) {
			return nil, MalformedQueryString(fmt.Sprintf("Parameter %q is not valid UTF-8", strings.ToValidUTF8(name, "\uFFFD")))
		}
		values[name] = append(values[name], value)
	}
	return values, nil
}

// addParams adds decoded parameters to values; a Query request names each
// parameter once, in the query string or in the body.
func addParams(values map[string]string, form url.Values) error {
	for name, vs := range form {
		if _, dup := values[name]; dup || len(vs) > 1 {
			return InvalidQueryParameter(fmt.Sprintf("The parameter %s appears more than once", name))
		}
		values[name] = vs[0]
	}
	return nil
}
