package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
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
