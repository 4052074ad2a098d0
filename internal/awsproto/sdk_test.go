package awsproto_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/fault"
)

// The SDK round trips: aws-sdk-go-v2's own serializers make the requests
// that ParseQuery decodes, and its own deserializers read what
// WriteResponse and WriteError write. The clients are built from Options,
// not from the shared config, so no environment variable (AWS_CA_BUNDLE,
// AWS_ENDPOINT_URL, profiles) reaches them.

// handlerFunc answers one decoded request with a result or an error.
type handlerFunc func(q *awsproto.QueryRequest) (any, *awsproto.Error)

// queryServer serves handle over the Query protocol and keeps the last
// decoded request for the test to inspect.
type queryServer struct {
	*httptest.Server
	mu   sync.Mutex
	last *awsproto.QueryRequest
}

func (s *queryServer) lastRequest() *awsproto.QueryRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

func newQueryServer(t *testing.T, namespace string, handle handlerFunc) *queryServer {
	t.Helper()
	s := &queryServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := "req-" + r.Header.Get("Amz-Sdk-Invocation-Id")
		q, err := parseQuery(r, 0)
		if err != nil {
			awsproto.WriteError(w, namespace, id, awsproto.AsError(err))
			return
		}
		s.mu.Lock()
		s.last = q
		s.mu.Unlock()
		result, aerr := handle(q)
		if aerr != nil {
			awsproto.WriteError(w, namespace, id, aerr)
			return
		}
		if err := awsproto.WriteResponse(w, q.Action, namespace, id, result); err != nil {
			t.Errorf("WriteResponse: %v", err)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

var testCredentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "AKIAEXAMPLE000000001", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Source: "test"}, nil
})

func newSTS(s *queryServer) *sts.Client {
	return sts.New(sts.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s.URL), Credentials: testCredentials,
		HTTPClient: s.Client(), RetryMaxAttempts: 1,
	})
}

func newIAM(s *queryServer) *iam.Client {
	return iam.New(iam.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s.URL), Credentials: testCredentials,
		HTTPClient: s.Client(), RetryMaxAttempts: 1,
	})
}

// checkAPIError checks that the SDK read the code, message, status and
// request id of an error response.
func checkAPIError(t *testing.T, err error, code, message string, status int) {
	t.Helper()
	apiErr, ok := errors.AsType[smithy.APIError](err)
	if !ok {
		t.Fatalf("error %v (%T) is not a smithy.APIError", err, err)
	}
	if apiErr.ErrorCode() != code || apiErr.ErrorMessage() != message {
		t.Errorf("SDK read %q %q, want %q %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), code, message)
	}
	respErr, ok := errors.AsType[*awshttp.ResponseError](err)
	if !ok {
		t.Fatalf("error %v has no HTTP response", err)
	}
	if respErr.HTTPStatusCode() != status || len(respErr.ServiceRequestID()) <= len("req-") {
		t.Errorf("status %d, request id %q; want %d and an id", respErr.HTTPStatusCode(), respErr.ServiceRequestID(), status)
	}
}

func TestSDKSTS(t *testing.T) {
	expiration := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	packed := 7
	srv := newQueryServer(t, awsproto.STSNamespace, func(q *awsproto.QueryRequest) (any, *awsproto.Error) {
		if q.Version != awsproto.STSVersion {
			return nil, awsproto.InvalidAction(q.Action, q.Version)
		}
		switch q.Action {
		case "GetCallerIdentity":
			return getCallerIdentityResult{UserID: "AIDAEXAMPLE000000001", Account: "111122223333", Arn: "arn:aws:iam::111122223333:user/alice"}, nil
		case "AssumeRole":
			return assumeRoleResult{
				Credentials:      credentials{AccessKeyID: "ASIAEXAMPLE000000001", SecretAccessKey: "s/+=", SessionToken: "t&<>", Expiration: awsproto.Timestamp(expiration)},
				AssumedRoleUser:  assumedRoleUser{AssumedRoleID: "AROAEXAMPLE000000001:s", Arn: "arn:aws:sts::111122223333:assumed-role/r/s"},
				PackedPolicySize: &packed,
			}, nil
		case "AssumeRoleWithWebIdentity":
			return assumeRoleWithWebIdentityResult{
				Credentials:                 credentials{AccessKeyID: "ASIAEXAMPLE000000002", SecretAccessKey: "s", SessionToken: "t", Expiration: awsproto.Timestamp(expiration)},
				SubjectFromWebIdentityToken: "system:serviceaccount:ns:sa",
				AssumedRoleUser:             assumedRoleUser{AssumedRoleID: "AROAEXAMPLE000000001:s", Arn: "arn:aws:sts::111122223333:assumed-role/r/s"},
				Provider:                    "oidc.example.com", Audience: "sts.amazonaws.com",
			}, nil
		case "GetSessionToken":
			return nil, awsproto.QueryError(&fault.Error{Kind: fault.Expired, Subject: fault.SessionToken, Message: "The security token included in the request is expired"})
		}
		return nil, awsproto.InvalidAction(q.Action, q.Version)
	})
	client := newSTS(srv)
	ctx := t.Context()

	t.Run("GetCallerIdentity", func(t *testing.T) {
		out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Account) != "111122223333" || aws.ToString(out.Arn) != "arn:aws:iam::111122223333:user/alice" || aws.ToString(out.UserId) != "AIDAEXAMPLE000000001" {
			t.Errorf("SDK read %q %q %q", aws.ToString(out.Account), aws.ToString(out.Arn), aws.ToString(out.UserId))
		}
		if id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); len(id) <= len("req-") {
			t.Errorf("request id %q", id)
		}
		if q := srv.lastRequest(); q.Action != "GetCallerIdentity" || q.Len() != 0 {
			t.Errorf("server decoded %q with %v", q.Action, params(q.Params))
		}
	})

	t.Run("AssumeRole", func(t *testing.T) {
		out, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn:           aws.String("arn:aws:iam::111122223333:role/r"),
			RoleSessionName:   aws.String("s"),
			DurationSeconds:   aws.Int32(900),
			Policy:            aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`),
			PolicyArns:        []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}, {Arn: aws.String("arn:aws:iam::111122223333:policy/p+q")}},
			Tags:              []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("a b&c")}, {Key: aws.String("empty"), Value: aws.String("")}},
			TransitiveTagKeys: []string{},
		})
		if err != nil {
			t.Fatal(err)
		}
		c := out.Credentials
		if aws.ToString(c.AccessKeyId) != "ASIAEXAMPLE000000001" || aws.ToString(c.SecretAccessKey) != "s/+=" || aws.ToString(c.SessionToken) != "t&<>" || !aws.ToTime(c.Expiration).Equal(expiration) {
			t.Errorf("SDK read credentials %+v", c)
		}
		//lint:ignore SA1019 AWS still returns PackedPolicySize, and podiam computes it; the SDK reads it
		if aws.ToInt32(out.PackedPolicySize) != 7 || aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::111122223333:assumed-role/r/s" {
			t.Errorf("SDK read %+v", out)
		}

		q := srv.lastRequest()
		if q.Get("RoleArn") != "arn:aws:iam::111122223333:role/r" || q.Get("Policy") != `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}` {
			t.Errorf("server decoded %v", params(q.Params))
		}
		if n, ok, err := q.Int("DurationSeconds"); n != 900 || !ok || err != nil {
			t.Errorf("DurationSeconds = %d, %v, %v", n, ok, err)
		}
		arns, err := q.Structs("PolicyArns", "arn")
		if err != nil || len(arns) != 2 || arns[0].Get("arn") != "arn:aws:iam::aws:policy/ReadOnlyAccess" || arns[1].Get("arn") != "arn:aws:iam::111122223333:policy/p+q" {
			t.Errorf("PolicyArns = %v, %v", arns, err)
		}
		tags, err := q.Structs("Tags", "Key", "Value")
		if err != nil || len(tags) != 2 ||
			!maps.Equal(params(tags[0]), map[string]string{"Key": "team", "Value": "a b&c"}) ||
			!maps.Equal(params(tags[1]), map[string]string{"Key": "empty", "Value": ""}) {
			t.Errorf("Tags = %v, %v", tags, err)
		}
		keys, err := q.List("TransitiveTagKeys")
		if err != nil || keys == nil || len(keys) != 0 {
			t.Errorf("TransitiveTagKeys = %#v, %v; want the empty list", keys, err)
		}
	})

	t.Run("AssumeRoleWithWebIdentity", func(t *testing.T) {
		out, err := client.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
			RoleArn: aws.String("arn:aws:iam::111122223333:role/r"), RoleSessionName: aws.String("s"), WebIdentityToken: aws.String("eyJ.x.y"),
		})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.SubjectFromWebIdentityToken) != "system:serviceaccount:ns:sa" || aws.ToString(out.Audience) != "sts.amazonaws.com" || aws.ToString(out.Provider) != "oidc.example.com" || !aws.ToTime(out.Credentials.Expiration).Equal(expiration) {
			t.Errorf("SDK read %+v", out)
		}
		if q := srv.lastRequest(); q.Get("WebIdentityToken") != "eyJ.x.y" {
			t.Errorf("server decoded %v", params(q.Params))
		}
	})

	t.Run("ExpiredToken", func(t *testing.T) {
		_, err := client.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
		checkAPIError(t, err, "ExpiredToken", "The security token included in the request is expired", 403)
	})

	t.Run("InvalidAction", func(t *testing.T) {
		_, err := client.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String("x")})
		checkAPIError(t, err, "InvalidAction", "Could not find operation DecodeAuthorizationMessage for version 2011-06-15", 400)
	})
}

func TestSDKIAM(t *testing.T) {
	createDate := time.Time(created).UTC().Truncate(time.Second)
	srv := newQueryServer(t, awsproto.IAMNamespace, func(q *awsproto.QueryRequest) (any, *awsproto.Error) {
		if q.Version != awsproto.IAMVersion {
			return nil, awsproto.InvalidAction(q.Action, q.Version)
		}
		switch q.Action {
		case "GetRole":
			name, err := q.Required("RoleName")
			if err != nil {
				return nil, awsproto.AsError(err)
			}
			if name != roles[0].RoleName {
				return nil, awsproto.QueryError(&fault.Error{Kind: fault.NotFound, Message: "The role with name " + name + " cannot be found."})
			}
			return getRoleResult{Role: roles[0]}, nil
		case "ListRoles":
			if q.Get("PathPrefix") == "/empty/" {
				return listRolesResult{}, nil
			}
			return listRolesResult{Roles: roles, IsTruncated: true, Marker: "bWFya2Vy"}, nil
		case "TagRole":
			return nil, nil // no output: ResponseMetadata only
		case "CreateOpenIDConnectProvider":
			// An action with output needs its Result element.
			return struct {
				Arn string `xml:"OpenIDConnectProviderArn"`
			}{"arn:aws:iam::111122223333:oidc-provider/oidc.example.com/id/ABC"}, nil
		case "GetAccountSummary":
			return getAccountSummaryResult{SummaryMap: awsproto.Map[int]{"Users": 2, "Roles": 10}}, nil
		case "DeleteRole":
			return nil, awsproto.ServiceFailure(errors.New("disk on fire"))
		}
		return nil, awsproto.InvalidAction(q.Action, q.Version)
	})
	client := newIAM(srv)
	ctx := t.Context()

	t.Run("GetRole", func(t *testing.T) {
		out, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("irsa")})
		if err != nil {
			t.Fatal(err)
		}
		r := out.Role
		if aws.ToString(r.RoleName) != "irsa" || aws.ToString(r.Path) != "/" || aws.ToString(r.RoleId) != "AROAEXAMPLE000000001" ||
			aws.ToString(r.Arn) != "arn:aws:iam::111122223333:role/irsa" || !aws.ToTime(r.CreateDate).Equal(createDate) ||
			aws.ToInt32(r.MaxSessionDuration) != 3600 || aws.ToString(r.AssumeRolePolicyDocument) != queryEscape(trustPolicy) {
			t.Errorf("SDK read %+v", r)
		}
		wantTags := []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("a&b <c>")}, {Key: aws.String("empty"), Value: aws.String("")}}
		if !reflect.DeepEqual(r.Tags, wantTags) {
			t.Errorf("SDK read tags %v", r.Tags)
		}
		if r.RoleLastUsed == nil || r.RoleLastUsed.LastUsedDate != nil {
			t.Errorf("SDK read RoleLastUsed %+v", r.RoleLastUsed)
		}
	})

	t.Run("NoSuchEntity", func(t *testing.T) {
		_, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("missing")})
		checkAPIError(t, err, "NoSuchEntity", "The role with name missing cannot be found.", 404)
		if _, ok := errors.AsType[*iamtypes.NoSuchEntityException](err); !ok {
			t.Errorf("SDK did not map the code to its modelled error: %T", err)
		}
	})

	t.Run("ServiceFailure", func(t *testing.T) {
		_, err := client.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("irsa")})
		checkAPIError(t, err, "ServiceFailure", "The request processing has failed because of an unknown error, exception or failure.", 500)
		if _, ok := errors.AsType[*iamtypes.ServiceFailureException](err); !ok {
			t.Errorf("SDK did not map the code to its modelled error: %T", err)
		}
	})

	t.Run("ListRoles", func(t *testing.T) {
		out, err := client.ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(2)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Roles) != 2 || !out.IsTruncated || aws.ToString(out.Marker) != "bWFya2Vy" {
			t.Fatalf("SDK read %+v", out)
		}
		second := out.Roles[1]
		if aws.ToString(second.Path) != "/service/" || aws.ToString(second.Description) != `quotes " and ' and ]]>` || aws.ToInt32(second.MaxSessionDuration) != 43200 {
			t.Errorf("SDK read %+v", second)
		}
		if n, _, _ := srv.lastRequest().Int("MaxItems"); n != 2 {
			t.Errorf("server decoded MaxItems %d", n)
		}
	})

	t.Run("ListRoles empty", func(t *testing.T) {
		out, err := client.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("/empty/")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Roles) != 0 || out.IsTruncated || out.Marker != nil {
			t.Errorf("SDK read %+v", out)
		}
	})

	t.Run("TagRole", func(t *testing.T) {
		_, err := client.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("irsa"), Tags: []iamtypes.Tag{
			{Key: aws.String("k1"), Value: aws.String("v1")}, {Key: aws.String("k2"), Value: aws.String("v=2&3")},
		}})
		if err != nil {
			t.Fatal(err)
		}
		tags, err := srv.lastRequest().Structs("Tags", "Key", "Value")
		if err != nil || len(tags) != 2 || tags[1].Get("Key") != "k2" || tags[1].Get("Value") != "v=2&3" {
			t.Errorf("server decoded %v, %v", tags, err)
		}
	})

	t.Run("CreateOpenIDConnectProvider", func(t *testing.T) {
		out, err := client.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
			Url:            aws.String("https://oidc.example.com/id/ABC"),
			ClientIDList:   []string{"sts.amazonaws.com", "other"},
			ThumbprintList: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"},
			Tags:           []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.OpenIDConnectProviderArn) != "arn:aws:iam::111122223333:oidc-provider/oidc.example.com/id/ABC" {
			t.Errorf("SDK read %+v", out)
		}
		q := srv.lastRequest()
		ids, err1 := q.List("ClientIDList")
		thumbs, err2 := q.List("ThumbprintList")
		if err1 != nil || err2 != nil || !reflect.DeepEqual(ids, []string{"sts.amazonaws.com", "other"}) || !reflect.DeepEqual(thumbs, []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}) {
			t.Errorf("server decoded %q %q (%v %v)", ids, thumbs, err1, err2)
		}
	})

	t.Run("GetAccountSummary", func(t *testing.T) {
		out, err := client.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(out.SummaryMap, map[string]int32{"Users": 2, "Roles": 10}) {
			t.Errorf("SDK read %v", out.SummaryMap)
		}
	})

	t.Run("InvalidAction", func(t *testing.T) {
		_, err := client.ListUsers(ctx, &iam.ListUsersInput{})
		checkAPIError(t, err, "InvalidAction", "Could not find operation ListUsers for version 2010-05-08", 400)
	})
}
