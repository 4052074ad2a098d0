package authenticator

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/podiam/podiam/internal/fault"
)

// FuzzParseAWSAuth: the parser never panics; what it keeps is valid,
// and a caller it maps gets a mapping of that data.
func FuzzParseAWSAuth(f *testing.F) {
	f.Add(awsAuthRoles, awsAuthUsers, "['444455556666']")
	f.Add("- rolearn: arn:aws:iam::111122223333:role/x\n  username: u\n", "", "")
	f.Add("[{rolearn: 1}]", "{}", "- 1")
	f.Add("- rolearn: arn:aws:iam::111122223333:role/a/b/c\n  groups: [a, {{AccountID}}]\n", "- userarn: arn:aws:iam::111122223333:root", "- \"111122223333\"")
	f.Fuzz(func(t *testing.T, roles, users, accounts string) {
		a, _ := ParseAWSAuth(map[string]string{"mapRoles": roles, "mapUsers": users, "mapAccounts": accounts})
		for _, r := range a.Roles {
			if r.validate() != nil {
				t.Fatalf("kept an invalid role entry %+v", r)
			}
		}
		for _, u := range a.Users {
			if u.validate() != nil {
				t.Fatalf("kept an invalid user entry %+v", u)
			}
		}
		for _, acct := range a.Accounts {
			if !isAccount(acct) {
				t.Fatalf("kept account %q", acct)
			}
		}
		m := &Mapper{}
		m.SetAWSAuth(a)
		// A kept role entry maps a session of its role (by name, in its
		// account), or refuses it as AccessDenied (a reserved prefix, an
		// unfilled template, no username); never anything else.
		for _, r := range a.Roles {
			account := strings.SplitN(r.RoleARN, ":", 6)[4]
			name := r.RoleARN[strings.LastIndexByte(r.RoleARN, '/')+1:]
			c, err := NewCaller(Identity{Account: account, ARN: "arn:aws:sts::" + account + ":assumed-role/" + name + "/s", UserID: "AROAX:s"})
			if err != nil || r.UserID != "" {
				continue
			}
			if _, _, source, err := m.Map(context.Background(), c); err == nil && source != SourceAWSAuth || err != nil && fault.KindOf(err) != fault.AccessDenied {
				t.Fatalf("entry %+v: source %q, %v", r, source, err)
			}
		}
	})
}

// FuzzParseCallerIdentity: never panics; a parsed identity is whole.
func FuzzParseCallerIdentity(f *testing.F) {
	f.Add("application/json", `{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"111122223333","Arn":"arn:aws:iam::111122223333:user/a","UserId":"AIDA"}}}`)
	f.Add("text/xml", `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>a</Arn><UserId>u</UserId><Account>111122223333</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`)
	f.Add("", "{")
	f.Fuzz(func(t *testing.T, ct, body string) {
		id, err := ParseCallerIdentity(ct, []byte(body))
		if err == nil && (!isAccount(id.Account) || id.ARN == "" || id.UserID == "") {
			t.Fatalf("accepted %+v", id)
		}
		if err != nil && fault.KindOf(err) != fault.Failure {
			t.Fatalf("kind %v", fault.KindOf(err))
		}
	})
}

// FuzzAuthenticate: any body gets an answer, never a panic, and only a
// known token is let in.
func FuzzAuthenticate(f *testing.F) {
	f.Add(review(authenticationV1, "good"))
	f.Add(review(authenticationV1beta1, "unmapped"))
	f.Add(`{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":null}}`)
	f.Fuzz(func(t *testing.T, body string) {
		h := newAuthenticate(t, io.Discard)
		h.Log = slog.New(slog.DiscardHandler)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/authenticate", strings.NewReader(body)))
		if rec.Code == http.StatusOK && !strings.Contains(rec.Body.String(), `"username":"ci:s-x"`) {
			t.Fatalf("200 with %s", rec.Body)
		}
	})
}
