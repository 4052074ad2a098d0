package awsproto_test

import (
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/podiam/podiam/internal/awsproto"
)

// params returns the parameters of p as a map, for comparisons.
func params(p awsproto.Params) map[string]string {
	m := map[string]string{}
	for _, n := range p.Names() {
		m[n] = p.Get(n)
	}
	return m
}

// wantCode checks that err is an *awsproto.Error with the code and status.
func wantCode(t *testing.T, err error, code string, status int) *awsproto.Error {
	t.Helper()
	e, ok := errors.AsType[*awsproto.Error](err)
	if !ok {
		t.Fatalf("error %v (%T) is not an *awsproto.Error", err, err)
	}
	if e.Code != code || e.Status != status {
		t.Fatalf("error %s %d (%q), want %s %d", e.Code, e.Status, e.Message, code, status)
	}
	return e
}

func TestParseQuery(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		chunked     bool // unknown Content-Length
		maxBody     int64
		action      string
		version     string
		params      map[string]string
		code        string // the error's code, or "" for success
		status      int
	}{
		{
			name: "post form with charset", method: "POST", contentType: form + "; charset=utf-8",
			body:   "Action=GetRole&Version=2010-05-08&RoleName=my-role",
			action: "GetRole", version: "2010-05-08", params: map[string]string{"RoleName": "my-role"},
		},
		{
			name: "post form without charset", method: "POST", contentType: form,
			body:   "Action=GetCallerIdentity&Version=2011-06-15",
			action: "GetCallerIdentity", version: "2011-06-15", params: map[string]string{},
		},
		{
			name: "charset in capitals and quotes", method: "POST", contentType: form + `; charset="UTF-8"`,
			body:   "Action=ListRoles",
			action: "ListRoles", params: map[string]string{},
		},
		{
			name: "post without content type is a form", method: "POST",
			body:   "Action=ListRoles&MaxItems=10",
			action: "ListRoles", params: map[string]string{"MaxItems": "10"},
		},
		{
			name: "get query string", method: "GET",
			target: "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=60",
			action: "GetCallerIdentity", version: "2011-06-15",
			params: map[string]string{"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Expires": "60"},
		},
		{
			name: "get ignores a body", method: "GET", target: "/?Action=ListRoles", contentType: form,
			body:   "Marker=x",
			action: "ListRoles", params: map[string]string{},
		},
		{
			name: "post with action in the query string", method: "POST", target: "/?Action=GetRole&Version=2010-05-08",
			contentType: form, body: "RoleName=r",
			action: "GetRole", version: "2010-05-08", params: map[string]string{"RoleName": "r"},
		},
		{
			name: "percent-encoding and plus", method: "POST", contentType: form,
			body:   "Action=CreateRole&AssumeRolePolicyDocument=%7B%22Version%22%3A%222012-10-17%22%7D&Description=a+b%20c&Path=%2F",
			action: "CreateRole",
			params: map[string]string{"AssumeRolePolicyDocument": `{"Version":"2012-10-17"}`, "Description": "a b c", "Path": "/"},
		},
		{
			name: "empty pairs and a name without value", method: "POST", contentType: form,
			body:   "&Action=ListRoles&&PathPrefix&",
			action: "ListRoles", params: map[string]string{"PathPrefix": ""},
		},
		{
			name: "utf-8 values", method: "POST", contentType: form,
			body:   "Action=TagRole&Tags.member.1.Value=%E2%82%AC",
			action: "TagRole", params: map[string]string{"Tags.member.1.Value": "€"},
		},
		{
			name: "body of exactly the limit", method: "POST", contentType: form, maxBody: 16,
			body:   "Action=ListRoles",
			action: "ListRoles", params: map[string]string{},
		},
		{
			name: "missing action", method: "POST", contentType: form,
			body: "Version=2010-05-08&RoleName=r",
			code: "MissingAction", status: 400,
		},
		{
			name: "empty action", method: "GET", target: "/?Action=&Version=2010-05-08",
			code: "MissingAction", status: 400,
		},
		{
			name: "empty post", method: "POST", contentType: form,
			code: "MissingAction", status: 400,
		},
		{
			name: "oversized body with content length", method: "POST", contentType: form, maxBody: 10,
			body: "Action=ListRoles&Marker=xxxxxxxx",
			code: "RequestEntityTooLarge", status: 413,
		},
		{
			name: "oversized chunked body", method: "POST", contentType: form, maxBody: 10, chunked: true,
			body: "Action=ListRoles&Marker=xxxxxxxx",
			code: "RequestEntityTooLarge", status: 413,
		},
		{
			name: "bad percent-encoding in a value", method: "POST", contentType: form,
			body: "Action=GetRole&RoleName=%zz",
			code: "MalformedQueryString", status: 404,
		},
		{
			name: "truncated percent-encoding", method: "POST", contentType: form,
			body: "Action=GetRole&RoleName=a%2",
			code: "MalformedQueryString", status: 404,
		},
		{
			name: "bad percent-encoding in a name", method: "GET", target: "/?Action=GetRole&Role%G1Name=x",
			code: "MalformedQueryString", status: 404,
		},
		{
			name: "invalid utf-8", method: "POST", contentType: form,
			body: "Action=GetRole&RoleName=%FF%FE",
			code: "MalformedQueryString", status: 404,
		},
		{
			name: "semicolon separator", method: "POST", contentType: form,
			body: "Action=GetRole;RoleName=x",
			code: "MalformedQueryString", status: 404,
		},
		{
			name: "parameter twice in the body", method: "POST", contentType: form,
			body: "Action=GetRole&RoleName=a&RoleName=b",
			code: "InvalidQueryParameter", status: 400,
		},
		{
			name: "parameter in query string and body", method: "POST", target: "/?RoleName=a", contentType: form,
			body: "Action=GetRole&RoleName=b",
			code: "InvalidQueryParameter", status: 400,
		},
		{
			name: "json body", method: "POST", contentType: "application/x-amz-json-1.1",
			body: `{"Action":"GetRole"}`,
			code: "UnsupportedMediaType", status: 415,
		},
		{
			name: "other charset", method: "POST", contentType: form + "; charset=iso-8859-1",
			body: "Action=GetRole",
			code: "UnsupportedMediaType", status: 415,
		},
		{
			name: "malformed content type", method: "POST", contentType: form + "; charset",
			body: "Action=GetRole",
			code: "UnsupportedMediaType", status: 415,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target
			if target == "" {
				target = "/"
			}
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			r := httptest.NewRequest(tt.method, target, body)
			if tt.chunked {
				r.ContentLength = -1
			}
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			q, err := parseQuery(r, tt.maxBody)
			if tt.code != "" {
				wantCode(t, err, tt.code, tt.status)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.Action != tt.action || q.Version != tt.version {
				t.Errorf("Action, Version = %q, %q; want %q, %q", q.Action, q.Version, tt.action, tt.version)
			}
			if got := params(q.Params); !maps.Equal(got, tt.params) {
				t.Errorf("params = %v, want %v", got, tt.params)
			}
			if wantBody := tt.body; tt.method != "POST" {
				if len(q.Body) != 0 {
					t.Errorf("Body = %q, want none for %s", q.Body, tt.method)
				}
			} else if string(q.Body) != wantBody {
				t.Errorf("Body = %q, want %q", q.Body, wantBody)
			}
		})
	}
}

// TestParseQueryBodyErrors covers bodies that fail while being read.
func TestParseQueryBodyErrors(t *testing.T) {
	t.Run("read error", func(t *testing.T) {
		cause := errors.New("connection reset")
		r := httptest.NewRequest("POST", "/", iotest.ErrReader(cause))
		r.ContentLength = -1
		_, err := parseQuery(r, 0)
		e := wantCode(t, err, "MalformedQueryString", 404)
		if !errors.Is(e, cause) {
			t.Errorf("error %v does not wrap the cause", e)
		}
		if strings.Contains(e.Message, cause.Error()) {
			t.Errorf("message %q shows the cause", e.Message)
		}
	})
	t.Run("MaxBytesReader", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/", strings.NewReader("Action=ListRoles&Marker=xxxxxxxxxxxx"))
		r.ContentLength = -1
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 8)
		_, err := parseQuery(r, 100)
		wantCode(t, err, "RequestEntityTooLarge", 413)
	})
	t.Run("default limit", func(t *testing.T) {
		big := "Action=ListRoles&Marker=" + strings.Repeat("x", awsproto.DefaultMaxBody)
		r := httptest.NewRequest("POST", "/", strings.NewReader(big))
		_, err := parseQuery(r, 0)
		wantCode(t, err, "RequestEntityTooLarge", 413)
	})
}

// query parses a GET request with the raw query string s after an Action.
func query(t *testing.T, s string) *awsproto.QueryRequest {
	t.Helper()
	r := httptest.NewRequest("GET", "/?Action=Test&"+s, nil)
	q, err := parseQuery(r, 0)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", s, err)
	}
	return q
}

func TestList(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  []string
		code  string // InvalidParameterValue unless success
		msg   string // part of the error message
	}{
		{name: "absent", query: "Other=x", want: nil},
		{name: "empty list", query: "ClientIDList=", want: []string{}},
		{name: "one", query: "ClientIDList.member.1=sts.amazonaws.com", want: []string{"sts.amazonaws.com"}},
		{name: "in numeric order", query: "ClientIDList.member.2=b&ClientIDList.member.10=j&ClientIDList.member.1=a&ClientIDList.member.3=c&ClientIDList.member.4=d&ClientIDList.member.5=e&ClientIDList.member.6=f&ClientIDList.member.7=g&ClientIDList.member.8=h&ClientIDList.member.9=i",
			want: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}},
		{name: "empty values", query: "ClientIDList.member.1=&ClientIDList.member.2=x", want: []string{"", "x"}},
		{name: "other lists ignored", query: "ClientIDList.member.1=a&ThumbprintList.member.1=t&ClientIDListX.member.1=z", want: []string{"a"}},
		{name: "gap", query: "ClientIDList.member.1=a&ClientIDList.member.3=c", code: "InvalidParameterValue", msg: "ClientIDList.member.2 is missing"},
		{name: "starts at 2", query: "ClientIDList.member.2=b", code: "InvalidParameterValue", msg: "ClientIDList.member.1 is missing"},
		{name: "huge index", query: "ClientIDList.member.1=a&ClientIDList.member.999999999=z", code: "InvalidParameterValue", msg: "ClientIDList.member.2 is missing"},
		{name: "index too long", query: "ClientIDList.member.1234567890=a", code: "InvalidParameterValue", msg: "numbered"},
		{name: "index zero", query: "ClientIDList.member.0=a", code: "InvalidParameterValue", msg: "numbered"},
		{name: "leading zero", query: "ClientIDList.member.1=a&ClientIDList.member.02=b", code: "InvalidParameterValue", msg: "numbered"},
		{name: "sign", query: "ClientIDList.member.%2B1=a", code: "InvalidParameterValue", msg: "numbered"},
		{name: "no index", query: "ClientIDList.member.=a", code: "InvalidParameterValue", msg: "numbered"},
		{name: "trailing dot", query: "ClientIDList.member.1.=a", code: "InvalidParameterValue", msg: "numbered"},
		{name: "scalar for a list", query: "ClientIDList=a", code: "InvalidParameterValue", msg: "is a list"},
		{name: "empty and members", query: "ClientIDList=&ClientIDList.member.1=a", code: "InvalidParameterValue", msg: "both"},
		{name: "flattened form", query: "ClientIDList.1=a", code: "InvalidParameterValue", msg: "Unknown parameter ClientIDList.1"},
		{name: "fields of a string", query: "ClientIDList.member.1.Key=a", code: "InvalidParameterValue", msg: "list of strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := query(t, tt.query).List("ClientIDList")
			if tt.code != "" {
				e := wantCode(t, err, tt.code, 400)
				if !strings.Contains(e.Message, tt.msg) {
					t.Errorf("message %q lacks %q", e.Message, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("List = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestStructs(t *testing.T) {
	tests := []struct {
		name   string
		query  string
		prefix string
		fields []string
		want   []map[string]string
		code   string
		msg    string
	}{
		{name: "absent", query: "RoleName=r", prefix: "Tags", fields: []string{"Key", "Value"}, want: nil},
		{name: "empty list", query: "Tags=", prefix: "Tags", fields: []string{"Key", "Value"}, want: []map[string]string{}},
		{
			name: "tags", prefix: "Tags", fields: []string{"Key", "Value"},
			query: "Tags.member.1.Key=team&Tags.member.1.Value=blue&Tags.member.2.Key=cost-center&Tags.member.2.Value=",
			want:  []map[string]string{{"Key": "team", "Value": "blue"}, {"Key": "cost-center", "Value": ""}},
		},
		{
			name: "missing field is left out", prefix: "Tags", fields: []string{"Key", "Value"},
			query: "Tags.member.1.Key=team",
			want:  []map[string]string{{"Key": "team"}},
		},
		{
			name: "policy arns", prefix: "PolicyArns", fields: []string{"arn"},
			query: "PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FReadOnlyAccess&PolicyArns.member.2.arn=arn%3Aaws%3Aiam%3A%3A111122223333%3Apolicy%2Fp",
			want:  []map[string]string{{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, {"arn": "arn:aws:iam::111122223333:policy/p"}},
		},
		{
			name: "nested list kept in the member", prefix: "ContextEntries", fields: []string{"ContextKeyName", "ContextKeyValues", "ContextKeyType"},
			query: "ContextEntries.member.1.ContextKeyName=aws%3ASourceIp&ContextEntries.member.1.ContextKeyType=ip&ContextEntries.member.1.ContextKeyValues.member.1=10.0.0.1",
			want:  []map[string]string{{"ContextKeyName": "aws:SourceIp", "ContextKeyType": "ip", "ContextKeyValues.member.1": "10.0.0.1"}},
		},
		{
			name: "any field without a field list", prefix: "Tags",
			query: "Tags.member.1.Anything=x",
			want:  []map[string]string{{"Anything": "x"}},
		},
		{name: "unknown field", query: "Tags.member.1.Key=k&Tags.member.1.key=k", prefix: "Tags", fields: []string{"Key", "Value"}, code: "InvalidParameterValue", msg: "Unknown parameter Tags.member.1.key"},
		{name: "scalar member", query: "Tags.member.1=k", prefix: "Tags", fields: []string{"Key", "Value"}, code: "InvalidParameterValue", msg: "list of structures"},
		{name: "gap", query: "Tags.member.1.Key=a&Tags.member.3.Key=c", prefix: "Tags", code: "InvalidParameterValue", msg: "Tags.member.2 is missing"},
		{name: "scalar for a list", query: "Tags=x", prefix: "Tags", code: "InvalidParameterValue", msg: "is a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := query(t, tt.query).Structs(tt.prefix, tt.fields...)
			if tt.code != "" {
				e := wantCode(t, err, tt.code, 400)
				if !strings.Contains(e.Message, tt.msg) {
					t.Errorf("message %q lacks %q", e.Message, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tt.want == nil) || len(got) != len(tt.want) {
				t.Fatalf("Structs = %d members (nil %v), want %d (nil %v)", len(got), got == nil, len(tt.want), tt.want == nil)
			}
			for i, m := range got {
				if p := params(m); !maps.Equal(p, tt.want[i]) {
					t.Errorf("member %d = %v, want %v", i+1, p, tt.want[i])
				}
			}
		})
	}
}

// TestStructsNested reads a list inside a structure of a list, and checks
// that errors name the parameter in full.
func TestStructsNested(t *testing.T) {
	q := query(t, "ContextEntries.member.1.ContextKeyName=k1&ContextEntries.member.1.ContextKeyValues.member.1=a&ContextEntries.member.1.ContextKeyValues.member.2=b"+
		"&ContextEntries.member.2.ContextKeyValues.member.2=x")
	entries, err := q.Structs("ContextEntries", "ContextKeyName", "ContextKeyValues", "ContextKeyType")
	if err != nil {
		t.Fatal(err)
	}
	values, err := entries[0].List("ContextKeyValues")
	if err != nil || !reflect.DeepEqual(values, []string{"a", "b"}) {
		t.Errorf("first entry's values = %q, %v", values, err)
	}
	_, err = entries[1].List("ContextKeyValues")
	if e := wantCode(t, err, "InvalidParameterValue", 400); !strings.Contains(e.Message, "ContextEntries.member.2.ContextKeyValues.member.1 is missing") {
		t.Errorf("message %q does not name the parameter in full", e.Message)
	}
	_, err = entries[1].Required("ContextKeyName")
	if e := wantCode(t, err, "MissingParameter", 400); e.Message != "The request must contain the parameter ContextEntries.member.2.ContextKeyName" {
		t.Errorf("message %q", e.Message)
	}
}

func TestMap(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  map[string]string
		code  string
		msg   string
	}{
		{name: "absent", query: "X=y", want: nil},
		{name: "entries", query: "Attributes.entry.1.key=a&Attributes.entry.1.value=1&Attributes.entry.2.key=b&Attributes.entry.2.value=2", want: map[string]string{"a": "1", "b": "2"}},
		{name: "value left out", query: "Attributes.entry.1.key=a", want: map[string]string{"a": ""}},
		{name: "key left out", query: "Attributes.entry.1.value=1", code: "MissingParameter", msg: "Attributes.entry.1.key"},
		{name: "duplicate key", query: "Attributes.entry.1.key=a&Attributes.entry.2.key=a", code: "InvalidParameterValue", msg: "more than once"},
		{name: "unknown field", query: "Attributes.entry.1.key=a&Attributes.entry.1.Value=1", code: "InvalidParameterValue", msg: "Unknown parameter Attributes.entry.1.Value"},
		{name: "gap", query: "Attributes.entry.2.key=a", code: "InvalidParameterValue", msg: "Attributes.entry.1 is missing"},
		{name: "list form", query: "Attributes.member.1=a", code: "InvalidParameterValue", msg: "Unknown parameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := query(t, tt.query).Map("Attributes")
			if tt.code != "" {
				e := wantCode(t, err, tt.code, 400)
				if !strings.Contains(e.Message, tt.msg) {
					t.Errorf("message %q lacks %q", e.Message, tt.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tt.want == nil) || !maps.Equal(got, tt.want) {
				t.Errorf("Map = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestScalars(t *testing.T) {
	q := query(t, "RoleName=r&Empty=&MaxItems=100&Negative=-5&Big=2147483648&NotInt=1e3&Yes=true&No=FALSE&Maybe=yes")
	t.Run("Get and Lookup", func(t *testing.T) {
		if q.Get("RoleName") != "r" || q.Get("Absent") != "" {
			t.Errorf("Get: %q %q", q.Get("RoleName"), q.Get("Absent"))
		}
		if v, ok := q.Lookup("Empty"); v != "" || !ok {
			t.Errorf("Lookup(Empty) = %q, %v", v, ok)
		}
		if _, ok := q.Lookup("Absent"); ok {
			t.Error("Lookup(Absent) found it")
		}
	})
	t.Run("Required", func(t *testing.T) {
		if v, err := q.Required("RoleName"); v != "r" || err != nil {
			t.Errorf("Required(RoleName) = %q, %v", v, err)
		}
		if v, err := q.Required("Empty"); v != "" || err != nil {
			t.Errorf("Required(Empty) = %q, %v", v, err)
		}
		_, err := q.Required("PolicyArn")
		if e := wantCode(t, err, "MissingParameter", 400); e.Message != "The request must contain the parameter PolicyArn" {
			t.Errorf("message %q", e.Message)
		}
	})
	ints := []struct {
		name string
		want int
		ok   bool
		bad  bool
	}{
		{name: "MaxItems", want: 100, ok: true},
		{name: "Negative", want: -5, ok: true},
		{name: "Absent"},
		{name: "Big", ok: true, bad: true},
		{name: "NotInt", ok: true, bad: true},
		{name: "Empty", ok: true, bad: true},
	}
	for _, tt := range ints {
		t.Run("Int "+tt.name, func(t *testing.T) {
			n, ok, err := q.Int(tt.name)
			if tt.bad {
				e := wantCode(t, err, "InvalidParameterValue", 400)
				if !strings.Contains(e.Message, tt.name) {
					t.Errorf("message %q does not name %s", e.Message, tt.name)
				}
				return
			}
			if n != tt.want || ok != tt.ok || err != nil {
				t.Errorf("Int = %d, %v, %v; want %d, %v", n, ok, err, tt.want, tt.ok)
			}
		})
	}
	bools := []struct {
		name    string
		want    bool
		ok, bad bool
	}{
		{name: "Yes", want: true, ok: true},
		{name: "No", want: false, ok: true},
		{name: "Absent"},
		{name: "Maybe", ok: true, bad: true},
		{name: "Empty", ok: true, bad: true},
	}
	for _, tt := range bools {
		t.Run("Bool "+tt.name, func(t *testing.T) {
			b, ok, err := q.Bool(tt.name)
			if tt.bad {
				wantCode(t, err, "InvalidParameterValue", 400)
				return
			}
			if b != tt.want || ok != tt.ok || err != nil {
				t.Errorf("Bool = %v, %v, %v; want %v, %v", b, ok, err, tt.want, tt.ok)
			}
		})
	}
}

// parseQuery decodes r's query string as the edge does, once, and then
// the request.
func parseQuery(r *http.Request, maxBody int64) (*awsproto.QueryRequest, error) {
	q, err := awsproto.DecodeForm(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	return awsproto.ParseQuery(r, q, maxBody)
}
