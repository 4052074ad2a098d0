package policy_test

import (
	"slices"
	"testing"

	"github.com/podiam/podiam/internal/policy"
)

const (
	carol    = "arn:aws:iam::111122223333:user/carol"
	carolID  = "AIDACAROL0000000000001"
	app      = "arn:aws:iam::111122223333:role/svc/app"
	appID    = "AROAAPP00000000000001"
	appSess  = "arn:aws:sts::111122223333:assumed-role/app/s1"
	otherAcc = "arn:aws:iam::444455556666:user/dave"
)

func TestEntityARNs(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":["` + carol + `","111122223333","arn:aws:iam::111122223333:root","*","` + appSess + `"]},"Action":"s3:GetObject","Resource":"*"},
		{"Effect":"Deny","NotPrincipal":{"AWS":["` + app + `","` + carol + `"]},"Action":"s3:*","Resource":"*"},
		{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com","Federated":"arn:aws:iam::111122223333:oidc-provider/x.example"},"Action":"s3:GetObject","Resource":"*"},
		{"Effect":"Allow","Principal":{"AWS":"` + otherAcc + `"},"Action":"s3:GetObject","Resource":"*","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/erin"}}}]}`
	d, err := policy.ParseDocument([]byte(doc), policy.Resource, policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{carol, app, otherAcc}
	if got := d.EntityARNs(); !slices.Equal(got, want) {
		t.Fatalf("EntityARNs = %q, want %q", got, want)
	}
}

func TestParseEntity(t *testing.T) {
	tests := []struct {
		in   string
		want policy.Entity
		ok   bool
	}{
		{in: carol, want: policy.Entity{ARN: carol, Account: "111122223333", Kind: "user", Name: "carol"}, ok: true},
		{in: app, want: policy.Entity{ARN: app, Account: "111122223333", Kind: "role", Name: "app"}, ok: true},
		{in: "arn:aws:iam::111122223333:root"},
		{in: appSess},
		{in: "arn:aws:iam::111122223333:group/devs"},
		{in: "arn:aws:iam::111122223333:user/"},
		{in: "arn:aws:iam::111122223333:oidc-provider/x.example"},
		{in: "111122223333"},
		{in: "*"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := policy.ParseEntity(tt.in)
			if ok != tt.ok || got != tt.want {
				t.Errorf("ParseEntity = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestCompileBound: a bound ARN names the entity with the bound unique
// id, whatever its ARN now, and nobody else; "" names nobody; ARNs that
// are not bound match by ARN.
func TestCompileBound(t *testing.T) {
	tests := []struct {
		name      string
		element   string
		effect    string
		ids       map[string]string
		caller    string
		userID    string
		want      bool
		wantMatch policy.PrincipalMatch
	}{
		{name: "the bound user", element: `"Principal":{"AWS":"` + carol + `"}`, ids: map[string]string{carol: carolID}, caller: carol, userID: carolID, want: true, wantMatch: policy.MatchExact},
		{name: "a user made again under the ARN", element: `"Principal":{"AWS":"` + carol + `"}`, ids: map[string]string{carol: carolID}, caller: carol, userID: "AIDACAROL0000000000002"},
		{name: "a caller without a unique id", element: `"Principal":{"AWS":"` + carol + `"}`, ids: map[string]string{carol: carolID}, caller: carol},
		{name: "the bound user renamed", element: `"Principal":{"AWS":"` + carol + `"}`, ids: map[string]string{carol: carolID}, caller: "arn:aws:iam::111122223333:user/eng/caroline", userID: carolID, want: true, wantMatch: policy.MatchExact},
		{name: "bound to nobody", element: `"Principal":{"AWS":"` + carol + `"}`, ids: map[string]string{carol: ""}, caller: carol, userID: carolID},
		{name: "bound to nobody, a caller without an id", element: `"Principal":{"AWS":"` + carol + `"}`, ids: map[string]string{carol: ""}, caller: carol},
		{name: "not bound: by ARN", element: `"Principal":{"AWS":"` + carol + `"}`, caller: carol, userID: "AIDAANY", want: true, wantMatch: policy.MatchExact},
		{name: "a session of the bound role", element: `"Principal":{"AWS":"` + app + `"}`, ids: map[string]string{app: appID}, caller: appSess, userID: appID + ":s1", want: true, wantMatch: policy.MatchRole},
		{name: "a session of a role made again", element: `"Principal":{"AWS":"` + app + `"}`, ids: map[string]string{app: appID}, caller: appSess, userID: "AROAAPP00000000000002:s1"},
		{name: "a role id does not name a user", element: `"Principal":{"AWS":"` + app + `"}`, ids: map[string]string{app: appID}, caller: carol, userID: appID},
		{name: "the session ARN is never bound", element: `"Principal":{"AWS":"` + appSess + `"}`, ids: map[string]string{app: appID}, caller: appSess, userID: "AROAAPP00000000000002:s1", want: true, wantMatch: policy.MatchExact},
		{name: "the account still names the caller", element: `"Principal":{"AWS":["111122223333","` + carol + `"]}`, ids: map[string]string{carol: carolID}, caller: carol, userID: "AIDACAROL0000000000002", want: true, wantMatch: policy.MatchAccount},
		{name: "NotPrincipal excludes the bound user", effect: "Deny", element: `"NotPrincipal":{"AWS":"` + carol + `"}`, ids: map[string]string{carol: carolID}, caller: carol, userID: carolID},
		{name: "NotPrincipal applies to the user made again", effect: "Deny", element: `"NotPrincipal":{"AWS":"` + carol + `"}`, ids: map[string]string{carol: carolID}, caller: carol, userID: "AIDACAROL0000000000002", want: true, wantMatch: policy.MatchAnyone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			effect := tt.effect
			if effect == "" {
				effect = "Allow"
			}
			doc := `{"Statement":{"Effect":"` + effect + `",` + tt.element + `,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`
			d, err := policy.ParseDocument([]byte(doc), policy.Resource, policy.Options{})
			if err != nil {
				t.Fatal(err)
			}
			p := policy.CompileBound("p", d, policy.Resource, tt.ids)
			caller, err := policy.ParsePrincipal(tt.caller)
			if err != nil {
				t.Fatal(err)
			}
			caller.UserID = tt.userID
			req := &policy.Request{Principal: caller, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}
			got, pm := p.Rules[0].Match(req)
			if got != tt.want || pm != tt.wantMatch {
				t.Errorf("Match = %v, %s; want %v, %s", got, pm, tt.want, tt.wantMatch)
			}
		})
	}
}

// TestWithPrincipals: AWS principal values are replaced, nothing else.
func TestWithPrincipals(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + carol + `","` + app + `"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*",` +
		`"Condition":{"ArnEquals":{"aws:PrincipalArn":"` + carol + `"}}},{"Effect":"Deny","NotPrincipal":{"AWS":"` + carol + `"},"Action":"s3:DeleteObject","Resource":"*"}]}`
	d, err := policy.ParseDocument([]byte(doc), policy.Resource, policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.WithPrincipals(nil) != d {
		t.Fatal("WithPrincipals(nil) copied the document")
	}
	got, err := d.WithPrincipals(map[string]string{carol: carolID}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + carolID + `","` + app + `"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*",` +
		`"Condition":{"ArnEquals":{"aws:PrincipalArn":"` + carol + `"}}},{"Effect":"Deny","NotPrincipal":{"AWS":"` + carolID + `"},"Action":"s3:DeleteObject","Resource":"*"}]}`
	if string(got) != want {
		t.Errorf("WithPrincipals printed\n %s\nwant\n %s", got, want)
	}
	if again, _ := d.MarshalJSON(); string(again) != doc {
		t.Errorf("the original document changed:\n %s", again)
	}
}
