package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order; migrations[i] brings the schema from
// version i to version i+1. Append, never edit.
var migrations = []string{
	`
CREATE TABLE accounts (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	email      TEXT NOT NULL,
	email_key  TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX accounts_email ON accounts (email_key) WHERE email_key <> '';

CREATE TABLE users (
	account_id TEXT NOT NULL REFERENCES accounts (id),
	name_key   TEXT NOT NULL,
	name       TEXT NOT NULL,
	path       TEXT NOT NULL,
	id         TEXT NOT NULL UNIQUE,
	arn        TEXT NOT NULL UNIQUE,
	boundary   TEXT NOT NULL,
	tags       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	PRIMARY KEY (account_id, name_key)
);

CREATE TABLE access_keys (
	id         TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts (id),
	user_key   TEXT NOT NULL,
	user_name  TEXT NOT NULL,
	secret     BLOB NOT NULL,
	status     TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX access_keys_owner ON access_keys (account_id, user_key);

CREATE TABLE roles (
	account_id           TEXT NOT NULL REFERENCES accounts (id),
	name_key             TEXT NOT NULL,
	name                 TEXT NOT NULL,
	path                 TEXT NOT NULL,
	id                   TEXT NOT NULL UNIQUE,
	arn                  TEXT NOT NULL UNIQUE,
	trust_policy         TEXT NOT NULL,
	description          TEXT NOT NULL,
	max_session_duration INTEGER NOT NULL,
	boundary             TEXT NOT NULL,
	tags                 TEXT NOT NULL,
	created_at           TEXT NOT NULL,
	PRIMARY KEY (account_id, name_key)
);

CREATE TABLE managed_policies (
	arn                TEXT PRIMARY KEY,
	account_id         TEXT NOT NULL,
	name_key           TEXT NOT NULL,
	name               TEXT NOT NULL,
	path               TEXT NOT NULL,
	id                 TEXT NOT NULL UNIQUE,
	description        TEXT NOT NULL,
	default_version_id TEXT NOT NULL,
	versions           TEXT NOT NULL,
	tags               TEXT NOT NULL,
	created_at         TEXT NOT NULL,
	UNIQUE (account_id, name_key)
);

CREATE TABLE inline_policies (
	account_id     TEXT NOT NULL,
	kind           TEXT NOT NULL,
	principal_key  TEXT NOT NULL,
	principal_name TEXT NOT NULL,
	name_key       TEXT NOT NULL,
	name           TEXT NOT NULL,
	document       TEXT NOT NULL,
	PRIMARY KEY (account_id, kind, principal_key, name_key)
);

CREATE TABLE attachments (
	account_id     TEXT NOT NULL,
	kind           TEXT NOT NULL,
	principal_key  TEXT NOT NULL,
	principal_name TEXT NOT NULL,
	policy_arn     TEXT NOT NULL REFERENCES managed_policies (arn),
	PRIMARY KEY (account_id, kind, principal_key, policy_arn)
);
CREATE INDEX attachments_policy ON attachments (policy_arn, account_id);

CREATE TABLE oidc_providers (
	arn         TEXT PRIMARY KEY,
	account_id  TEXT NOT NULL REFERENCES accounts (id),
	url         TEXT NOT NULL,
	client_ids  TEXT NOT NULL,
	thumbprints TEXT NOT NULL,
	tags        TEXT NOT NULL,
	created_at  TEXT NOT NULL
);
CREATE INDEX oidc_providers_account ON oidc_providers (account_id);
`,
	// 1 -> 2: member accounts name their management account. Accounts
	// made before it: every one but the earliest created is a member.
	`
ALTER TABLE accounts ADD COLUMN management_id TEXT NOT NULL DEFAULT '';
UPDATE accounts SET management_id = (SELECT id FROM accounts ORDER BY created_at, id LIMIT 1)
	WHERE id <> (SELECT id FROM accounts ORDER BY created_at, id LIMIT 1);
`,
	// 2 -> 3: the unique ids of the principals a trust policy names.
	`ALTER TABLE roles ADD COLUMN trust_ids TEXT NOT NULL DEFAULT '{}';`,
	// 3 -> 4: S3 buckets and object metadata (the bytes are blobs).
	`
CREATE TABLE buckets (
	name       TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts (id),
	region     TEXT NOT NULL,
	policy     TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX buckets_account ON buckets (account_id, name);

CREATE TABLE objects (
	bucket        TEXT NOT NULL REFERENCES buckets (name),
	key           TEXT NOT NULL,
	blob_id       TEXT NOT NULL,
	size          INTEGER NOT NULL,
	etag          TEXT NOT NULL,
	headers       TEXT NOT NULL,
	checksums     TEXT NOT NULL,
	tags          TEXT NOT NULL,
	last_modified TEXT NOT NULL,
	PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
CREATE INDEX objects_blob ON objects (blob_id);
`,
	// 4 -> 5: multipart uploads and their parts.
	`
CREATE TABLE uploads (
	id         TEXT PRIMARY KEY,
	bucket     TEXT NOT NULL REFERENCES buckets (name),
	key        TEXT NOT NULL,
	initiator  TEXT NOT NULL,
	account_id TEXT NOT NULL,
	headers    TEXT NOT NULL,
	checksum   TEXT NOT NULL,
	created_at TEXT NOT NULL
);
CREATE INDEX uploads_bucket ON uploads (bucket, key, created_at);

CREATE TABLE parts (
	upload_id     TEXT NOT NULL REFERENCES uploads (id),
	number        INTEGER NOT NULL,
	blob_id       TEXT NOT NULL,
	size          INTEGER NOT NULL,
	etag          TEXT NOT NULL,
	checksums     TEXT NOT NULL,
	last_modified TEXT NOT NULL,
	PRIMARY KEY (upload_id, number)
) WITHOUT ROWID;
CREATE INDEX parts_blob ON parts (blob_id);
`,
	// 5 -> 6: bucket policies bind the users and roles they name to their
	// unique ids, as trust policies do. The policies stored before are
	// bound to the entities their ARNs name now, and trust policies
	// stored before schema 3 too; an ARN that names nobody is bound to
	// "", which names nobody either.
	`
ALTER TABLE buckets ADD COLUMN policy_ids TEXT NOT NULL DEFAULT '{}';
UPDATE buckets SET policy_ids = (` + principalIDs("buckets.policy") + `) WHERE policy <> '';
UPDATE roles SET trust_ids = json_patch((` + principalIDs("roles.trust_policy") + `), trust_ids);
`,
	// 6 -> 7: EKS clusters, add-ons and Pod Identity associations. Each
	// record is a JSON document (the store's record as encoding/json
	// writes it) under the columns it is looked up by.
	`
CREATE TABLE eks_clusters (
	account_id TEXT NOT NULL REFERENCES accounts (id),
	name       TEXT NOT NULL,
	doc        TEXT NOT NULL,
	PRIMARY KEY (account_id, name)
) WITHOUT ROWID;

CREATE TABLE eks_addons (
	account_id TEXT NOT NULL,
	cluster    TEXT NOT NULL,
	name       TEXT NOT NULL,
	doc        TEXT NOT NULL,
	PRIMARY KEY (account_id, cluster, name),
	FOREIGN KEY (account_id, cluster) REFERENCES eks_clusters (account_id, name)
) WITHOUT ROWID;

CREATE TABLE eks_pod_identity_associations (
	id              TEXT PRIMARY KEY,
	account_id      TEXT NOT NULL,
	cluster         TEXT NOT NULL,
	namespace       TEXT NOT NULL,
	service_account TEXT NOT NULL,
	doc             TEXT NOT NULL,
	UNIQUE (account_id, cluster, namespace, service_account),
	FOREIGN KEY (account_id, cluster) REFERENCES eks_clusters (account_id, name)
) WITHOUT ROWID;
`,
	// 7 -> 8: EKS access entries, each with its associated access
	// policies, as a JSON document under the columns it is found by.
	`
CREATE TABLE eks_access_entries (
	account_id    TEXT NOT NULL,
	cluster       TEXT NOT NULL,
	principal_arn TEXT NOT NULL,
	doc           TEXT NOT NULL,
	PRIMARY KEY (account_id, cluster, principal_arn),
	FOREIGN KEY (account_id, cluster) REFERENCES eks_clusters (account_id, name)
) WITHOUT ROWID;
`,
	// 8 -> 9: a bucket's settings (tagging, versioning, encryption...),
	// a JSON object of subresource name to package s3's encoding.
	`ALTER TABLE buckets ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';`,
	// 9 -> 10: IAM instance profiles, each holding at most one role
	// (role_key, '' for none), as a JSON document.
	`
CREATE TABLE instance_profiles (
	account_id TEXT NOT NULL REFERENCES accounts (id),
	name_key   TEXT NOT NULL,
	id         TEXT NOT NULL UNIQUE,
	arn        TEXT NOT NULL UNIQUE,
	role_key   TEXT NOT NULL,
	doc        TEXT NOT NULL,
	PRIMARY KEY (account_id, name_key)
) WITHOUT ROWID;
CREATE INDEX instance_profiles_role ON instance_profiles (account_id, role_key) WHERE role_key <> '';
`,
	// 10 -> 11: an account's S3 settings (its block public access), each
	// in package s3's encoding.
	`
CREATE TABLE account_settings (
	account_id TEXT NOT NULL REFERENCES accounts (id),
	name       TEXT NOT NULL,
	value      TEXT NOT NULL,
	PRIMARY KEY (account_id, name)
) WITHOUT ROWID;
`,
	// 11 -> 12: object versions. objects keeps the current version of each
	// key (which may now be a delete marker); object_versions the
	// noncurrent ones of versioned buckets, with when each stopped being
	// current. Rows of buckets never versioned are unchanged.
	`
ALTER TABLE objects ADD COLUMN version_id TEXT NOT NULL DEFAULT '';
ALTER TABLE objects ADD COLUMN null_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE objects ADD COLUMN delete_marker INTEGER NOT NULL DEFAULT 0;

CREATE TABLE object_versions (
	bucket           TEXT NOT NULL REFERENCES buckets (name),
	key              TEXT NOT NULL,
	blob_id          TEXT NOT NULL,
	size             INTEGER NOT NULL,
	etag             TEXT NOT NULL,
	headers          TEXT NOT NULL,
	checksums        TEXT NOT NULL,
	tags             TEXT NOT NULL,
	last_modified    TEXT NOT NULL,
	version_id       TEXT NOT NULL,
	null_version     INTEGER NOT NULL,
	delete_marker    INTEGER NOT NULL,
	noncurrent_since TEXT NOT NULL,
	PRIMARY KEY (bucket, key, version_id)
) WITHOUT ROWID;
CREATE INDEX object_versions_blob ON object_versions (blob_id);
`,
}

// principalIDs is part of migration 6: never edit it. It is a query of
// the ids object (ARN to unique id, "" for none) of the user and role
// ARNs that the Principal and NotPrincipal elements of the policy in
// column doc name under "AWS".
func principalIDs(doc string) string {
	return `SELECT json_group_object(v, coalesce((SELECT id FROM users WHERE arn = v), (SELECT id FROM roles WHERE arn = v), ''))
	FROM (SELECT DISTINCT value AS v FROM json_tree(` + doc + `)
		WHERE type = 'text'
		AND (fullkey GLOB '$.Statement*Principal.AWS' OR fullkey GLOB '$.Statement*Principal.AWS[[]*]')
		AND (value GLOB 'arn:*:iam::*:user/*' OR value GLOB 'arn:*:iam::*:role/*') AND value NOT GLOB '*/')`
}

// migrate brings the schema of db up to the latest version, each step in
// its own transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	for {
		done, err := migrateStep(ctx, db)
		if err != nil || done {
			return err
		}
	}
}

// migrateStep applies the next migration, or reports that none is left.
func migrateStep(ctx context.Context, db *sql.DB) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&version); err != nil {
		return false, fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case version > len(migrations):
		return false, fmt.Errorf("schema version %d is newer than this podiam knows (%d)", version, len(migrations))
	case version == len(migrations):
		return true, nil
	}
	if _, err := tx.ExecContext(ctx, migrations[version]); err != nil {
		return false, fmt.Errorf("migrate schema to version %d: %w", version+1, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
		return false, fmt.Errorf("migrate schema to version %d: %w", version+1, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, version+1); err != nil {
		return false, fmt.Errorf("migrate schema to version %d: %w", version+1, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migrate schema to version %d: %w", version+1, err)
	}
	return false, nil
}
