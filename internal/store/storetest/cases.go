package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/store"
)

func testAccounts(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := account(acct1), account(acct2)
	noEmail := []store.Account{{ID: "000000000001", Name: "x", CreatedAt: t0}, {ID: "000000000002", Name: "y", ManagementAccountID: "000000000001", CreatedAt: t0}}
	for _, acct := range append([]store.Account{b, a}, noEmail...) {
		must(t, s.CreateAccount(ctx, acct))
	}
	tests := []struct {
		name string
		a    store.Account
	}{
		{"same id", store.Account{ID: acct1, Email: "new@example.com", CreatedAt: t0}},
		{"same email in another case", store.Account{ID: "999999999999", Email: strings.ToUpper(a.Email), CreatedAt: t0}},
	}
	for _, tt := range tests {
		wantErr(t, tt.name, s.CreateAccount(ctx, tt.a), store.ErrAlreadyExists)
	}
	got(s.GetAccount(ctx, acct1)).equals(t, "get account", a)
	got(s.GetAccount(ctx, "999999999999")).fails(t, "get missing account", store.ErrNotFound)
	got(s.ListAccounts(ctx)).equals(t, "list accounts by id", []store.Account{noEmail[0], noEmail[1], a, b})
}

func testUsers(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	bob := user(acct1, "/eng/", "Bob")
	bob.Tags = tags("z", "last", "a", "first", "m", "")
	bob.PermissionsBoundaryARN = "arn:aws:iam::aws:policy/PowerUserAccess"
	users := []store.User{bob, user(acct1, "/eng/ops/", "alice"), user(acct1, "/", "Zed"), user(acct1, "/sales/", "carol"),
		user(acct2, "/eng/", "bob")}
	for _, u := range users {
		must(t, s.CreateUser(ctx, u))
	}
	dup := user(acct1, "/", "BOB")
	sameID, sameARN := user(acct1, "/", "dave"), user(acct1, "/", "erin")
	sameID.ID, sameARN.ARN = bob.ID, bob.ARN
	tests := []struct {
		name string
		u    store.User
		want error
	}{
		{"name in another case", dup, store.ErrAlreadyExists},
		{"same id", sameID, store.ErrAlreadyExists},
		{"same ARN", sameARN, store.ErrAlreadyExists},
		{"missing account", user("999999999999", "/", "x"), store.ErrNotFound},
	}
	for _, tt := range tests {
		wantErr(t, "create user: "+tt.name, s.CreateUser(ctx, tt.u), tt.want)
	}

	got(s.GetUser(ctx, acct1, "bob")).equals(t, "get user in another case", bob)
	got(s.GetUser(ctx, acct2, "BOB")).equals(t, "get the other account's user", users[4])
	got(s.GetUser(ctx, acct1, "nobody")).fails(t, "get missing user", store.ErrNotFound)

	lists := []struct {
		prefix string
		want   []store.User
	}{
		{"", []store.User{bob, users[2], users[1], users[3]}}, // byte order: upper case first
		{"/", []store.User{bob, users[2], users[1], users[3]}},
		{"/eng/", []store.User{bob, users[1]}},
		{"/eng/ops/", []store.User{users[1]}},
		{"/nothing/", nil},
	}
	for _, l := range lists {
		got(s.ListUsers(ctx, acct1, l.prefix)).equals(t, "list users under "+l.prefix, l.want)
	}

	want := bob
	want.Tags = append(tags("new", "tag"), bob.Tags[:2]...)
	want.PermissionsBoundaryARN = ""
	got(s.UpdateUser(ctx, acct1, "BOB", func(u *store.User) error {
		u.Tags = append(tags("new", "tag"), u.Tags[:2]...)
		u.PermissionsBoundaryARN = ""
		return nil
	})).equals(t, "update user", want)
	got(s.GetUser(ctx, acct1, "Bob")).equals(t, "get updated user", want)

	must(t, s.DeleteUser(ctx, acct1, "ZED"))
	got(s.GetUser(ctx, acct1, "Zed")).fails(t, "get deleted user", store.ErrNotFound)
	got(s.ListUsers(ctx, acct2, "")).equals(t, "the other account's users", []store.User{users[4]})
}

func testRenameUser(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	pol := policy(acct1, "/", "p")
	for _, err := range []error{
		s.CreateUser(ctx, user(acct1, "/", "bob")),
		s.CreateUser(ctx, user(acct1, "/", "carol")),
		s.CreateManagedPolicy(ctx, pol),
		s.CreateAccessKey(ctx, key(acct1, "bob", "AKIABOB"), 0),
		s.PutInlinePolicy(ctx, store.InlinePolicy{Principal: userP(acct1, "bob"), Name: "i", Document: allowDoc}),
		s.AttachPolicy(ctx, store.Attachment{Principal: userP(acct1, "bob"), PolicyARN: pol.ARN}, 0),
	} {
		must(t, err)
	}
	rename := func(name, path string) func(*store.User) error {
		return func(u *store.User) error {
			u.Name, u.Path, u.ARN = name, path, "arn:aws:iam::"+acct1+":user"+path+name
			return nil
		}
	}
	before := dump(t, s)
	got(s.UpdateUser(ctx, acct1, "bob", rename("CAROL", "/"))).fails(t, "rename onto another user", store.ErrAlreadyExists)
	same(t, "store after a failed rename", dump(t, s), before)

	want := user(acct1, "/ops/", "robert")
	want.ID = user(acct1, "/", "bob").ID
	got(s.UpdateUser(ctx, acct1, "BOB", rename("robert", "/ops/"))).equals(t, "rename", want)
	got(s.GetUser(ctx, acct1, "bob")).fails(t, "get by the old name", store.ErrNotFound)
	got(s.GetUser(ctx, acct1, "Robert")).equals(t, "get by the new name", want)
	wantKey := key(acct1, "robert", "AKIABOB")
	got(s.GetAccessKey(ctx, "AKIABOB")).equals(t, "the key follows", wantKey)
	got(s.ListAccessKeys(ctx, acct1, "robert")).equals(t, "the key is listed", []store.AccessKey{wantKey})
	p := userP(acct1, "robert")
	got(s.ListInlinePolicies(ctx, p)).equals(t, "inline policies follow",
		[]store.InlinePolicy{{Principal: p, Name: "i", Document: allowDoc}})
	got(s.ListAttachedPolicies(ctx, p)).equals(t, "attachments follow", []store.Attachment{{Principal: p, PolicyARN: pol.ARN}})
	got(s.ListEntitiesForPolicy(ctx, acct1, pol.ARN)).equals(t, "entities for the policy",
		[]store.Attachment{{Principal: p, PolicyARN: pol.ARN}})
	wantErr(t, "delete renamed user with a key", s.DeleteUser(ctx, acct1, "robert"), store.ErrDeleteConflict)

	want.Name, want.ARN = "Robert", "arn:aws:iam::"+acct1+":user/ops/Robert"
	got(s.UpdateUser(ctx, acct1, "robert", rename("Robert", "/ops/"))).equals(t, "rename to another case", want)
	got(s.GetAccessKey(ctx, "AKIABOB")).equals(t, "the key follows the case", key(acct1, "Robert", "AKIABOB"))
}

func testAccessKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	must(t, s.CreateUser(ctx, user(acct1, "/", "Bob")))
	must(t, s.CreateUser(ctx, user(acct2, "/", "bob")))
	k2, k1 := key(acct1, "Bob", "AKIA2"), key(acct1, "bob", "AKIA1") // stored with the user's own case
	root := key(acct1, "", "AKIAROOT")
	root.SecretCiphertext = []byte{0, 1, 2, 255}
	for _, k := range []store.AccessKey{k2, k1, root, key(acct2, "bob", "AKIAOTHER")} {
		must(t, s.CreateAccessKey(ctx, k, 2))
	}
	k1.UserName = "Bob"
	tests := []struct {
		name string
		k    store.AccessKey
		want error
	}{
		{"third key of a user", key(acct1, "Bob", "AKIA3"), store.ErrLimitExceeded},
		{"same id in another account", key(acct2, "bob", "AKIA1"), store.ErrAlreadyExists},
		{"missing user", key(acct1, "nobody", "AKIA4"), store.ErrNotFound},
		{"root key of a missing account", key("999999999999", "", "AKIA5"), store.ErrNotFound},
	}
	for _, tt := range tests {
		wantErr(t, "create access key: "+tt.name, s.CreateAccessKey(ctx, tt.k, 2), tt.want)
	}
	must(t, s.CreateAccessKey(ctx, key(acct1, "", "AKIAROOT2"), 0)) // no limit

	got(s.GetAccessKey(ctx, "AKIAROOT")).equals(t, "get root key", root)
	got(s.GetAccessKey(ctx, "AKIAOTHER")).equals(t, "get a key of another account", key(acct2, "bob", "AKIAOTHER"))
	got(s.GetAccessKey(ctx, "AKIANONE")).fails(t, "get missing key", store.ErrNotFound)
	got(s.ListAccessKeys(ctx, acct1, "BOB")).equals(t, "list user's keys by id", []store.AccessKey{k1, k2})
	got(s.ListAccessKeys(ctx, acct1, "")).equals(t, "list root keys", []store.AccessKey{root, key(acct1, "", "AKIAROOT2")})

	want := k1
	want.Status = store.AccessKeyInactive
	got(s.UpdateAccessKey(ctx, "AKIA1", func(k *store.AccessKey) error {
		k.Status = store.AccessKeyInactive
		return nil
	})).equals(t, "deactivate", want)
	got(s.GetAccessKey(ctx, "AKIA1")).equals(t, "get deactivated", want)

	must(t, s.DeleteAccessKey(ctx, "AKIA2"))
	got(s.GetAccessKey(ctx, "AKIA2")).fails(t, "get deleted key", store.ErrNotFound)
	must(t, s.CreateAccessKey(ctx, key(acct1, "bob", "AKIA3"), 2)) // room again
}

func testRoles(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	app := role(acct1, "/svc/", "App")
	app.Description, app.MaxSessionDuration = "the app", 43200
	app.PermissionsBoundaryARN = "arn:aws:iam::" + acct1 + ":policy/boundary"
	app.Tags = tags("b", "2", "a", "1")
	roles := []store.Role{app, role(acct1, "/", "admin"), role(acct1, "/svc/x/", "worker"), role(acct2, "/", "app")}
	for _, r := range roles {
		must(t, s.CreateRole(ctx, r))
	}
	sameID := role(acct1, "/", "other")
	sameID.ID = app.ID
	wantErr(t, "create role in another case", s.CreateRole(ctx, role(acct1, "/", "APP")), store.ErrAlreadyExists)
	wantErr(t, "create role with the same id", s.CreateRole(ctx, sameID), store.ErrAlreadyExists)
	wantErr(t, "create role in a missing account", s.CreateRole(ctx, role("999999999999", "/", "x")), store.ErrNotFound)

	got(s.GetRole(ctx, acct1, "app")).equals(t, "get role in another case", app)
	got(s.GetRole(ctx, acct2, "app")).equals(t, "get the other account's role", roles[3])
	got(s.ListRoles(ctx, acct1, "")).equals(t, "list roles", []store.Role{app, roles[1], roles[2]})
	got(s.ListRoles(ctx, acct1, "/svc/")).equals(t, "list roles under /svc/", []store.Role{app, roles[2]})

	want := app
	want.AssumeRolePolicyDocument, want.Description, want.MaxSessionDuration = allowDoc, "", 3600
	want.Tags = tags("a", "1")
	want.TrustPrincipalIDs = map[string]string{"arn:aws:iam::" + acct1 + ":role/x": "AROAX"}
	got(s.UpdateRole(ctx, acct1, "APP", func(r *store.Role) error {
		r.AssumeRolePolicyDocument, r.Description, r.MaxSessionDuration = allowDoc, "", 3600
		r.Tags = r.Tags[1:]
		r.TrustPrincipalIDs = map[string]string{"arn:aws:iam::" + acct1 + ":role/x": "AROAX"}
		return nil
	})).equals(t, "update role", want)
	got(s.GetRole(ctx, acct1, "App")).equals(t, "get updated role", want)

	must(t, s.DeleteRole(ctx, acct1, "ADMIN"))
	got(s.GetRole(ctx, acct1, "admin")).fails(t, "get deleted role", store.ErrNotFound)
	must(t, s.CreateRole(ctx, role(acct1, "/", "Admin"))) // the name is free again
}

func testManagedPolicies(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	admin, readOnly := policy("", "/", "AdministratorAccess"), policy("", "/service-role/", "ReadOnly")
	local := policy(acct1, "/", "AdministratorAccess") // same name as an AWS-managed one: allowed
	zeta, alpha := policy(acct1, "/team/", "Zeta"), policy(acct1, "/team/", "alpha")
	alpha.Description = "α"
	alpha.Tags = tags("k2", "v2", "k1", "v1")
	other := policy(acct2, "/", "alpha")
	for _, p := range []store.ManagedPolicy{admin, readOnly, local, zeta, alpha, other} {
		must(t, s.CreateManagedPolicy(ctx, p))
	}
	wantErr(t, "create policy in another case", s.CreateManagedPolicy(ctx, policy(acct1, "/", "ALPHA")), store.ErrAlreadyExists)
	wantErr(t, "create AWS policy in another case", s.CreateManagedPolicy(ctx, policy("", "/x/", "readonly")), store.ErrAlreadyExists)
	wantErr(t, "create policy in a missing account", s.CreateManagedPolicy(ctx, policy("999999999999", "/", "p")), store.ErrNotFound)

	got(s.GetManagedPolicy(ctx, acct1, alpha.ARN)).equals(t, "get own policy", alpha)
	got(s.GetManagedPolicy(ctx, acct2, admin.ARN)).equals(t, "get AWS policy", admin)
	got(s.GetManagedPolicy(ctx, acct2, alpha.ARN)).fails(t, "get another account's policy", store.ErrNotFound)

	must(t, s.CreateRole(ctx, role(acct1, "/", "r")))
	must(t, s.CreateRole(ctx, role(acct2, "/", "r")))
	must(t, s.AttachPolicy(ctx, store.Attachment{Principal: roleP(acct1, "r"), PolicyARN: readOnly.ARN}, 0))
	must(t, s.AttachPolicy(ctx, store.Attachment{Principal: roleP(acct1, "r"), PolicyARN: zeta.ARN}, 0))
	must(t, s.AttachPolicy(ctx, store.Attachment{Principal: roleP(acct2, "r"), PolicyARN: admin.ARN}, 0))
	attached := func(p store.ManagedPolicy) store.ManagedPolicy { p.AttachmentCount = 1; return p }

	lists := []struct {
		name    string
		account string
		filter  store.PolicyFilter
		want    []store.ManagedPolicy
	}{
		{"all", acct1, store.PolicyFilter{}, []store.ManagedPolicy{local, admin, attached(readOnly), attached(zeta), alpha}},
		{"AWS", acct1, store.PolicyFilter{Scope: store.ScopeAWS}, []store.ManagedPolicy{admin, attached(readOnly)}},
		{"local", acct1, store.PolicyFilter{Scope: store.ScopeLocal}, []store.ManagedPolicy{local, attached(zeta), alpha}},
		{"path", acct1, store.PolicyFilter{PathPrefix: "/team/"}, []store.ManagedPolicy{attached(zeta), alpha}},
		{"attached", acct1, store.PolicyFilter{OnlyAttached: true}, []store.ManagedPolicy{attached(readOnly), attached(zeta)}},
		{"attached local", acct1, store.PolicyFilter{Scope: store.ScopeLocal, OnlyAttached: true}, []store.ManagedPolicy{attached(zeta)}},
		{"other account", acct2, store.PolicyFilter{}, []store.ManagedPolicy{attached(admin), readOnly, other}},
		{"AWS-managed alone", "", store.PolicyFilter{}, []store.ManagedPolicy{admin, readOnly}},
	}
	for _, l := range lists {
		got(s.ListManagedPolicies(ctx, l.account, l.filter)).equals(t, "list policies: "+l.name, l.want)
	}
	got(s.GetManagedPolicy(ctx, acct2, admin.ARN)).equals(t, "attachments count per account", attached(admin))

	want := attached(zeta)
	v2 := store.PolicyVersion{ID: "v2", Document: denyDoc, CreatedAt: t0.Add(time.Hour)}
	want.Versions, want.DefaultVersionID = append(want.Versions, v2), "v2"
	got(s.UpdateManagedPolicy(ctx, acct1, zeta.ARN, func(p *store.ManagedPolicy) error {
		p.Versions = append(p.Versions, v2)
		p.DefaultVersionID = "v2"
		p.AttachmentCount = 99 // derived: ignored
		return nil
	})).equals(t, "add a version", want)
	got(s.GetManagedPolicy(ctx, acct1, zeta.ARN)).equals(t, "get updated policy", want)
	got(s.UpdateManagedPolicy(ctx, acct1, admin.ARN, func(*store.ManagedPolicy) error { return nil })).
		fails(t, "update AWS policy as an account", store.ErrNotFound)
	got(s.UpdateManagedPolicy(ctx, "", admin.ARN, func(*store.ManagedPolicy) error { return nil })).
		equals(t, "update AWS policy as AWS", admin)

	wantErr(t, "delete attached policy", s.DeleteManagedPolicy(ctx, acct1, zeta.ARN), store.ErrDeleteConflict)
	wantErr(t, "delete AWS policy attached elsewhere", s.DeleteManagedPolicy(ctx, "", admin.ARN), store.ErrDeleteConflict)
	wantErr(t, "delete another account's policy", s.DeleteManagedPolicy(ctx, acct2, alpha.ARN), store.ErrNotFound)
	must(t, s.DeleteManagedPolicy(ctx, acct1, alpha.ARN))
	got(s.GetManagedPolicy(ctx, acct1, alpha.ARN)).fails(t, "get deleted policy", store.ErrNotFound)
}

func testInlinePolicies(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	must(t, s.CreateRole(ctx, role(acct1, "/", "App")))
	must(t, s.CreateUser(ctx, user(acct1, "/", "app"))) // a user and a role may share a name
	r, u := roleP(acct1, "App"), userP(acct1, "app")
	pb := store.InlinePolicy{Principal: r, Name: "b", Document: allowDoc}
	pa := store.InlinePolicy{Principal: r, Name: "A", Document: allowDoc}
	pu := store.InlinePolicy{Principal: u, Name: "b", Document: denyDoc}
	for _, p := range []store.InlinePolicy{pb, pa, pu} {
		p.Principal.Name = strings.ToUpper(p.Principal.Name) // stored with the principal's own case
		must(t, s.PutInlinePolicy(ctx, p))
	}
	wantErr(t, "put policy of a missing role", s.PutInlinePolicy(ctx, store.InlinePolicy{Principal: roleP(acct1, "x"), Name: "p"}), store.ErrNotFound)
	wantErr(t, "put policy of a principal of an unknown kind",
		s.PutInlinePolicy(ctx, store.InlinePolicy{Principal: store.Principal{AccountID: acct1, Kind: "group", Name: "app"}, Name: "p"}), store.ErrNotFound)

	got(s.GetInlinePolicy(ctx, roleP(acct1, "app"), "B")).equals(t, "get in another case", pb)
	got(s.GetInlinePolicy(ctx, r, "nope")).fails(t, "get missing", store.ErrNotFound)
	got(s.ListInlinePolicies(ctx, r)).equals(t, "list role's", []store.InlinePolicy{pa, pb})
	got(s.ListInlinePolicies(ctx, u)).equals(t, "list user's", []store.InlinePolicy{pu})
	got(s.ListInlinePolicies(ctx, roleP(acct2, "App"))).fails(t, "list a missing role's", store.ErrNotFound)

	must(t, s.PutInlinePolicy(ctx, store.InlinePolicy{Principal: r, Name: "B", Document: denyDoc}))
	pb.Document = denyDoc
	got(s.GetInlinePolicy(ctx, r, "b")).equals(t, "replaced, keeping the name", pb)

	must(t, s.DeleteInlinePolicy(ctx, r, "a"))
	wantErr(t, "delete again", s.DeleteInlinePolicy(ctx, r, "a"), store.ErrNotFound)
	got(s.ListInlinePolicies(ctx, r)).equals(t, "list after delete", []store.InlinePolicy{pb})
}

func testAttachments(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	aws, p1, p2 := policy("", "/", "Admin"), policy(acct1, "/", "p1"), policy(acct1, "/", "p2")
	foreign := policy(acct2, "/", "foreign")
	for _, p := range []store.ManagedPolicy{aws, p1, p2, foreign} {
		must(t, s.CreateManagedPolicy(ctx, p))
	}
	must(t, s.CreateRole(ctx, role(acct1, "/", "Zr")))
	must(t, s.CreateUser(ctx, user(acct1, "/", "au")))
	must(t, s.CreateUser(ctx, user(acct2, "/", "ou")))
	r, u := roleP(acct1, "Zr"), userP(acct1, "au")
	attach := func(p store.Principal, arn string) store.Attachment {
		return store.Attachment{Principal: p, PolicyARN: arn}
	}
	for _, a := range []store.Attachment{attach(r, p2.ARN), attach(r, aws.ARN), attach(u, p1.ARN), attach(u, p2.ARN),
		attach(userP(acct2, "OU"), aws.ARN)} {
		must(t, s.AttachPolicy(ctx, a, 2))
	}
	tests := []struct {
		name string
		a    store.Attachment
		want error
	}{
		{"again, in another case", attach(roleP(acct1, "zr"), p2.ARN), store.ErrAlreadyExists},
		{"past the limit", attach(r, p1.ARN), store.ErrLimitExceeded},
		{"missing principal", attach(roleP(acct1, "nobody"), p1.ARN), store.ErrNotFound},
		{"missing policy", attach(u, "arn:aws:iam::"+acct1+":policy/none"), store.ErrNotFound},
		{"another account's policy", attach(userP(acct1, "au"), foreign.ARN), store.ErrNotFound},
	}
	for _, tt := range tests {
		wantErr(t, "attach: "+tt.name, s.AttachPolicy(ctx, tt.a, 2), tt.want)
	}

	got(s.ListAttachedPolicies(ctx, roleP(acct1, "ZR"))).equals(t, "list by ARN", []store.Attachment{attach(r, p2.ARN), attach(r, aws.ARN)})
	got(s.ListAttachedPolicies(ctx, roleP(acct1, "none"))).fails(t, "list a missing role's", store.ErrNotFound)
	got(s.ListEntitiesForPolicy(ctx, acct1, p2.ARN)).equals(t, "entities by kind and name",
		[]store.Attachment{attach(r, p2.ARN), attach(u, p2.ARN)})
	got(s.ListEntitiesForPolicy(ctx, acct2, aws.ARN)).equals(t, "entities of the AWS policy in one account",
		[]store.Attachment{attach(userP(acct2, "ou"), aws.ARN)})
	got(s.ListEntitiesForPolicy(ctx, acct2, p1.ARN)).fails(t, "entities of another account's policy", store.ErrNotFound)

	wantErr(t, "detach what is not attached", s.DetachPolicy(ctx, attach(u, aws.ARN)), store.ErrNotFound)
	must(t, s.DetachPolicy(ctx, attach(roleP(acct1, "zr"), p2.ARN)))
	got(s.ListAttachedPolicies(ctx, r)).equals(t, "list after detach", []store.Attachment{attach(r, aws.ARN)})
	must(t, s.AttachPolicy(ctx, attach(r, p1.ARN), 2)) // room again
}

func testOIDCProviders(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	a, b := provider(acct1, "token.actions.example.com"), provider(acct1, issuerURL)
	a.ClientIDs, a.Thumbprints = nil, []string{thumbB, thumbA}
	a.Tags = tags("y", "1", "x", "2")
	for _, p := range []store.OIDCProvider{a, b, provider(acct2, issuerURL)} {
		must(t, s.CreateOIDCProvider(ctx, p))
	}
	wantErr(t, "create again", s.CreateOIDCProvider(ctx, b), store.ErrAlreadyExists)
	wantErr(t, "create in a missing account", s.CreateOIDCProvider(ctx, provider("999999999999", issuerURL)), store.ErrNotFound)

	got(s.GetOIDCProvider(ctx, a.ARN)).equals(t, "get", a)
	got(s.GetOIDCProvider(ctx, a.ARN+"/x")).fails(t, "get missing", store.ErrNotFound)
	got(s.ListOIDCProviders(ctx, acct1)).equals(t, "list by ARN", []store.OIDCProvider{b, a})

	want := b
	want.ClientIDs, want.Thumbprints = []string{"sts.amazonaws.com", "podiam"}, nil
	got(s.UpdateOIDCProvider(ctx, b.ARN, func(p *store.OIDCProvider) error {
		p.ClientIDs = append(p.ClientIDs, "podiam")
		p.Thumbprints = nil
		return nil
	})).equals(t, "update", want)
	got(s.GetOIDCProvider(ctx, b.ARN)).equals(t, "get updated", want)

	must(t, s.DeleteOIDCProvider(ctx, a.ARN))
	wantErr(t, "delete again", s.DeleteOIDCProvider(ctx, a.ARN), store.ErrNotFound)
	got(s.ListOIDCProviders(ctx, acct1)).equals(t, "list after delete", []store.OIDCProvider{want})
}

// testNotFound calls each method that names a record on one that does not
// exist.
func testNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	must(t, s.CreateManagedPolicy(ctx, policy(acct1, "/", "p")))
	u, r := userP(acct1, "nobody"), roleP(acct1, "nobody")
	calls := []struct {
		name string
		call func() error
	}{
		{"GetAccount", func() error { _, err := s.GetAccount(ctx, "000000000000"); return err }},
		{"GetUser", func() error { _, err := s.GetUser(ctx, acct1, "nobody"); return err }},
		{"GetUser in another account", func() error { _, err := s.GetUser(ctx, acct2, "nobody"); return err }},
		{"UpdateUser", func() error {
			_, err := s.UpdateUser(ctx, acct1, "nobody", func(*store.User) error { return nil })
			return err
		}},
		{"DeleteUser", func() error { return s.DeleteUser(ctx, acct1, "nobody") }},
		{"ListAccessKeys", func() error { _, err := s.ListAccessKeys(ctx, acct1, "nobody"); return err }},
		{"ListAccessKeys of a missing root", func() error { _, err := s.ListAccessKeys(ctx, "000000000000", ""); return err }},
		{"UpdateAccessKey", func() error {
			_, err := s.UpdateAccessKey(ctx, "AKIANONE", func(*store.AccessKey) error { return nil })
			return err
		}},
		{"DeleteAccessKey", func() error { return s.DeleteAccessKey(ctx, "AKIANONE") }},
		{"GetRole", func() error { _, err := s.GetRole(ctx, acct1, "nobody"); return err }},
		{"UpdateRole", func() error {
			_, err := s.UpdateRole(ctx, acct1, "nobody", func(*store.Role) error { return nil })
			return err
		}},
		{"DeleteRole", func() error { return s.DeleteRole(ctx, acct1, "nobody") }},
		{"GetManagedPolicy", func() error { _, err := s.GetManagedPolicy(ctx, acct1, policy(acct1, "/", "x").ARN); return err }},
		{"UpdateManagedPolicy", func() error {
			_, err := s.UpdateManagedPolicy(ctx, acct1, policy(acct1, "/", "x").ARN, func(*store.ManagedPolicy) error { return nil })
			return err
		}},
		{"UpdateManagedPolicy of another account", func() error {
			_, err := s.UpdateManagedPolicy(ctx, acct2, policy(acct1, "/", "p").ARN, func(*store.ManagedPolicy) error { return nil })
			return err
		}},
		{"DeleteManagedPolicy", func() error { return s.DeleteManagedPolicy(ctx, acct1, policy(acct1, "/", "x").ARN) }},
		{"ListEntitiesForPolicy", func() error { _, err := s.ListEntitiesForPolicy(ctx, acct1, policy(acct1, "/", "x").ARN); return err }},
		{"GetInlinePolicy of a missing user", func() error { _, err := s.GetInlinePolicy(ctx, u, "p"); return err }},
		{"DeleteInlinePolicy", func() error { return s.DeleteInlinePolicy(ctx, r, "p") }},
		{"ListInlinePolicies of a missing user", func() error { _, err := s.ListInlinePolicies(ctx, u); return err }},
		{"ListAttachedPolicies of a missing user", func() error { _, err := s.ListAttachedPolicies(ctx, u); return err }},
		{"DetachPolicy", func() error {
			return s.DetachPolicy(ctx, store.Attachment{Principal: r, PolicyARN: policy(acct1, "/", "p").ARN})
		}},
		{"GetOIDCProvider", func() error { _, err := s.GetOIDCProvider(ctx, provider(acct1, issuerURL).ARN); return err }},
		{"UpdateOIDCProvider", func() error {
			_, err := s.UpdateOIDCProvider(ctx, provider(acct1, issuerURL).ARN, func(*store.OIDCProvider) error { return nil })
			return err
		}},
		{"DeleteOIDCProvider", func() error { return s.DeleteOIDCProvider(ctx, provider(acct1, issuerURL).ARN) }},
	}
	before := dump(t, s)
	for _, c := range calls {
		wantErr(t, c.name, c.call(), store.ErrNotFound)
	}
	same(t, "store after the calls", dump(t, s), before)
	users, err := s.ListUsers(ctx, "000000000000", "")
	roles, err2 := s.ListRoles(ctx, "000000000000", "")
	providers, err3 := s.ListOIDCProviders(ctx, "000000000000")
	if users != nil || roles != nil || providers != nil || err != nil || err2 != nil || err3 != nil {
		t.Errorf("lists of a missing account: %v %v %v, errors %v %v %v; want nothing", users, roles, providers, err, err2, err3)
	}
}

// testDeleteConflicts deletes users, roles and policies that are in use.
func testDeleteConflicts(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	pol := policy(acct1, "/", "p")
	must(t, s.CreateManagedPolicy(ctx, pol))
	tests := []struct {
		name   string
		setup  func(name string) error // makes the entity called name and puts it in use
		del    func(name string) error
		unlink func(name string) error // takes it out of use
	}{
		{
			name:   "user with an access key",
			setup:  func(n string) error { return s.CreateAccessKey(ctx, key(acct1, n, "AKIA"+n), 0) },
			del:    func(n string) error { return s.DeleteUser(ctx, acct1, n) },
			unlink: func(n string) error { return s.DeleteAccessKey(ctx, "AKIA"+n) },
		},
		{
			name: "user with an inline policy",
			setup: func(n string) error {
				return s.PutInlinePolicy(ctx, store.InlinePolicy{Principal: userP(acct1, n), Name: "i", Document: allowDoc})
			},
			del:    func(n string) error { return s.DeleteUser(ctx, acct1, n) },
			unlink: func(n string) error { return s.DeleteInlinePolicy(ctx, userP(acct1, n), "i") },
		},
		{
			name: "user with an attached policy",
			setup: func(n string) error {
				return s.AttachPolicy(ctx, store.Attachment{Principal: userP(acct1, n), PolicyARN: pol.ARN}, 0)
			},
			del: func(n string) error { return s.DeleteUser(ctx, acct1, n) },
			unlink: func(n string) error {
				return s.DetachPolicy(ctx, store.Attachment{Principal: userP(acct1, n), PolicyARN: pol.ARN})
			},
		},
		{
			name: "role with an inline policy",
			setup: func(n string) error {
				return s.PutInlinePolicy(ctx, store.InlinePolicy{Principal: roleP(acct1, n), Name: "i", Document: allowDoc})
			},
			del:    func(n string) error { return s.DeleteRole(ctx, acct1, n) },
			unlink: func(n string) error { return s.DeleteInlinePolicy(ctx, roleP(acct1, n), "i") },
		},
		{
			name: "role with an attached policy",
			setup: func(n string) error {
				return s.AttachPolicy(ctx, store.Attachment{Principal: roleP(acct1, n), PolicyARN: pol.ARN}, 0)
			},
			del: func(n string) error { return s.DeleteRole(ctx, acct1, n) },
			unlink: func(n string) error {
				return s.DetachPolicy(ctx, store.Attachment{Principal: roleP(acct1, n), PolicyARN: pol.ARN})
			},
		},
		{
			name: "role in an instance profile",
			setup: func(n string) error {
				p := profile(acct1, "/", n)
				p.RoleName = n
				return s.CreateInstanceProfile(ctx, p)
			},
			del: func(n string) error { return s.DeleteRole(ctx, acct1, n) },
			unlink: func(n string) error {
				_, err := s.UpdateInstanceProfile(ctx, acct1, n, func(p *store.InstanceProfile) error {
					p.RoleName = ""
					return nil
				})
				return err
			},
		},
		{
			name: "instance profile holding a role",
			setup: func(n string) error {
				p := profile(acct1, "/", n)
				p.RoleName = n
				return s.CreateInstanceProfile(ctx, p)
			},
			del: func(n string) error { return s.DeleteInstanceProfile(ctx, acct1, n) },
			unlink: func(n string) error {
				_, err := s.UpdateInstanceProfile(ctx, acct1, n, func(p *store.InstanceProfile) error {
					p.RoleName = ""
					return nil
				})
				return err
			},
		},
	}
	for i, tt := range tests {
		n := fmt.Sprintf("e%d", i)
		must(t, s.CreateUser(ctx, user(acct1, "/", n)))
		must(t, s.CreateRole(ctx, role(acct1, "/", n)))
		must(t, tt.setup(n))
		wantErr(t, "delete "+tt.name, tt.del(n), store.ErrDeleteConflict)
		must(t, tt.unlink(n))
		wantErr(t, "delete "+tt.name+" after taking it out of use", tt.del(strings.ToUpper(n)), nil)
	}
}

// testFailedUpdates checks that an update whose function fails, or changes
// what identifies the record, changes nothing.
func testFailedUpdates(t *testing.T, s store.Store) {
	ctx := t.Context()
	fill(t, s)
	pol, aws, oidc := policy(acct1, "/", "local").ARN, policy("", "/", "AdministratorAccess").ARN, provider(acct1, issuerURL).ARN
	tests := []struct {
		name string
		call func() error
		want error // nil: any error
	}{
		{"user, function fails", func() error {
			_, err := s.UpdateUser(ctx, acct1, "robert", func(u *store.User) error { u.Name, u.Tags = "x", nil; return errBoom })
			return err
		}, errBoom},
		{"user, id changed", func() error {
			_, err := s.UpdateUser(ctx, acct1, "robert", func(u *store.User) error { u.ID = "AIDAOTHER"; return nil })
			return err
		}, nil},
		{"access key, function fails", func() error {
			_, err := s.UpdateAccessKey(ctx, "AKIAFILL1", func(k *store.AccessKey) error { k.Status = store.AccessKeyInactive; return errBoom })
			return err
		}, errBoom},
		{"access key, owner changed", func() error {
			_, err := s.UpdateAccessKey(ctx, "AKIAFILL1", func(k *store.AccessKey) error { k.UserName = "Carol"; return nil })
			return err
		}, nil},
		{"role, function fails", func() error {
			_, err := s.UpdateRole(ctx, acct1, "app", func(r *store.Role) error { r.Description = "x"; return errBoom })
			return err
		}, errBoom},
		{"role, name changed", func() error {
			_, err := s.UpdateRole(ctx, acct1, "app", func(r *store.Role) error { r.Name = "app2"; return nil })
			return err
		}, nil},
		{"role, creation time changed", func() error {
			_, err := s.UpdateRole(ctx, acct1, "app", func(r *store.Role) error { r.CreatedAt = r.CreatedAt.Add(time.Second); return nil })
			return err
		}, nil},
		{"policy, function fails", func() error {
			_, err := s.UpdateManagedPolicy(ctx, acct1, pol, func(p *store.ManagedPolicy) error { p.Versions = nil; return errBoom })
			return err
		}, errBoom},
		{"policy, ARN changed", func() error {
			_, err := s.UpdateManagedPolicy(ctx, acct1, pol, func(p *store.ManagedPolicy) error { p.ARN += "2"; return nil })
			return err
		}, nil},
		{"AWS policy, function fails", func() error {
			_, err := s.UpdateManagedPolicy(ctx, "", aws, func(p *store.ManagedPolicy) error { p.Description = "x"; return errBoom })
			return err
		}, errBoom},
		{"OIDC provider, function fails", func() error {
			_, err := s.UpdateOIDCProvider(ctx, oidc, func(p *store.OIDCProvider) error { p.ClientIDs = nil; return errBoom })
			return err
		}, errBoom},
		{"OIDC provider, URL changed", func() error {
			_, err := s.UpdateOIDCProvider(ctx, oidc, func(p *store.OIDCProvider) error { p.URL = "evil.example.com"; return nil })
			return err
		}, nil},
	}
	before := dump(t, s)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || (tt.want != nil && err != tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
			same(t, "store after the failed update", dump(t, s), before)
		})
	}
}

// testConcurrency races writers: exactly one create of a name wins, limits
// hold and no update is lost.
func testConcurrency(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	must(t, s.CreateUser(ctx, user(acct1, "/", "bob")))
	const n = 8
	race := func(f func(i int) error) []error {
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = f(i) })
		}
		wg.Wait()
		return errs
	}
	count := func(errs []error, target error) (ok, hit int) {
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, target):
				hit++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		return ok, hit
	}

	names := []string{"racer", "RACER", "Racer", "rAcer"}
	errs := race(func(i int) error {
		r := role(acct1, "/", names[i%len(names)])
		r.ID, r.ARN = fmt.Sprintf("%s-%d", r.ID, i), fmt.Sprintf("%s-%d", r.ARN, i)
		return s.CreateRole(ctx, r)
	})
	if ok, dup := count(errs, store.ErrAlreadyExists); ok != 1 || dup != n-1 {
		t.Errorf("concurrent creates of one name: %d succeeded, %d already existed; want 1 and %d", ok, dup, n-1)
	}

	errs = race(func(i int) error { return s.CreateAccessKey(ctx, key(acct1, "bob", fmt.Sprintf("AKIARACE%d", i)), 2) })
	if ok, over := count(errs, store.ErrLimitExceeded); ok != 2 || over != n-2 {
		t.Errorf("concurrent access keys with a limit of 2: %d created, %d over the limit; want 2 and %d", ok, over, n-2)
	}

	race(func(i int) error {
		_, err := s.UpdateRole(ctx, acct1, "racer", func(r *store.Role) error {
			r.Tags = append(r.Tags, store.Tag{Key: fmt.Sprint(i)})
			return nil
		})
		return err
	})
	if r := got(s.GetRole(ctx, acct1, "racer")).must(t); len(r.Tags) != n {
		t.Errorf("after %d concurrent updates that each add a tag: %d tags %v", n, len(r.Tags), r.Tags)
	}
}
