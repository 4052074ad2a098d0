package sqlite

import (
	"database/sql"
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/podiam/podiam/internal/store"
)

// TestMigrateManagementAccount: a database of schema 1 with three accounts
// comes out of migration with the earliest created as the management
// account and the others as its members.
func TestMigrateManagementAccount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "podiam.db")
	raw, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		migrations[0],
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		`INSERT INTO schema_version (version) VALUES (1)`,
		`INSERT INTO accounts (id, name, email, email_key, created_at) VALUES
			('000000000001', 'member a', 'a@x', 'a@x', '2026-01-02T00:00:00Z'),
			('555555555555', 'first', '', '', '2026-01-01T00:00:00Z'),
			('999999999999', 'member b', 'b@x', 'b@x', '2026-01-03T00:00:00Z')`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	accts, err := db.ListAccounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"000000000001": "555555555555", "555555555555": "", "999999999999": "555555555555"}
	for _, a := range accts {
		if a.ManagementAccountID != want[a.ID] {
			t.Errorf("account %s: management %q, want %q", a.ID, a.ManagementAccountID, want[a.ID])
		}
	}
	if len(accts) != 3 {
		t.Fatalf("%d accounts", len(accts))
	}
}

// TestMigrateBindPolicies: a database of schema 5 comes out of migration
// with its bucket policies, and trust policies stored before schema 3,
// bound to the users and roles their ARNs name then; an ARN that names
// nobody is bound to "". Bindings a trust policy already had are kept.
func TestMigrateBindPolicies(t *testing.T) {
	path := filepath.Join(t.TempDir(), "podiam.db")
	raw, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	const (
		a     = "arn:aws:iam::555555555555:"
		carol = a + "user/carol"
		app   = a + "role/svc/app"
		dave  = a + "user/dave"
	)
	grant := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + carol + `","` + app + `","` + dave + `",` +
		`"555555555555","` + a + `root","arn:aws:sts::555555555555:assumed-role/app/s","*"]},"Action":"s3:GetObject","Resource":"*",` +
		`"Condition":{"ArnEquals":{"aws:PrincipalArn":"` + a + `user/erin"}}},` +
		`{"Effect":"Deny","NotPrincipal":{"AWS":"` + app + `"},"Action":"s3:DeleteObject","Resource":"*"}]}`
	single := `{"Statement":{"Effect":"Allow","Principal":{"AWS":"` + carol + `"},"Action":"sts:AssumeRole"}}`
	for _, q := range append(migrations[:5:5],
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		`INSERT INTO schema_version (version) VALUES (5)`,
		`INSERT INTO accounts (id, name, email, email_key, created_at) VALUES ('555555555555', 'first', '', '', '2026-01-01T00:00:00Z')`,
		`INSERT INTO users (account_id, name_key, name, path, id, arn, boundary, tags, created_at) VALUES
			('555555555555', 'carol', 'carol', '/', 'AIDACAROL', '`+carol+`', '', '[]', '2026-01-01T00:00:00Z'),
			('555555555555', 'erin', 'erin', '/', 'AIDAERIN', '`+a+`user/erin', '', '[]', '2026-01-01T00:00:00Z')`,
		`INSERT INTO roles (account_id, name_key, name, path, id, arn, trust_policy, description, max_session_duration, boundary, tags, trust_ids, created_at) VALUES
			('555555555555', 'app', 'app', '/svc/', 'AROAAPP', '`+app+`', '`+single+`', '', 3600, '', '[]', '{}', '2026-01-01T00:00:00Z'),
			('555555555555', 'bound', 'bound', '/', 'AROABOUND', '`+a+`role/bound', '`+strings.ReplaceAll(single, carol, dave)+`', '', 3600, '', '[]', '{"`+dave+`":"AIDAOLDDAVE"}', '2026-01-01T00:00:00Z'),
			('555555555555', 'web', 'web', '/', 'AROAWEB', '`+a+`role/web', '{"Statement":{"Effect":"Allow","Principal":{"Federated":"accounts.google.com"},"Action":"sts:AssumeRoleWithWebIdentity"}}', '', 3600, '', '[]', '{}', '2026-01-01T00:00:00Z')`,
		`INSERT INTO buckets (name, account_id, region, policy, created_at) VALUES
			('shared', '555555555555', '', '`+grant+`', '2026-01-01T00:00:00Z'),
			('plain', '555555555555', '', '', '2026-01-01T00:00:00Z'),
			('public', '555555555555', '', '{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}}', '2026-01-01T00:00:00Z')`,
	) {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := t.Context()
	for name, want := range map[string]map[string]string{
		"shared": {carol: "AIDACAROL", app: "AROAAPP", dave: ""},
		"plain":  nil,
		"public": nil,
	} {
		b, err := db.GetBucket(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(b.PolicyPrincipalIDs, want) {
			t.Errorf("bucket %s: policy principal ids %v, want %v", name, b.PolicyPrincipalIDs, want)
		}
	}
	for name, want := range map[string]map[string]string{
		"app":   {carol: "AIDACAROL"},
		"bound": {dave: "AIDAOLDDAVE"},
		"web":   nil,
	} {
		r, err := db.GetRole(ctx, "555555555555", name)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(r.TrustPrincipalIDs, want) {
			t.Errorf("role %s: trust principal ids %v, want %v", name, r.TrustPrincipalIDs, want)
		}
	}
}

// TestMigrateObjectVersions: an object stored at schema 11 is, after
// migration 12, its key's current null version (id ""), and a version
// put over it keeps it as noncurrent.
func TestMigrateObjectVersions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "podiam.db")
	raw, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range append(migrations[:11:11],
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		`INSERT INTO schema_version (version) VALUES (11)`,
		`INSERT INTO accounts (id, name, email, email_key, created_at) VALUES ('555555555555', 'first', '', '', '2026-01-01T00:00:00Z')`,
		`INSERT INTO buckets (name, account_id, region, policy, created_at) VALUES ('old', '555555555555', '', '', '2026-01-01T00:00:00Z')`,
		`INSERT INTO objects (bucket, key, blob_id, size, etag, headers, checksums, tags, last_modified) VALUES
			('old', 'k', 'blob-old', 3, 'e', '{}', '{}', '[]', '2026-01-01T00:00:00Z')`,
	) {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := t.Context()
	o, err := db.GetObjectVersion(ctx, "old", "k", store.NullVersion)
	if err != nil || o.BlobID != "blob-old" || o.VersionID != "" || !o.IsNull() || o.DeleteMarker {
		t.Fatalf("the old object: %+v, %v", o, err)
	}
	next := o
	next.BlobID, next.VersionID, next.LastModified = "blob-new", "0001", o.LastModified.Add(time.Hour)
	if r, err := db.PutObject(ctx, next); err != nil || r != nil {
		t.Fatalf("a version over it: %+v, %v", r, err)
	}
	if o, err := db.GetObjectVersion(ctx, "old", "k", store.NullVersion); err != nil || o.BlobID != "blob-old" || !o.NoncurrentSince.Equal(next.LastModified) {
		t.Fatalf("the old object, noncurrent: %+v, %v", o, err)
	}
}
