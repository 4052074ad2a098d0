package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The service models of botocore (the AWS CLI's and boto3's library) say
// what every AWS response holds. These tests read them from the directory
// PODIAM_BOTOCORE_DATA names (`make test` sets it to the installed
// botocore's data directory) and check podiam's responses against them.
const botocoreEnv = "PODIAM_BOTOCORE_DATA"

// model is the part of a botocore service-2.json that responses need.
type model struct {
	Operations map[string]struct {
		HTTP struct {
			Method     string `json:"method"`
			RequestURI string `json:"requestUri"`
		} `json:"http"`
		Output *struct {
			Shape         string `json:"shape"`
			ResultWrapper string `json:"resultWrapper"`
		} `json:"output"`
	} `json:"operations"`
	Shapes map[string]*shape `json:"shapes"`
}

type shape struct {
	Type     string             `json:"type"`
	Members  map[string]*member `json:"members"`
	Required []string           `json:"required"`
	Member   *member            `json:"member"`
	Key      *member            `json:"key"`
	Value    *member            `json:"value"`
	Enum     []string           `json:"enum"`
}

type member struct {
	Shape        string `json:"shape"`
	LocationName string `json:"locationName"`
}

var (
	modelsMu sync.Mutex
	models   = map[string]*model{}
)

// loadModel reads a service's model, or skips the test when the data
// directory is not configured.
func loadModel(t *testing.T, service string) *model {
	t.Helper()
	dir := os.Getenv(botocoreEnv)
	if dir == "" {
		t.Skipf("%s is not set: `make test` sets it to botocore's data directory and runs the model checks", botocoreEnv)
	}
	modelsMu.Lock()
	defer modelsMu.Unlock()
	if m, ok := models[service]; ok {
		return m
	}
	matches, _ := filepath.Glob(filepath.Join(dir, service, "*", "service-2.json*"))
	if len(matches) == 0 {
		t.Fatalf("no %s model under %s", service, dir)
	}
	slices.Sort(matches)
	f, err := os.Open(matches[len(matches)-1])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(f.Name(), ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	}
	m := &model{}
	if err := json.NewDecoder(r).Decode(m); err != nil {
		t.Fatalf("read %s: %v", f.Name(), err)
	}
	models[service] = m
	return m
}

// node is an XML element.
type node struct {
	name     string
	text     string
	children []*node
}

func parseXML(body []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element")
	}
	return root, nil
}

// checkQueryResponse checks a Query-protocol response body of action
// against the model: the envelope, every element's name and every
// scalar's form, enums, and required members.
func checkQueryResponse(m *model, action string, body []byte) []string {
	op, ok := m.Operations[action]
	if !ok {
		return []string{fmt.Sprintf("%s: not an operation of the model", action)}
	}
	root, err := parseXML(body)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", action, err)}
	}
	var problems []string
	bad := func(path, format string, args ...any) {
		problems = append(problems, action+": "+path+": "+fmt.Sprintf(format, args...))
	}
	if root.name != action+"Response" {
		bad("/", "root element %s, want %sResponse", root.name, action)
	}
	var result, meta *node
	for _, c := range root.children {
		switch {
		case op.Output != nil && c.name == op.Output.ResultWrapper:
			result = c
		case c.name == "ResponseMetadata":
			meta = c
		default:
			bad("/"+root.name, "unexpected element %s", c.name)
		}
	}
	if meta == nil || len(meta.children) != 1 || meta.children[0].name != "RequestId" {
		bad("/"+root.name, "no ResponseMetadata/RequestId")
	}
	if op.Output == nil {
		if result != nil {
			bad("/"+root.name, "a result for an operation without output")
		}
		return problems
	}
	if result == nil {
		bad("/"+root.name, "no %s", op.Output.ResultWrapper)
		return problems
	}
	var walk func(path string, n *node, sh string)
	walk = func(path string, n *node, sh string) {
		s := m.Shapes[sh]
		if s == nil {
			bad(path, "unknown shape %s", sh)
			return
		}
		text := strings.TrimSpace(n.text)
		switch s.Type {
		case "structure":
			names := map[string]string{}
			for name, mem := range s.Members {
				wire := name
				if mem.LocationName != "" {
					wire = mem.LocationName
				}
				names[wire] = name
			}
			seen := map[string]bool{}
			for _, c := range n.children {
				name, ok := names[c.name]
				if !ok {
					bad(path, "%s is not a member of %s", c.name, sh)
					continue
				}
				if seen[name] {
					bad(path, "%s repeated", c.name)
				}
				seen[name] = true
				walk(path+"/"+c.name, c, s.Members[name].Shape)
			}
			for _, r := range s.Required {
				if !seen[r] {
					bad(path, "required member %s missing", r)
				}
			}
		case "list":
			want := "member"
			if s.Member.LocationName != "" {
				want = s.Member.LocationName
			}
			for i, c := range n.children {
				if c.name != want {
					bad(path, "list element %s, want %s", c.name, want)
					continue
				}
				walk(fmt.Sprintf("%s[%d]", path, i), c, s.Member.Shape)
			}
		case "map":
			for _, c := range n.children {
				if c.name != "entry" || len(c.children) != 2 {
					bad(path, "map element %s, want entry with key and value", c.name)
					continue
				}
				walk(path+"/key", c.children[0], s.Key.Shape)
				walk(path+"/value", c.children[1], s.Value.Shape)
			}
		case "string":
			if len(n.children) > 0 {
				bad(path, "elements inside a string")
			}
			if len(s.Enum) > 0 && !slices.Contains(s.Enum, text) {
				bad(path, "%q is not one of %v", text, s.Enum)
			}
		case "boolean":
			if text != "true" && text != "false" {
				bad(path, "%q is not a boolean", text)
			}
		case "integer", "long":
			if _, err := strconv.ParseInt(text, 10, 64); err != nil {
				bad(path, "%q is not an integer", text)
			}
		case "timestamp":
			if _, err := time.Parse(time.RFC3339, text); err != nil {
				bad(path, "%q is not an ISO 8601 time", text)
			}
		default:
			if len(n.children) > 0 {
				bad(path, "elements inside a %s", s.Type)
			}
		}
	}
	walk("/"+root.name+"/"+result.name, result, op.Output.Shape)
	return problems
}

// checkJSONResponse checks a JSON 1.1 response body of action against
// the model: member names, value types (timestamps as epoch seconds),
// enums and required members.
func checkJSONResponse(m *model, action string, body []byte) []string {
	op, ok := m.Operations[action]
	if !ok {
		return []string{fmt.Sprintf("%s: not an operation of the model", action)}
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return []string{fmt.Sprintf("%s: %v", action, err)}
	}
	var problems []string
	bad := func(path, format string, args ...any) {
		problems = append(problems, action+": "+path+": "+fmt.Sprintf(format, args...))
	}
	if op.Output == nil {
		if obj, ok := v.(map[string]any); !ok || len(obj) > 0 {
			bad("/", "a result for an operation without output")
		}
		return problems
	}
	var walk func(path string, v any, sh string)
	walk = func(path string, v any, sh string) {
		s := m.Shapes[sh]
		if s == nil {
			bad(path, "unknown shape %s", sh)
			return
		}
		switch s.Type {
		case "structure":
			obj, ok := v.(map[string]any)
			if !ok {
				bad(path, "%T, want an object", v)
				return
			}
			for k, val := range obj {
				mem, ok := s.Members[k]
				if !ok {
					bad(path, "%s is not a member of %s", k, sh)
					continue
				}
				walk(path+"/"+k, val, mem.Shape)
			}
			for _, r := range s.Required {
				if _, ok := obj[r]; !ok {
					bad(path, "required member %s missing", r)
				}
			}
		case "list":
			arr, ok := v.([]any)
			if !ok {
				bad(path, "%T, want an array", v)
				return
			}
			for i, e := range arr {
				walk(fmt.Sprintf("%s[%d]", path, i), e, s.Member.Shape)
			}
		case "map":
			obj, ok := v.(map[string]any)
			if !ok {
				bad(path, "%T, want an object", v)
				return
			}
			for k, e := range obj {
				walk(path+"/"+k, e, s.Value.Shape)
			}
		case "string":
			str, ok := v.(string)
			if !ok {
				bad(path, "%T, want a string", v)
			} else if len(s.Enum) > 0 && !slices.Contains(s.Enum, str) {
				bad(path, "%q is not one of %v", str, s.Enum)
			}
		case "boolean":
			if _, ok := v.(bool); !ok {
				bad(path, "%T, want a boolean", v)
			}
		case "integer", "long":
			if n, ok := v.(json.Number); !ok {
				bad(path, "%T, want a number", v)
			} else if _, err := n.Int64(); err != nil {
				bad(path, "%s is not an integer", n)
			}
		case "timestamp":
			if _, ok := v.(json.Number); !ok {
				bad(path, "%T, want epoch seconds", v)
			}
		}
	}
	walk("", v, op.Output.Shape)
	return problems
}

// modelChecked wraps an edge serving IAM and STS (Query) and
// Organizations (JSON 1.1): every successful response is checked against
// its service's model, and seen records "service:Action" for each.
func modelChecked(t *testing.T, h http.Handler, seen map[string]bool) http.Handler {
	iamModel, stsModel, orgsModel := loadModel(t, "iam"), loadModel(t, "sts"), loadModel(t, "organizations")
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read request: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		if rec.Code != http.StatusOK {
			return
		}
		var key string
		var problems []string
		if target := r.Header.Get("X-Amz-Target"); target != "" {
			action := target[strings.LastIndexByte(target, '.')+1:]
			key = "organizations:" + action
			problems = checkJSONResponse(orgsModel, action, rec.Body.Bytes())
		} else {
			form, _ := url.ParseQuery(string(body))
			for k, v := range r.URL.Query() {
				form[k] = v
			}
			service, m := "iam", iamModel
			_, inIAM := iamModel.Operations[form.Get("Action")]
			scope := r.Header.Get("Authorization") + form.Get("X-Amz-Credential")
			if strings.Contains(scope, "/sts/aws4_request") || scope == "" && !inIAM {
				service, m = "sts", stsModel
			}
			key = service + ":" + form.Get("Action")
			problems = checkQueryResponse(m, form.Get("Action"), rec.Body.Bytes())
		}
		mu.Lock()
		seen[key] = true
		mu.Unlock()
		for _, p := range problems {
			t.Error(p)
		}
	})
}

// TestModelChecker shows that the checker finds what it is for.
func TestModelChecker(t *testing.T) {
	m := loadModel(t, "iam")
	const ok = `<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult><Role>` +
		`<Path>/</Path><RoleName>r</RoleName><RoleId>AROAEXAMPLE</RoleId><Arn>arn:aws:iam::111122223333:role/r</Arn>` +
		`<CreateDate>2026-01-02T03:04:05Z</CreateDate><MaxSessionDuration>3600</MaxSessionDuration>%s</Role></GetRoleResult>` +
		`<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetRoleResponse>`
	if p := checkQueryResponse(m, "GetRole", []byte(fmt.Sprintf(ok, ""))); len(p) > 0 {
		t.Fatalf("a valid response: %v", p)
	}
	for name, extra := range map[string]string{
		"unknown member":      `<RoleArn>x</RoleArn>`,
		"list without member": `<Tags><Tag><Key>a</Key><Value>b</Value></Tag></Tags>`,
		"bad integer":         `<RoleLastUsed><LastUsedDate>yesterday</LastUsedDate></RoleLastUsed>`,
		"missing required":    `<Tags><member><Key>a</Key></member></Tags>`,
		"bad enum":            `<PermissionsBoundary><PermissionsBoundaryType>Role</PermissionsBoundaryType></PermissionsBoundary>`,
	} {
		if p := checkQueryResponse(m, "GetRole", []byte(fmt.Sprintf(ok, extra))); len(p) == 0 {
			t.Errorf("%s: not found", name)
		}
	}
	if p := checkQueryResponse(m, "GetRole", []byte(strings.Replace(fmt.Sprintf(ok, ""), "<RoleId>AROAEXAMPLE</RoleId>", "", 1))); len(p) == 0 {
		t.Error("missing RoleId: not found")
	}
}
