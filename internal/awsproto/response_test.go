package awsproto_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/fault"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Result shapes as IAM and STS write them; the services' own shapes will
// live beside the handlers.
type (
	tag struct {
		Key   string `xml:"Key"`
		Value string `xml:"Value"`
	}
	roleLastUsed struct {
		LastUsedDate *awsproto.Timestamp `xml:"LastUsedDate"`
		Region       string              `xml:"Region,omitempty"`
	}
	role struct {
		Path                     string                 `xml:"Path"`
		RoleName                 string                 `xml:"RoleName"`
		RoleID                   string                 `xml:"RoleId"`
		Arn                      string                 `xml:"Arn"`
		CreateDate               awsproto.Timestamp     `xml:"CreateDate"`
		AssumeRolePolicyDocument string                 `xml:"AssumeRolePolicyDocument,omitempty"`
		Description              string                 `xml:"Description,omitempty"`
		MaxSessionDuration       int                    `xml:"MaxSessionDuration,omitempty"`
		Tags                     awsproto.List[tag]     `xml:"Tags,omitempty"`
		RoleLastUsed             *roleLastUsed          `xml:"RoleLastUsed"`
		Extra                    awsproto.List[string]  `xml:"Extra,omitempty"`
		Summary                  awsproto.Map[int]      `xml:"Summary,omitempty"`
		Unused                   *awsproto.List[string] `xml:"Unused"`
	}
	listRolesResult struct {
		Roles       awsproto.List[role] `xml:"Roles"`
		IsTruncated bool                `xml:"IsTruncated"`
		Marker      string              `xml:"Marker,omitempty"`
	}
	getRoleResult struct {
		Role role `xml:"Role"`
	}
	getCallerIdentityResult struct {
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
		Arn     string `xml:"Arn"`
	}
	credentials struct {
		AccessKeyID     string             `xml:"AccessKeyId"`
		SecretAccessKey string             `xml:"SecretAccessKey"`
		SessionToken    string             `xml:"SessionToken"`
		Expiration      awsproto.Timestamp `xml:"Expiration"`
	}
	assumedRoleUser struct {
		AssumedRoleID string `xml:"AssumedRoleId"`
		Arn           string `xml:"Arn"`
	}
	assumeRoleResult struct {
		Credentials      credentials     `xml:"Credentials"`
		AssumedRoleUser  assumedRoleUser `xml:"AssumedRoleUser"`
		PackedPolicySize *int            `xml:"PackedPolicySize"`
		SourceIdentity   string          `xml:"SourceIdentity,omitempty"`
	}
	assumeRoleWithWebIdentityResult struct {
		Credentials                 credentials     `xml:"Credentials"`
		SubjectFromWebIdentityToken string          `xml:"SubjectFromWebIdentityToken"`
		AssumedRoleUser             assumedRoleUser `xml:"AssumedRoleUser"`
		Provider                    string          `xml:"Provider"`
		Audience                    string          `xml:"Audience"`
	}
	getAccountSummaryResult struct {
		SummaryMap awsproto.Map[int] `xml:"SummaryMap"`
	}
)

var (
	// In another zone, with nanoseconds: written in UTC to the second.
	created = awsproto.Timestamp(time.Date(2026, 1, 2, 4, 4, 5, 999_999_999, time.FixedZone("CET", 3600)))
	expires = awsproto.Timestamp(time.Date(2026, 1, 2, 4, 4, 5, 0, time.UTC))
)

const trustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.example.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.example.com:sub":"system:serviceaccount:ns:sa"}}}]}`

var roles = []role{
	{
		Path: "/", RoleName: "irsa", RoleID: "AROAEXAMPLE000000001", Arn: "arn:aws:iam::111122223333:role/irsa",
		CreateDate: created, AssumeRolePolicyDocument: queryEscape(trustPolicy), MaxSessionDuration: 3600,
		Tags:         awsproto.List[tag]{{Key: "team", Value: "a&b <c>"}, {Key: "empty", Value: ""}},
		RoleLastUsed: &roleLastUsed{},
	},
	{
		Path: "/service/", RoleName: "svc", RoleID: "AROAEXAMPLE000000002", Arn: "arn:aws:iam::111122223333:role/service/svc",
		CreateDate: created, Description: `quotes " and ' and ]]>`, MaxSessionDuration: 43200,
		RoleLastUsed: &roleLastUsed{LastUsedDate: &expires, Region: "us-east-1"},
		Extra:        awsproto.List[string]{"x"},
	},
}

// queryEscape encodes a policy document as IAM returns it: URL-encoded.
func queryEscape(s string) string { return url.QueryEscape(s) }

// goldenResponse renders a response as its golden file holds it: the
// status, the headers the package sets, a blank line and the body.
func goldenResponse(rec *httptest.ResponseRecorder) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP %d\n", rec.Code)
	for _, h := range []string{"Content-Type", "Content-Length", awsproto.RequestIDHeader} {
		fmt.Fprintf(&b, "%s: %s\n", http.CanonicalHeaderKey(h), rec.Header().Get(h))
	}
	b.WriteString("\n")
	b.Write(rec.Body.Bytes())
	b.WriteString("\n")
	return b.Bytes()
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it)\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// wellFormed checks that body is one XML document.
func wellFormed(t *testing.T, body []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed XML: %v\n%s", err, body)
			}
			return
		}
	}
}

const requestID = "c6104cbe-af31-11e0-8154-cbc7ccf896c7"

func TestWriteResponseGolden(t *testing.T) {
	one := 6
	tests := []struct {
		name      string
		action    string
		namespace string
		result    any
	}{
		{name: "get-caller-identity", action: "GetCallerIdentity", namespace: awsproto.STSNamespace,
			result: getCallerIdentityResult{UserID: "AIDAEXAMPLE000000001", Account: "111122223333", Arn: "arn:aws:iam::111122223333:user/alice"}},
		{name: "delete-role", action: "DeleteRole", namespace: awsproto.IAMNamespace},
		{name: "get-role", action: "GetRole", namespace: awsproto.IAMNamespace, result: &getRoleResult{Role: roles[0]}},
		{name: "list-roles", action: "ListRoles", namespace: awsproto.IAMNamespace,
			result: listRolesResult{Roles: roles, IsTruncated: true, Marker: "bWFya2Vy"}},
		{name: "list-roles-empty", action: "ListRoles", namespace: awsproto.IAMNamespace, result: listRolesResult{}},
		{name: "assume-role", action: "AssumeRole", namespace: awsproto.STSNamespace, result: assumeRoleResult{
			Credentials:      credentials{AccessKeyID: "ASIAEXAMPLE000000001", SecretAccessKey: "secret/+=", SessionToken: "token", Expiration: expires},
			AssumedRoleUser:  assumedRoleUser{AssumedRoleID: "AROAEXAMPLE000000001:s", Arn: "arn:aws:sts::111122223333:assumed-role/irsa/s"},
			PackedPolicySize: &one,
		}},
		{name: "get-account-summary", action: "GetAccountSummary", namespace: awsproto.IAMNamespace,
			result: getAccountSummaryResult{SummaryMap: awsproto.Map[int]{"Users": 2, "Roles": 10, "AccessKeysPerUserQuota": 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			if err := awsproto.WriteResponse(rec, tt.action, tt.namespace, requestID, tt.result); err != nil {
				t.Fatal(err)
			}
			wellFormed(t, rec.Body.Bytes())
			checkGolden(t, tt.name, goldenResponse(rec))
		})
	}
}

func TestWriteErrorGolden(t *testing.T) {
	tests := []struct {
		name      string
		namespace string
		err       *awsproto.Error
	}{
		{name: "error-missing-parameter", namespace: awsproto.IAMNamespace, err: awsproto.MissingParameter("RoleName")},
		{name: "error-no-such-entity", namespace: awsproto.IAMNamespace, err: awsproto.QueryError(&fault.Error{Kind: fault.NotFound, Message: "The role with name missing cannot be found."})},
		{name: "error-invalid-action", namespace: awsproto.STSNamespace, err: awsproto.InvalidAction("Frobnicate<&>", "2011-06-15")},
		{name: "error-signature-does-not-match", namespace: awsproto.STSNamespace, err: awsproto.QueryError(&fault.Error{Kind: fault.Mismatch, Subject: fault.Signature, Message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n" +
			"The Canonical String for this request should have been\n'POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:127.0.0.1\n\ncontent-type;host\ne3b0c442'\n\n" +
			"The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20260102T030405Z\n20260102/us-east-1/sts/aws4_request\n\"<&>\"'\n"})},
		{name: "error-service-failure", namespace: awsproto.IAMNamespace, err: awsproto.ServiceFailure(errors.New("database is locked: secret detail"))},
		{name: "error-nil", namespace: awsproto.IAMNamespace},
		{name: "error-control-characters", namespace: awsproto.IAMNamespace, err: awsproto.QueryError(&fault.Error{Kind: fault.Validation, Message: "bad \x00\x1b byte \xff"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			awsproto.WriteError(rec, tt.namespace, requestID, tt.err)
			wellFormed(t, rec.Body.Bytes())
			if strings.Contains(rec.Body.String(), "secret detail") {
				t.Error("the cause reached the body")
			}
			checkGolden(t, tt.name, goldenResponse(rec))
		})
	}
}

// TestWriteErrorDefaults fills in what an Error left out.
func TestWriteErrorDefaults(t *testing.T) {
	tests := []struct {
		name   string
		err    *awsproto.Error
		status int
		fault  string
	}{
		{name: "no status", err: &awsproto.Error{Code: "X"}, status: 500, fault: "Receiver"},
		{name: "status not an error", err: &awsproto.Error{Code: "X", Status: 200}, status: 500, fault: "Receiver"},
		{name: "no type, 4xx", err: &awsproto.Error{Code: "X", Status: 404}, status: 404, fault: "Sender"},
		{name: "type kept", err: &awsproto.Error{Code: "X", Status: 400, Type: awsproto.Receiver}, status: 400, fault: "Receiver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			awsproto.WriteError(rec, awsproto.IAMNamespace, "r", tt.err)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), "<Type>"+tt.fault+"</Type>") {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.fault)
			}
		})
	}
}

// TestWriteResponseFailure: a result that cannot be encoded, or an action
// that is not a name, turns into a ServiceFailure, never a partial body.
func TestWriteResponseFailure(t *testing.T) {
	tests := []struct {
		name   string
		action string
		result any
	}{
		{name: "unencodable result", action: "GetRole", result: struct{ F func() }{F: func() {}}},
		{name: "plain map", action: "GetRole", result: map[string]string{"a": "b"}},
		{name: "action with markup", action: "Get><Role", result: nil},
		{name: "empty action", action: "", result: nil},
		{name: "action with a digit first", action: "1Role", result: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			err := awsproto.WriteResponse(rec, tt.action, awsproto.IAMNamespace, requestID, tt.result)
			if err == nil {
				t.Fatal("no error")
			}
			if rec.Code != 500 || !strings.HasPrefix(rec.Body.String(), "<ErrorResponse") || !strings.Contains(rec.Body.String(), "<Code>ServiceFailure</Code>") {
				t.Errorf("got %d %s", rec.Code, rec.Body)
			}
		})
	}
}

func TestErrorConstructors(t *testing.T) {
	tests := []struct {
		err    *awsproto.Error
		code   string
		status int
		fault  awsproto.Fault
	}{
		{awsproto.QueryError(&fault.Error{Kind: fault.Unsigned, Message: "Request is missing Authentication Token"}), "MissingAuthenticationToken", 403, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.Malformed, Subject: fault.Authorization, Message: "m"}), "IncompleteSignature", 400, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.InvalidToken, Subject: fault.AccessKey, Message: "The security token included in the request is invalid."}), "InvalidClientTokenId", 403, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.Mismatch, Subject: fault.Signature, Message: "m"}), "SignatureDoesNotMatch", 403, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.Expired, Message: "m"}), "RequestExpired", 400, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.Expired, Subject: fault.SessionToken, Message: "The security token included in the request is expired"}), "ExpiredToken", 403, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.AccessDenied, Message: "m"}), "AccessDenied", 403, awsproto.Sender},
		{awsproto.InvalidAction("A", "V"), "InvalidAction", 400, awsproto.Sender},
		{awsproto.MissingAction(), "MissingAction", 400, awsproto.Sender},
		{awsproto.MissingParameter("P"), "MissingParameter", 400, awsproto.Sender},
		{awsproto.InvalidParameterValue("m"), "InvalidParameterValue", 400, awsproto.Sender},
		{awsproto.InvalidQueryParameter("m"), "InvalidQueryParameter", 400, awsproto.Sender},
		{awsproto.MalformedQueryString("m"), "MalformedQueryString", 404, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.Validation, Message: "m"}), "ValidationError", 400, awsproto.Sender},
		{awsproto.RequestEntityTooLarge(1), "RequestEntityTooLarge", 413, awsproto.Sender},
		{awsproto.UnsupportedMediaType("t"), "UnsupportedMediaType", 415, awsproto.Sender},
		{awsproto.Throttling(), "Throttling", 400, awsproto.Sender},
		{awsproto.ServiceFailure(nil), "ServiceFailure", 500, awsproto.Receiver},
		{awsproto.QueryError(&fault.Error{Kind: fault.NotFound, Message: "m"}), "NoSuchEntity", 404, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.AlreadyExists, Message: "m"}), "EntityAlreadyExists", 409, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.DeleteConflict, Message: "m"}), "DeleteConflict", 409, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.LimitExceeded, Message: "m"}), "LimitExceeded", 409, awsproto.Sender},
		{awsproto.ConcurrentModification("m"), "ConcurrentModification", 409, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.Malformed, Subject: fault.Policy, Message: "m"}), "MalformedPolicyDocument", 400, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.InvalidInput, Message: "m"}), "InvalidInput", 400, awsproto.Sender},
		{awsproto.UnmodifiableEntity("m"), "UnmodifiableEntity", 400, awsproto.Sender},
		{awsproto.PolicyNotAttachable("m"), "PolicyNotAttachable", 400, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.InvalidToken, Subject: fault.IdentityToken, Message: "m"}), "InvalidIdentityToken", 400, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.AccessDenied, Subject: fault.IdentityToken, Message: "m"}), "IDPRejectedClaim", 403, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.Unavailable, Subject: fault.IdentityProvider, Message: "m"}), "IDPCommunicationError", 400, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.Expired, Subject: fault.IdentityToken, Message: "m"}), "ExpiredTokenException", 400, awsproto.Sender},
		{awsproto.QueryError(&fault.Error{Kind: fault.TooLarge, Subject: fault.PackedPolicy, Message: "m"}), "PackedPolicyTooLarge", 400, awsproto.Sender},
		{awsproto.RegionDisabled("m"), "RegionDisabledException", 403, awsproto.Sender},
		{awsproto.NewError("ServiceUnavailable", 503, "m"), "ServiceUnavailable", 503, awsproto.Receiver},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if tt.err.Code != tt.code || tt.err.Status != tt.status || tt.err.Type != tt.fault || tt.err.Message == "" {
				t.Errorf("got %+v, want %s %d %s with a message", tt.err, tt.code, tt.status, tt.fault)
			}
			if !strings.HasPrefix(tt.err.Error(), tt.code+": ") {
				t.Errorf("Error() = %q", tt.err.Error())
			}
		})
	}
	if got := awsproto.InvalidAction("Frob", "2010-05-08").Message; got != "Could not find operation Frob for version 2010-05-08" {
		t.Errorf("InvalidAction message %q", got)
	}
	cause := errors.New("disk full")
	wrapped := fmt.Errorf("get role: %w", awsproto.QueryError(&fault.Error{Kind: fault.NotFound, Message: "m"}))
	if got := awsproto.AsError(wrapped); got == nil || got.Code != "NoSuchEntity" {
		t.Errorf("AsError(wrapped NoSuchEntity) = %v", got)
	}
	if got := awsproto.AsError(cause); got == nil || got.Code != "ServiceFailure" || !errors.Is(got, cause) {
		t.Errorf("AsError(plain error) = %v", got)
	}
	if got := awsproto.AsError(nil); got != nil {
		t.Errorf("AsError(nil) = %v", got)
	}
	if err := error(awsproto.ServiceFailure(cause)); !errors.Is(err, cause) || strings.Contains(err.Error(), "disk full") {
		t.Errorf("ServiceFailure(cause) = %v: must wrap the cause and not show it", err)
	}
}
