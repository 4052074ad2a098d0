package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/store"
)

// iamCaller turns the authenticated caller into IAM's view of it.
func iamCaller(c *Caller) iam.Caller {
	if c == nil {
		return iam.Caller{}
	}
	out := iam.Caller{Account: c.Account, ARN: c.ARN, Root: strings.HasSuffix(c.ARN, ":root"), Session: c.Session}
	if _, rest, ok := strings.Cut(c.ARN, ":user/"); ok {
		out.UserName = rest[strings.LastIndexByte(rest, '/')+1:]
	}
	return out
}

// iamStatus is the HTTP status of each IAM error code.
var iamStatus = map[string]int{
	iam.CodeNoSuchEntity:   http.StatusNotFound,
	iam.CodeAlreadyExists:  http.StatusConflict,
	iam.CodeDeleteConflict: http.StatusConflict,
	iam.CodeLimitExceeded:  http.StatusConflict,
	iam.CodeMalformed:      http.StatusBadRequest,
	iam.CodeInvalidInput:   http.StatusBadRequest,
	iam.CodeValidation:     http.StatusBadRequest,
	iam.CodeAccessDenied:   http.StatusForbidden,
}

// iamError converts the service's errors to the wire's; anything else is a
// ServiceFailure with the error as its cause.
func iamError(err error) error {
	var ie *iam.Error
	if errors.As(err, &ie) {
		status, ok := iamStatus[ie.Code]
		if !ok {
			status = http.StatusBadRequest
		}
		return awsproto.NewError(ie.Code, status, ie.Message)
	}
	var ae *awsproto.Error
	if errors.As(err, &ae) {
		return ae
	}
	return awsproto.ServiceFailure(err)
}

// iamAction adapts a function of the IAM caller and the request.
func iamAction(f func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error)) Handler {
	return func(ctx context.Context, c *Caller, q *awsproto.QueryRequest) (any, error) {
		out, err := f(ctx, iamCaller(c), q)
		if err != nil {
			return nil, iamError(err)
		}
		return out, nil
	}
}

// required reads the named required parameters.
func required(q *awsproto.QueryRequest, names ...string) ([]string, error) {
	out := make([]string, len(names))
	for i, n := range names {
		v, err := q.Required(n)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// noOutput adapts an action without output whose parameters are all
// required: f gets their values in the order of names.
func noOutput(f func(ctx context.Context, c iam.Caller, p []string) error, names ...string) func(context.Context, iam.Caller, *awsproto.QueryRequest) (any, error) {
	return func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
		p, err := required(q, names...)
		if err != nil {
			return nil, err
		}
		return nil, f(ctx, c, p)
	}
}

// paged adapts a listing of one entity named by a required parameter: f
// gets the entity's name or ARN and the page asked for.
func paged(name string, f func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest, id string, pr iam.PageRequest) (any, error)) func(context.Context, iam.Caller, *awsproto.QueryRequest) (any, error) {
	return func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
		p, err := required(q, name)
		if err != nil {
			return nil, err
		}
		pr, err := pageRequest(q)
		if err != nil {
			return nil, err
		}
		return f(ctx, c, q, p[0], pr)
	}
}

func pageRequest(q *awsproto.QueryRequest) (iam.PageRequest, error) {
	n, given, err := q.Int("MaxItems")
	if err != nil {
		return iam.PageRequest{}, err
	}
	if given {
		if err := iam.ValidateMaxItems(n); err != nil {
			return iam.PageRequest{}, err
		}
	}
	return iam.PageRequest{Marker: q.Get("Marker"), MaxItems: n}, nil
}

func tags(q *awsproto.QueryRequest) ([]iam.Tag, error) {
	members, err := q.Structs("Tags", "Key", "Value")
	if err != nil {
		return nil, err
	}
	out := make([]iam.Tag, len(members))
	for i, m := range members {
		k, err := m.Required("Key")
		if err != nil {
			return nil, err
		}
		out[i] = iam.Tag{Key: k, Value: m.Get("Value")}
	}
	return out, nil
}

func wireTags(ts []store.Tag) awsproto.List[awsproto.Tag] {
	var out awsproto.List[awsproto.Tag]
	for _, t := range ts {
		out = append(out, awsproto.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}

func boundary(arn string) *awsproto.AttachedPermissionsBoundary {
	if arn == "" {
		return nil
	}
	return &awsproto.AttachedPermissionsBoundary{PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: arn}
}

func wireRole(r store.Role) awsproto.Role {
	return awsproto.Role{
		Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: r.ARN, CreateDate: awsproto.Timestamp(r.CreatedAt),
		AssumeRolePolicyDocument: awsproto.EncodePolicyDocument(r.AssumeRolePolicyDocument), Description: r.Description,
		MaxSessionDuration: r.MaxSessionDuration, PermissionsBoundary: boundary(r.PermissionsBoundaryARN), Tags: wireTags(r.Tags),
	}
}

func wirePolicy(p store.ManagedPolicy) awsproto.Policy {
	return awsproto.Policy{
		PolicyName: p.Name, PolicyId: p.ID, Arn: p.ARN, Path: p.Path, DefaultVersionId: p.DefaultVersionID,
		AttachmentCount: p.AttachmentCount, IsAttachable: true, Description: p.Description,
		CreateDate: awsproto.Timestamp(p.CreatedAt), UpdateDate: awsproto.Timestamp(iam.UpdateDate(p).CreatedAt), Tags: wireTags(p.Tags),
	}
}

func wireVersion(v iam.PolicyVersion) awsproto.PolicyVersion {
	return awsproto.PolicyVersion{Document: awsproto.EncodePolicyDocument(v.Document), VersionId: v.ID, IsDefaultVersion: v.IsDefault, CreateDate: awsproto.Timestamp(v.CreatedAt)}
}

func wireUser(u store.User) awsproto.User {
	return awsproto.User{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: u.ARN, CreateDate: awsproto.Timestamp(u.CreatedAt),
		PermissionsBoundary: boundary(u.PermissionsBoundaryARN), Tags: wireTags(u.Tags)}
}

func mapList[T, U any](in []T, f func(T) U) awsproto.List[U] {
	out := make(awsproto.List[U], len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func attached(p iam.Page[iam.AttachedPolicy]) *awsproto.ListAttachedPoliciesResult {
	return &awsproto.ListAttachedPoliciesResult{
		AttachedPolicies: mapList(p.Items, func(a iam.AttachedPolicy) awsproto.AttachedPolicy {
			return awsproto.AttachedPolicy{PolicyName: a.PolicyName, PolicyArn: a.PolicyARN}
		}),
		IsTruncated: p.IsTruncated, Marker: p.Marker,
	}
}

// IAM returns the IAM service over svc.
func IAM(svc *iam.Service) *Service {
	a := map[string]func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error){
		"CreateRole": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "RoleName", "AssumeRolePolicyDocument")
			if err != nil {
				return nil, err
			}
			msd, _, err := q.Int("MaxSessionDuration")
			if err != nil {
				return nil, err
			}
			ts, err := tags(q)
			if err != nil {
				return nil, err
			}
			r, err := svc.CreateRole(ctx, c, iam.CreateRoleInput{RoleName: p[0], AssumeRolePolicyDocument: p[1], Path: q.Get("Path"),
				Description: q.Get("Description"), MaxSessionDuration: msd, PermissionsBoundary: q.Get("PermissionsBoundary"), Tags: ts})
			if err != nil {
				return nil, err
			}
			return &awsproto.CreateRoleResult{Role: wireRole(r)}, nil
		},
		"GetRole": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "RoleName")
			if err != nil {
				return nil, err
			}
			r, err := svc.GetRole(ctx, c, p[0])
			if err != nil {
				return nil, err
			}
			return &awsproto.GetRoleResult{Role: wireRole(r)}, nil
		},
		"ListRoles": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			pr, err := pageRequest(q)
			if err != nil {
				return nil, err
			}
			p, err := svc.ListRoles(ctx, c, iam.ListInput{PathPrefix: q.Get("PathPrefix"), PageRequest: pr})
			if err != nil {
				return nil, err
			}
			return &awsproto.ListRolesResult{Roles: mapList(p.Items, wireRole), IsTruncated: p.IsTruncated, Marker: p.Marker}, nil
		},
		"DeleteRole": noOutput(func(ctx context.Context, c iam.Caller, p []string) error { return svc.DeleteRole(ctx, c, p[0]) }, "RoleName"),
		"UpdateAssumeRolePolicy": noOutput(func(ctx context.Context, c iam.Caller, p []string) error {
			return svc.UpdateAssumeRolePolicy(ctx, c, p[0], p[1])
		}, "RoleName", "PolicyDocument"),
		"UpdateRole": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "RoleName")
			if err != nil {
				return nil, err
			}
			in := iam.UpdateRoleInput{RoleName: p[0]}
			if d, ok := q.Lookup("Description"); ok {
				in.Description = &d
			}
			if msd, given, err := q.Int("MaxSessionDuration"); err != nil {
				return nil, err
			} else if given {
				in.MaxSessionDuration = &msd
			}
			if _, err = svc.UpdateRole(ctx, c, in); err != nil {
				return nil, err
			}
			return &awsproto.EmptyResult{}, nil // UpdateRole has an (empty) result element
		},
		"UpdateRoleDescription": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "RoleName", "Description")
			if err != nil {
				return nil, err
			}
			r, err := svc.UpdateRoleDescription(ctx, c, p[0], p[1])
			if err != nil {
				return nil, err
			}
			return &awsproto.UpdateRoleDescriptionResult{Role: wireRole(r)}, nil
		},
		"UpdateUser": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "UserName")
			if err != nil {
				return nil, err
			}
			return nil, svc.UpdateUser(ctx, c, iam.UpdateUserInput{UserName: p[0], NewUserName: q.Get("NewUserName"), NewPath: q.Get("NewPath")})
		},
		"GetAccountAuthorizationDetails": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			filter, err := q.List("Filter")
			if err != nil {
				return nil, err
			}
			pr, err := pageRequest(q)
			if err != nil {
				return nil, err
			}
			d, err := svc.GetAccountAuthorizationDetails(ctx, c, filter, pr)
			if err != nil {
				return nil, err
			}
			return authorizationDetails(d), nil
		},
		"CreatePolicy": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "PolicyName", "PolicyDocument")
			if err != nil {
				return nil, err
			}
			ts, err := tags(q)
			if err != nil {
				return nil, err
			}
			pol, err := svc.CreatePolicy(ctx, c, iam.CreatePolicyInput{PolicyName: p[0], PolicyDocument: p[1], Path: q.Get("Path"), Description: q.Get("Description"), Tags: ts})
			if err != nil {
				return nil, err
			}
			return &awsproto.CreatePolicyResult{Policy: wirePolicy(pol)}, nil
		},
		"GetPolicy": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "PolicyArn")
			if err != nil {
				return nil, err
			}
			pol, err := svc.GetPolicy(ctx, c, p[0])
			if err != nil {
				return nil, err
			}
			return &awsproto.GetPolicyResult{Policy: wirePolicy(pol)}, nil
		},
		"SimulateCustomPolicy": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			in, err := simulateInput(q)
			if err != nil {
				return nil, err
			}
			page, err := svc.SimulateCustomPolicy(ctx, c, in)
			if err != nil {
				return nil, err
			}
			return simulateResult(page), nil
		},
		"SimulatePrincipalPolicy": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			src, err := q.Required("PolicySourceArn")
			if err != nil {
				return nil, err
			}
			in, err := simulateInput(q)
			if err != nil {
				return nil, err
			}
			in.PolicySourceARN = src
			page, err := svc.SimulatePrincipalPolicy(ctx, c, in)
			if err != nil {
				return nil, err
			}
			return simulateResult(page), nil
		},
		"ListPolicies": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			pr, err := pageRequest(q)
			if err != nil {
				return nil, err
			}
			only, _, err := q.Bool("OnlyAttached")
			if err != nil {
				return nil, err
			}
			page, err := svc.ListPolicies(ctx, c, iam.ListPoliciesInput{Scope: q.Get("Scope"), OnlyAttached: only, PathPrefix: q.Get("PathPrefix"), PageRequest: pr})
			if err != nil {
				return nil, err
			}
			return &awsproto.ListPoliciesResult{Policies: mapList(page.Items, wirePolicy), IsTruncated: page.IsTruncated, Marker: page.Marker}, nil
		},
		"DeletePolicy": noOutput(func(ctx context.Context, c iam.Caller, p []string) error { return svc.DeletePolicy(ctx, c, p[0]) }, "PolicyArn"),
		"GetPolicyVersion": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "PolicyArn", "VersionId")
			if err != nil {
				return nil, err
			}
			v, err := svc.GetPolicyVersion(ctx, c, p[0], p[1])
			if err != nil {
				return nil, err
			}
			return &awsproto.GetPolicyVersionResult{PolicyVersion: wireVersion(v)}, nil
		},
		"CreatePolicyVersion": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "PolicyArn", "PolicyDocument")
			if err != nil {
				return nil, err
			}
			def, _, err := q.Bool("SetAsDefault")
			if err != nil {
				return nil, err
			}
			v, err := svc.CreatePolicyVersion(ctx, c, p[0], p[1], def)
			if err != nil {
				return nil, err
			}
			w := wireVersion(v)
			w.Document = ""
			return &awsproto.CreatePolicyVersionResult{PolicyVersion: w}, nil
		},
		"ListPolicyVersions": paged("PolicyArn", func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest, id string, pr iam.PageRequest) (any, error) {
			page, err := svc.ListPolicyVersions(ctx, c, id, pr)
			if err != nil {
				return nil, err
			}
			vs := mapList(page.Items, wireVersion)
			for i := range vs {
				vs[i].Document = ""
			}
			return &awsproto.ListPolicyVersionsResult{Versions: vs, IsTruncated: page.IsTruncated, Marker: page.Marker}, nil
		}),
		"DeletePolicyVersion": noOutput(func(ctx context.Context, c iam.Caller, p []string) error {
			return svc.DeletePolicyVersion(ctx, c, p[0], p[1])
		}, "PolicyArn", "VersionId"),
		"SetDefaultPolicyVersion": noOutput(func(ctx context.Context, c iam.Caller, p []string) error {
			return svc.SetDefaultPolicyVersion(ctx, c, p[0], p[1])
		}, "PolicyArn", "VersionId"),
		"CreateUser": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "UserName")
			if err != nil {
				return nil, err
			}
			ts, err := tags(q)
			if err != nil {
				return nil, err
			}
			u, err := svc.CreateUser(ctx, c, iam.CreateUserInput{UserName: p[0], Path: q.Get("Path"), PermissionsBoundary: q.Get("PermissionsBoundary"), Tags: ts})
			if err != nil {
				return nil, err
			}
			return &awsproto.CreateUserResult{User: wireUser(u)}, nil
		},
		"GetUser": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			u, err := svc.GetUser(ctx, c, q.Get("UserName"))
			if err != nil {
				return nil, err
			}
			return &awsproto.GetUserResult{User: wireUser(u)}, nil
		},
		"ListUsers": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			pr, err := pageRequest(q)
			if err != nil {
				return nil, err
			}
			p, err := svc.ListUsers(ctx, c, iam.ListInput{PathPrefix: q.Get("PathPrefix"), PageRequest: pr})
			if err != nil {
				return nil, err
			}
			return &awsproto.ListUsersResult{Users: mapList(p.Items, wireUser), IsTruncated: p.IsTruncated, Marker: p.Marker}, nil
		},
		"DeleteUser": noOutput(func(ctx context.Context, c iam.Caller, p []string) error { return svc.DeleteUser(ctx, c, p[0]) }, "UserName"),
		"CreateAccessKey": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			k, err := svc.CreateAccessKey(ctx, c, q.Get("UserName"))
			if err != nil {
				return nil, err
			}
			return &awsproto.CreateAccessKeyResult{AccessKey: awsproto.AccessKey{UserName: k.Key.UserName, AccessKeyId: k.Key.ID,
				Status: string(k.Key.Status), SecretAccessKey: k.Secret.Reveal(), CreateDate: awsproto.Timestamp(k.Key.CreatedAt)}}, nil
		},
		"ListAccessKeys": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			pr, err := pageRequest(q)
			if err != nil {
				return nil, err
			}
			p, err := svc.ListAccessKeys(ctx, c, q.Get("UserName"), pr)
			if err != nil {
				return nil, err
			}
			return &awsproto.ListAccessKeysResult{AccessKeyMetadata: mapList(p.Items, func(k store.AccessKey) awsproto.AccessKeyMetadata {
				return awsproto.AccessKeyMetadata{UserName: k.UserName, AccessKeyId: k.ID, Status: string(k.Status), CreateDate: awsproto.Timestamp(k.CreatedAt)}
			}), IsTruncated: p.IsTruncated, Marker: p.Marker}, nil
		},
		"UpdateAccessKey": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "AccessKeyId", "Status")
			if err != nil {
				return nil, err
			}
			return nil, svc.UpdateAccessKey(ctx, c, q.Get("UserName"), p[0], store.AccessKeyStatus(p[1]))
		},
		"DeleteAccessKey": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "AccessKeyId")
			if err != nil {
				return nil, err
			}
			return nil, svc.DeleteAccessKey(ctx, c, q.Get("UserName"), p[0])
		},
		"CreateOpenIDConnectProvider": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "Url")
			if err != nil {
				return nil, err
			}
			ids, err := q.List("ClientIDList")
			if err != nil {
				return nil, err
			}
			tps, err := q.List("ThumbprintList")
			if err != nil {
				return nil, err
			}
			ts, err := tags(q)
			if err != nil {
				return nil, err
			}
			pr, err := svc.CreateOpenIDConnectProvider(ctx, c, iam.CreateOIDCProviderInput{URL: p[0], ClientIDs: ids, Thumbprints: tps, Tags: ts})
			if err != nil {
				return nil, err
			}
			return &awsproto.CreateOpenIDConnectProviderResult{OpenIDConnectProviderArn: pr.ARN, Tags: wireTags(pr.Tags)}, nil
		},
		"GetOpenIDConnectProvider": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "OpenIDConnectProviderArn")
			if err != nil {
				return nil, err
			}
			pr, err := svc.GetOpenIDConnectProvider(ctx, c, p[0])
			if err != nil {
				return nil, err
			}
			return &awsproto.GetOpenIDConnectProviderResult{Url: pr.URL, ClientIDList: awsproto.List[string](pr.ClientIDs),
				ThumbprintList: awsproto.List[string](pr.Thumbprints), CreateDate: awsproto.Timestamp(pr.CreatedAt), Tags: wireTags(pr.Tags)}, nil
		},
		"ListOpenIDConnectProviders": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			ps, err := svc.ListOpenIDConnectProviders(ctx, c)
			if err != nil {
				return nil, err
			}
			return &awsproto.ListOpenIDConnectProvidersResult{OpenIDConnectProviderList: mapList(ps, func(p store.OIDCProvider) awsproto.OpenIDConnectProviderListEntry {
				return awsproto.OpenIDConnectProviderListEntry{Arn: p.ARN}
			})}, nil
		},
		"DeleteOpenIDConnectProvider": noOutput(func(ctx context.Context, c iam.Caller, p []string) error {
			return svc.DeleteOpenIDConnectProvider(ctx, c, p[0])
		}, "OpenIDConnectProviderArn"),
		"AddClientIDToOpenIDConnectProvider": noOutput(func(ctx context.Context, c iam.Caller, p []string) error {
			return svc.AddClientIDToOpenIDConnectProvider(ctx, c, p[0], p[1])
		}, "OpenIDConnectProviderArn", "ClientID"),
		"RemoveClientIDFromOpenIDConnectProvider": noOutput(func(ctx context.Context, c iam.Caller, p []string) error {
			return svc.RemoveClientIDFromOpenIDConnectProvider(ctx, c, p[0], p[1])
		}, "OpenIDConnectProviderArn", "ClientID"),
		"UpdateOpenIDConnectProviderThumbprint": func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, "OpenIDConnectProviderArn")
			if err != nil {
				return nil, err
			}
			tps, err := q.List("ThumbprintList")
			if err != nil {
				return nil, err
			}
			return nil, svc.UpdateOpenIDConnectProviderThumbprint(ctx, c, p[0], tps)
		},
	}
	// The attach and inline-policy actions, alike for roles and users.
	for _, k := range []struct {
		noun, param string
		ops         iam.PrincipalPolicies
	}{{"Role", "RoleName", svc.RolePolicies()}, {"User", "UserName", svc.UserPolicies()}} {
		ops := k.ops
		a["Attach"+k.noun+"Policy"] = noOutput(func(ctx context.Context, c iam.Caller, p []string) error { return ops.Attach(ctx, c, p[0], p[1]) }, k.param, "PolicyArn")
		a["Detach"+k.noun+"Policy"] = noOutput(func(ctx context.Context, c iam.Caller, p []string) error { return ops.Detach(ctx, c, p[0], p[1]) }, k.param, "PolicyArn")
		a["ListAttached"+k.noun+"Policies"] = paged(k.param, func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest, id string, pr iam.PageRequest) (any, error) {
			page, err := ops.ListAttached(ctx, c, id, q.Get("PathPrefix"), pr)
			if err != nil {
				return nil, err
			}
			return attached(page), nil
		})
		a["Put"+k.noun+"Policy"] = noOutput(func(ctx context.Context, c iam.Caller, p []string) error {
			return ops.PutInline(ctx, c, p[0], p[1], p[2])
		}, k.param, "PolicyName", "PolicyDocument")
		a["Get"+k.noun+"Policy"] = func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, k.param, "PolicyName")
			if err != nil {
				return nil, err
			}
			ip, err := ops.GetInline(ctx, c, p[0], p[1])
			if err != nil {
				return nil, err
			}
			doc := awsproto.EncodePolicyDocument(ip.Document)
			if k.noun == "Role" {
				return &awsproto.GetRolePolicyResult{RoleName: ip.Principal.Name, PolicyName: ip.Name, PolicyDocument: doc}, nil
			}
			return &awsproto.GetUserPolicyResult{UserName: ip.Principal.Name, PolicyName: ip.Name, PolicyDocument: doc}, nil
		}
		a["List"+k.noun+"Policies"] = paged(k.param, func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest, id string, pr iam.PageRequest) (any, error) {
			page, err := ops.ListInline(ctx, c, id, pr)
			if err != nil {
				return nil, err
			}
			return &awsproto.ListInlinePoliciesResult{PolicyNames: append(awsproto.List[string]{}, page.Items...), IsTruncated: page.IsTruncated, Marker: page.Marker}, nil
		})
		a["Delete"+k.noun+"Policy"] = noOutput(func(ctx context.Context, c iam.Caller, p []string) error { return ops.DeleteInline(ctx, c, p[0], p[1]) }, k.param, "PolicyName")
	}
	// Put/Delete...PermissionsBoundary, alike for roles and users.
	for _, k := range []struct {
		noun, param string
		put         func(ctx context.Context, c iam.Caller, name, arn string) error
		del         func(ctx context.Context, c iam.Caller, name string) error
	}{
		{"Role", "RoleName", svc.PutRolePermissionsBoundary, svc.DeleteRolePermissionsBoundary},
		{"User", "UserName", svc.PutUserPermissionsBoundary, svc.DeleteUserPermissionsBoundary},
	} {
		a["Put"+k.noun+"PermissionsBoundary"] = noOutput(func(ctx context.Context, c iam.Caller, p []string) error { return k.put(ctx, c, p[0], p[1]) }, k.param, "PermissionsBoundary")
		a["Delete"+k.noun+"PermissionsBoundary"] = noOutput(func(ctx context.Context, c iam.Caller, p []string) error { return k.del(ctx, c, p[0]) }, k.param)
	}
	// Tag, Untag and List...Tags of each taggable kind.
	for _, k := range []struct {
		param string
		ops   iam.TagOps
	}{
		{"RoleName", svc.RoleTags()}, {"UserName", svc.UserTags()},
		{"OpenIDConnectProviderArn", svc.OIDCProviderTags()}, {"PolicyArn", svc.PolicyTags()},
	} {
		ops := k.ops
		a["Tag"+ops.Noun()] = func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, k.param)
			if err != nil {
				return nil, err
			}
			ts, err := tags(q)
			if err != nil {
				return nil, err
			}
			return nil, ops.Tag(ctx, c, p[0], ts)
		}
		a["Untag"+ops.Noun()] = func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest) (any, error) {
			p, err := required(q, k.param)
			if err != nil {
				return nil, err
			}
			keys, err := q.List("TagKeys")
			if err != nil {
				return nil, err
			}
			return nil, ops.Untag(ctx, c, p[0], keys)
		}
		a["List"+ops.Noun()+"Tags"] = paged(k.param, func(ctx context.Context, c iam.Caller, q *awsproto.QueryRequest, id string, pr iam.PageRequest) (any, error) {
			page, err := ops.List(ctx, c, id, pr)
			if err != nil {
				return nil, err
			}
			return &awsproto.ListTagsResult{Tags: append(awsproto.List[awsproto.Tag]{}, wireTags(page.Items)...), IsTruncated: page.IsTruncated, Marker: page.Marker}, nil
		})
	}
	s := &Service{Name: "iam", Version: awsproto.IAMVersion, Namespace: awsproto.IAMNamespace, Actions: map[string]Handler{}}
	for name, f := range a {
		s.Actions[name] = iamAction(f)
	}
	return s
}

// simulateInput reads the parameters SimulateCustomPolicy and
// SimulatePrincipalPolicy share.
func simulateInput(q *awsproto.QueryRequest) (iam.SimulateInput, error) {
	var in iam.SimulateInput
	var err error
	lists := []struct {
		name string
		to   *[]string
	}{
		{"PolicyInputList", &in.PolicyInputList},
		{"PermissionsBoundaryPolicyInputList", &in.PermissionsBoundaryPolicyInputList},
		{"ActionNames", &in.ActionNames},
		{"ResourceArns", &in.ResourceARNs},
	}
	for _, l := range lists {
		if *l.to, err = q.List(l.name); err != nil {
			return in, err
		}
	}
	entries, err := q.Structs("ContextEntries", "ContextKeyName", "ContextKeyValues", "ContextKeyType")
	if err != nil {
		return in, err
	}
	for _, e := range entries {
		values, err := e.List("ContextKeyValues")
		if err != nil {
			return in, err
		}
		in.ContextEntries = append(in.ContextEntries, iam.ContextEntry{Key: e.Get("ContextKeyName"), Values: values, Type: e.Get("ContextKeyType")})
	}
	in.ResourcePolicy = q.Get("ResourcePolicy")
	in.ResourceOwner = q.Get("ResourceOwner")
	in.CallerARN = q.Get("CallerArn")
	in.PageRequest, err = pageRequest(q)
	return in, err
}

func simulateResult(p iam.Page[iam.EvaluationResult]) *awsproto.SimulatePolicyResult {
	return &awsproto.SimulatePolicyResult{
		EvaluationResults: mapList(p.Items, func(r iam.EvaluationResult) awsproto.EvaluationResult {
			out := awsproto.EvaluationResult{
				EvalActionName: r.Action, EvalResourceName: r.Resource, EvalDecision: r.Decision,
				MatchedStatements: mapList(r.MatchedStatements, func(m iam.MatchedStatement) awsproto.Statement {
					return awsproto.Statement{SourcePolicyId: m.SourcePolicyID, SourcePolicyType: m.SourcePolicyType}
				}),
				MissingContextValues: append(awsproto.List[string]{}, r.MissingContextValues...),
			}
			if r.AllowedByBoundary != nil {
				out.PermissionsBoundaryDecisionDetail = &awsproto.PermissionsBoundaryDecisionDetail{AllowedByPermissionsBoundary: *r.AllowedByBoundary}
			}
			return out
		}),
		IsTruncated: p.IsTruncated, Marker: p.Marker,
	}
}

func wireInline(ps []store.InlinePolicy) awsproto.List[awsproto.PolicyDetail] {
	return append(awsproto.List[awsproto.PolicyDetail]{}, mapList(ps, func(p store.InlinePolicy) awsproto.PolicyDetail {
		return awsproto.PolicyDetail{PolicyName: p.Name, PolicyDocument: awsproto.EncodePolicyDocument(p.Document)}
	})...)
}

func wireAttached(as []iam.AttachedPolicy) awsproto.List[awsproto.AttachedPolicy] {
	return append(awsproto.List[awsproto.AttachedPolicy]{}, mapList(as, func(a iam.AttachedPolicy) awsproto.AttachedPolicy {
		return awsproto.AttachedPolicy{PolicyName: a.PolicyName, PolicyArn: a.PolicyARN}
	})...)
}

func authorizationDetails(d iam.AuthorizationDetails) *awsproto.GetAccountAuthorizationDetailsResult {
	out := &awsproto.GetAccountAuthorizationDetailsResult{
		UserDetailList: awsproto.List[awsproto.UserDetail]{}, GroupDetailList: awsproto.List[string]{},
		RoleDetailList: awsproto.List[awsproto.RoleDetail]{}, Policies: awsproto.List[awsproto.ManagedPolicyDetail]{},
		IsTruncated: d.IsTruncated, Marker: d.Marker,
	}
	for _, u := range d.Users {
		out.UserDetailList = append(out.UserDetailList, awsproto.UserDetail{
			Path: u.User.Path, UserName: u.User.Name, UserId: u.User.ID, Arn: u.User.ARN, CreateDate: awsproto.Timestamp(u.User.CreatedAt),
			UserPolicyList: wireInline(u.Inline), GroupList: awsproto.List[string]{}, AttachedManagedPolicies: wireAttached(u.Attached),
			PermissionsBoundary: boundary(u.User.PermissionsBoundaryARN), Tags: append(awsproto.List[awsproto.Tag]{}, wireTags(u.User.Tags)...),
		})
	}
	for _, r := range d.Roles {
		out.RoleDetailList = append(out.RoleDetailList, awsproto.RoleDetail{
			Path: r.Role.Path, RoleName: r.Role.Name, RoleId: r.Role.ID, Arn: r.Role.ARN, CreateDate: awsproto.Timestamp(r.Role.CreatedAt),
			AssumeRolePolicyDocument: awsproto.EncodePolicyDocument(r.Role.AssumeRolePolicyDocument), InstanceProfileList: awsproto.List[string]{},
			RolePolicyList: wireInline(r.Inline), AttachedManagedPolicies: wireAttached(r.Attached),
			PermissionsBoundary: boundary(r.Role.PermissionsBoundaryARN), Tags: append(awsproto.List[awsproto.Tag]{}, wireTags(r.Role.Tags)...),
		})
	}
	for _, p := range d.Policies {
		w := wirePolicy(p)
		versions := awsproto.List[awsproto.PolicyVersion]{}
		for _, v := range p.Versions {
			versions = append(versions, awsproto.PolicyVersion{Document: awsproto.EncodePolicyDocument(v.Document), VersionId: v.ID,
				IsDefaultVersion: v.ID == p.DefaultVersionID, CreateDate: awsproto.Timestamp(v.CreatedAt)})
		}
		out.Policies = append(out.Policies, awsproto.ManagedPolicyDetail{
			PolicyName: w.PolicyName, PolicyId: w.PolicyId, Arn: w.Arn, Path: w.Path, DefaultVersionId: w.DefaultVersionId,
			AttachmentCount: w.AttachmentCount, IsAttachable: true, Description: w.Description,
			CreateDate: w.CreateDate, UpdateDate: w.UpdateDate, PolicyVersionList: versions,
		})
	}
	return out
}
