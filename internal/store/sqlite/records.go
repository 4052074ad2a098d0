package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"maps"

	"github.com/podiam/podiam/internal/store"
)

// absent returns store.ErrAlreadyExists if query finds a row.
func absent(ctx context.Context, tx *sql.Tx, what, name, query string, args ...any) error {
	found, err := exists(ctx, tx, query, args...)
	if err != nil {
		return fmt.Errorf("%s %q: %w", what, name, err)
	}
	if found {
		return fmt.Errorf("%s %q: %w", what, name, store.ErrAlreadyExists)
	}
	return nil
}

// present returns store.ErrNotFound unless query finds a row.
func present(ctx context.Context, tx *sql.Tx, what, name, query string, args ...any) error {
	found, err := exists(ctx, tx, query, args...)
	if err != nil {
		return fmt.Errorf("%s %q: %w", what, name, err)
	}
	if !found {
		return fmt.Errorf("%s %q: %w", what, name, store.ErrNotFound)
	}
	return nil
}

func accountPresent(ctx context.Context, tx *sql.Tx, what, id string) error {
	return present(ctx, tx, what+": account", id, `SELECT 1 FROM accounts WHERE id = ?`, id)
}

// principalTables are the tables of the principal kinds.
var principalTables = map[store.PrincipalKind]string{
	store.PrincipalUser: "users",
	store.PrincipalRole: "roles",
}

// principal returns p as stored, with its name's case, or ErrNotFound.
func principal(ctx context.Context, tx querier, what string, p store.Principal) (store.Principal, error) {
	table, ok := principalTables[p.Kind]
	if !ok {
		return store.Principal{}, fmt.Errorf("%s: principal kind %q: %w", what, p.Kind, store.ErrNotFound)
	}
	out := store.Principal{AccountID: p.AccountID, Kind: p.Kind}
	err := tx.QueryRowContext(ctx, `SELECT name FROM `+table+` WHERE account_id = ? AND name_key = ?`,
		p.AccountID, store.FoldName(p.Name)).Scan(&out.Name)
	return out, one(err, what+": "+string(p.Kind), p.Name)
}

// Accounts

const accountCols = `id, name, email, management_id, created_at`

func scanAccount(s scanner) (store.Account, error) {
	var a store.Account
	var created string
	if err := s.Scan(&a.ID, &a.Name, &a.Email, &a.ManagementAccountID, &created); err != nil {
		return store.Account{}, err
	}
	var err error
	a.CreatedAt, err = parseTime(created)
	return a, err
}

func (db *DB) CreateAccount(ctx context.Context, a store.Account) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		if err := absent(ctx, tx, "create account", a.ID, `SELECT 1 FROM accounts WHERE id = ?`, a.ID); err != nil {
			return err
		}
		if a.Email != "" {
			if err := absent(ctx, tx, "create account with email", a.Email,
				`SELECT 1 FROM accounts WHERE email_key = ?`, store.FoldName(a.Email)); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, name, email, email_key, management_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			a.ID, a.Name, a.Email, store.FoldName(a.Email), a.ManagementAccountID, timeText(a.CreatedAt))
		return err
	})
}

func (db *DB) GetAccount(ctx context.Context, id string) (a store.Account, err error) {
	a, err = scanAccount(db.reads.QueryRowContext(ctx, `SELECT `+accountCols+` FROM accounts WHERE id = ?`, id))
	err = one(err, "get account", id)
	return result(a, err)
}

func (db *DB) ListAccounts(ctx context.Context) (out []store.Account, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		out, err = list(ctx, tx, scanAccount, `SELECT `+accountCols+` FROM accounts ORDER BY id`)
		return err
	})
	return result(out, err)
}

// Users

const userCols = `account_id, name, path, id, arn, boundary, tags, created_at`

func scanUser(s scanner) (store.User, error) {
	var u store.User
	var tags, created string
	if err := s.Scan(&u.AccountID, &u.Name, &u.Path, &u.ID, &u.ARN, &u.PermissionsBoundaryARN, &tags, &created); err != nil {
		return store.User{}, err
	}
	var err error
	if u.Tags, err = parseTags(tags); err != nil {
		return store.User{}, err
	}
	u.CreatedAt, err = parseTime(created)
	return u, err
}

func getUser(ctx context.Context, tx querier, what, accountID, name string) (store.User, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE account_id = ? AND name_key = ?`,
		accountID, store.FoldName(name)))
	return u, one(err, what, name)
}

func (db *DB) CreateUser(ctx context.Context, u store.User) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		if err := accountPresent(ctx, tx, "create user", u.AccountID); err != nil {
			return err
		}
		if err := absent(ctx, tx, "create user", u.Name, `SELECT 1 FROM users WHERE account_id = ? AND name_key = ?`,
			u.AccountID, store.FoldName(u.Name)); err != nil {
			return err
		}
		if err := absent(ctx, tx, "create user with id or ARN", u.ARN, `SELECT 1 FROM users WHERE id = ? OR arn = ?`,
			u.ID, u.ARN); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO users (account_id, name_key, name, path, id, arn, boundary, tags, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.AccountID, store.FoldName(u.Name), u.Name, u.Path, u.ID, u.ARN, u.PermissionsBoundaryARN,
			tagsText(u.Tags), timeText(u.CreatedAt))
		return err
	})
}

func (db *DB) GetUser(ctx context.Context, accountID, name string) (u store.User, err error) {
	u, err = getUser(ctx, db.reads, "get user", accountID, name)
	return result(u, err)
}

func (db *DB) ListUsers(ctx context.Context, accountID, pathPrefix string) (out []store.User, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		out, err = list(ctx, tx, scanUser, `SELECT `+userCols+` FROM users
			WHERE account_id = ? AND substr(path, 1, length(?2)) = ?2 ORDER BY name`, accountID, pathPrefix)
		return err
	})
	return result(out, err)
}

func (db *DB) UpdateUser(ctx context.Context, accountID, name string, update func(*store.User) error) (u store.User, err error) {
	err = db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		old, err := getUser(ctx, tx, "update user", accountID, name)
		if err != nil {
			return err
		}
		u = old
		u.Tags = append([]store.Tag(nil), old.Tags...)
		if err := update(&u); err != nil {
			return err
		}
		if err := store.CheckUpdate(&old, &u); err != nil {
			return fmt.Errorf("update user %q: %w", name, err)
		}
		oldKey, newKey := store.FoldName(old.Name), store.FoldName(u.Name)
		if newKey != oldKey {
			if err := absent(ctx, tx, "rename user to", u.Name, `SELECT 1 FROM users WHERE account_id = ? AND name_key = ?`,
				accountID, newKey); err != nil {
				return err
			}
		}
		if u.ARN != old.ARN {
			if err := absent(ctx, tx, "rename user to ARN", u.ARN, `SELECT 1 FROM users WHERE arn = ?`, u.ARN); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name_key = ?, name = ?, path = ?, arn = ?, boundary = ?, tags = ?
			WHERE account_id = ? AND name_key = ?`,
			newKey, u.Name, u.Path, u.ARN, u.PermissionsBoundaryARN, tagsText(u.Tags), accountID, oldKey); err != nil {
			return err
		}
		if u.Name != old.Name {
			if err := renameUser(ctx, tx, accountID, oldKey, u.Name); err != nil {
				return err
			}
		}
		u, err = getUser(ctx, tx, "update user", accountID, u.Name)
		return err
	})
	return result(u, err)
}

// renameUser moves a user's keys and policies to its new name.
func renameUser(ctx context.Context, tx *sql.Tx, accountID, oldKey, newName string) error {
	for _, q := range []string{
		`UPDATE access_keys SET user_key = ?1, user_name = ?2 WHERE account_id = ?3 AND user_key = ?4`,
		`UPDATE inline_policies SET principal_key = ?1, principal_name = ?2 WHERE account_id = ?3 AND kind = 'user' AND principal_key = ?4`,
		`UPDATE attachments SET principal_key = ?1, principal_name = ?2 WHERE account_id = ?3 AND kind = 'user' AND principal_key = ?4`,
	} {
		if _, err := tx.ExecContext(ctx, q, store.FoldName(newName), newName, accountID, oldKey); err != nil {
			return err
		}
	}
	return nil
}

// inUse returns ErrDeleteConflict if a principal still has policies or
// access keys.
func inUse(ctx context.Context, tx *sql.Tx, what string, p store.Principal) error {
	key := store.FoldName(p.Name)
	queries := []string{
		`SELECT 1 FROM inline_policies WHERE account_id = ?1 AND kind = ?2 AND principal_key = ?3`,
		`SELECT 1 FROM attachments WHERE account_id = ?1 AND kind = ?2 AND principal_key = ?3`,
	}
	if p.Kind == store.PrincipalUser {
		queries = append(queries, `SELECT 1 FROM access_keys WHERE account_id = ?1 AND ?2 = 'user' AND user_key = ?3`)
	}
	if p.Kind == store.PrincipalRole {
		queries = append(queries, `SELECT 1 FROM instance_profiles WHERE account_id = ?1 AND ?2 = 'role' AND role_key = ?3`)
	}
	for _, q := range queries {
		found, err := exists(ctx, tx, q, p.AccountID, string(p.Kind), key)
		if err != nil {
			return fmt.Errorf("%s %q: %w", what, p.Name, err)
		}
		if found {
			return fmt.Errorf("%s %q: %w", what, p.Name, store.ErrDeleteConflict)
		}
	}
	return nil
}

func (db *DB) DeleteUser(ctx context.Context, accountID, name string) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		p, err := principal(ctx, tx, "delete user", store.Principal{AccountID: accountID, Kind: store.PrincipalUser, Name: name})
		if err != nil {
			return err
		}
		if err := inUse(ctx, tx, "delete user", p); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM users WHERE account_id = ? AND name_key = ?`, accountID, store.FoldName(name))
		return err
	})
}

// Access keys

const keyCols = `account_id, user_name, id, secret, status, created_at`

func scanKey(s scanner) (store.AccessKey, error) {
	var k store.AccessKey
	var created string
	if err := s.Scan(&k.AccountID, &k.UserName, &k.ID, &k.SecretCiphertext, &k.Status, &created); err != nil {
		return store.AccessKey{}, err
	}
	if len(k.SecretCiphertext) == 0 {
		k.SecretCiphertext = nil
	}
	var err error
	k.CreatedAt, err = parseTime(created)
	return k, err
}

// keyOwner returns the stored name of a key's user ("" for the root) or
// ErrNotFound.
func keyOwner(ctx context.Context, tx *sql.Tx, what, accountID, userName string) (string, error) {
	if userName == "" {
		return "", accountPresent(ctx, tx, what, accountID)
	}
	p, err := principal(ctx, tx, what, store.Principal{AccountID: accountID, Kind: store.PrincipalUser, Name: userName})
	return p.Name, err
}

func (db *DB) CreateAccessKey(ctx context.Context, k store.AccessKey, limit int) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		owner, err := keyOwner(ctx, tx, "create access key", k.AccountID, k.UserName)
		if err != nil {
			return err
		}
		if err := absent(ctx, tx, "create access key", k.ID, `SELECT 1 FROM access_keys WHERE id = ?`, k.ID); err != nil {
			return err
		}
		if limit > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM access_keys WHERE account_id = ? AND user_key = ?`,
				k.AccountID, store.FoldName(owner)).Scan(&n); err != nil {
				return err
			}
			if n >= limit {
				return fmt.Errorf("create access key for %q: %w", owner, store.ErrLimitExceeded)
			}
		}
		secret := k.SecretCiphertext
		if secret == nil {
			secret = []byte{}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO access_keys (id, account_id, user_key, user_name, secret, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			k.ID, k.AccountID, store.FoldName(owner), owner, secret, string(k.Status), timeText(k.CreatedAt))
		return err
	})
}

func getKey(ctx context.Context, tx querier, what, id string) (store.AccessKey, error) {
	k, err := scanKey(tx.QueryRowContext(ctx, `SELECT `+keyCols+` FROM access_keys WHERE id = ?`, id))
	return k, one(err, what, id)
}

func (db *DB) GetAccessKey(ctx context.Context, id string) (k store.AccessKey, err error) {
	k, err = getKey(ctx, db.reads, "get access key", id)
	return result(k, err)
}

func (db *DB) ListAccessKeys(ctx context.Context, accountID, userName string) (out []store.AccessKey, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		if _, err := keyOwner(ctx, tx, "list access keys", accountID, userName); err != nil {
			return err
		}
		out, err = list(ctx, tx, scanKey, `SELECT `+keyCols+` FROM access_keys WHERE account_id = ? AND user_key = ? ORDER BY id`,
			accountID, store.FoldName(userName))
		return err
	})
	return result(out, err)
}

func (db *DB) UpdateAccessKey(ctx context.Context, id string, update func(*store.AccessKey) error) (k store.AccessKey, err error) {
	err = db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		old, err := getKey(ctx, tx, "update access key", id)
		if err != nil {
			return err
		}
		k = old
		k.SecretCiphertext = append([]byte(nil), old.SecretCiphertext...)
		if err := update(&k); err != nil {
			return err
		}
		if err := store.CheckUpdate(&old, &k); err != nil {
			return fmt.Errorf("update access key %q: %w", id, err)
		}
		secret := k.SecretCiphertext
		if secret == nil {
			secret = []byte{}
		}
		if _, err = tx.ExecContext(ctx, `UPDATE access_keys SET secret = ?, status = ? WHERE id = ?`, secret, string(k.Status), id); err != nil {
			return err
		}
		k, err = getKey(ctx, tx, "update access key", id)
		return err
	})
	return result(k, err)
}

func (db *DB) DeleteAccessKey(ctx context.Context, id string) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		if err := present(ctx, tx, "delete access key", id, `SELECT 1 FROM access_keys WHERE id = ?`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM access_keys WHERE id = ?`, id)
		return err
	})
}

// Roles

const roleCols = `account_id, name, path, id, arn, trust_policy, description, max_session_duration, boundary, tags, trust_ids, created_at`

func scanRole(s scanner) (store.Role, error) {
	var r store.Role
	var tags, ids, created string
	if err := s.Scan(&r.AccountID, &r.Name, &r.Path, &r.ID, &r.ARN, &r.AssumeRolePolicyDocument, &r.Description,
		&r.MaxSessionDuration, &r.PermissionsBoundaryARN, &tags, &ids, &created); err != nil {
		return store.Role{}, err
	}
	var err error
	if r.Tags, err = parseTags(tags); err != nil {
		return store.Role{}, err
	}
	if r.TrustPrincipalIDs, err = parseIDs(ids); err != nil {
		return store.Role{}, err
	}
	r.CreatedAt, err = parseTime(created)
	return r, err
}

func getRole(ctx context.Context, tx querier, what, accountID, name string) (store.Role, error) {
	r, err := scanRole(tx.QueryRowContext(ctx, `SELECT `+roleCols+` FROM roles WHERE account_id = ? AND name_key = ?`,
		accountID, store.FoldName(name)))
	return r, one(err, what, name)
}

func (db *DB) CreateRole(ctx context.Context, r store.Role) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		if err := accountPresent(ctx, tx, "create role", r.AccountID); err != nil {
			return err
		}
		if err := absent(ctx, tx, "create role", r.Name, `SELECT 1 FROM roles WHERE account_id = ? AND name_key = ?`,
			r.AccountID, store.FoldName(r.Name)); err != nil {
			return err
		}
		if err := absent(ctx, tx, "create role with id or ARN", r.ARN, `SELECT 1 FROM roles WHERE id = ? OR arn = ?`,
			r.ID, r.ARN); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO roles (account_id, name_key, name, path, id, arn, trust_policy, description,
			max_session_duration, boundary, tags, trust_ids, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.AccountID, store.FoldName(r.Name), r.Name, r.Path, r.ID, r.ARN, r.AssumeRolePolicyDocument, r.Description,
			r.MaxSessionDuration, r.PermissionsBoundaryARN, tagsText(r.Tags), idsText(r.TrustPrincipalIDs), timeText(r.CreatedAt))
		return err
	})
}

func (db *DB) GetRole(ctx context.Context, accountID, name string) (r store.Role, err error) {
	r, err = getRole(ctx, db.reads, "get role", accountID, name)
	return result(r, err)
}

func (db *DB) ListRoles(ctx context.Context, accountID, pathPrefix string) (out []store.Role, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		out, err = list(ctx, tx, scanRole, `SELECT `+roleCols+` FROM roles
			WHERE account_id = ? AND substr(path, 1, length(?2)) = ?2 ORDER BY name`, accountID, pathPrefix)
		return err
	})
	return result(out, err)
}

func (db *DB) UpdateRole(ctx context.Context, accountID, name string, update func(*store.Role) error) (r store.Role, err error) {
	err = db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		old, err := getRole(ctx, tx, "update role", accountID, name)
		if err != nil {
			return err
		}
		r = old
		r.Tags = append([]store.Tag(nil), old.Tags...)
		r.TrustPrincipalIDs = maps.Clone(old.TrustPrincipalIDs)
		if err := update(&r); err != nil {
			return err
		}
		if err := store.CheckUpdate(&old, &r); err != nil {
			return fmt.Errorf("update role %q: %w", name, err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE roles SET trust_policy = ?, description = ?, max_session_duration = ?,
			boundary = ?, tags = ?, trust_ids = ? WHERE account_id = ? AND name_key = ?`,
			r.AssumeRolePolicyDocument, r.Description, r.MaxSessionDuration, r.PermissionsBoundaryARN, tagsText(r.Tags),
			idsText(r.TrustPrincipalIDs), accountID, store.FoldName(name))
		if err != nil {
			return err
		}
		r, err = getRole(ctx, tx, "update role", accountID, name)
		return err
	})
	return result(r, err)
}

func (db *DB) DeleteRole(ctx context.Context, accountID, name string) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		p, err := principal(ctx, tx, "delete role", store.Principal{AccountID: accountID, Kind: store.PrincipalRole, Name: name})
		if err != nil {
			return err
		}
		if err := inUse(ctx, tx, "delete role", p); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM roles WHERE account_id = ? AND name_key = ?`, accountID, store.FoldName(name))
		return err
	})
}

// Managed policies

// policyCols reads a policy with its attachment count in account ?1.
const policyCols = `p.account_id, p.name, p.path, p.id, p.arn, p.description, p.default_version_id, p.versions, p.tags,
	p.created_at, (SELECT count(*) FROM attachments a WHERE a.policy_arn = p.arn AND a.account_id = ?1)`

func scanPolicy(s scanner) (store.ManagedPolicy, error) {
	var p store.ManagedPolicy
	var versions, tags, created string
	if err := s.Scan(&p.AccountID, &p.Name, &p.Path, &p.ID, &p.ARN, &p.Description, &p.DefaultVersionID, &versions,
		&tags, &created, &p.AttachmentCount); err != nil {
		return store.ManagedPolicy{}, err
	}
	var err error
	if p.Versions, err = parseVersions(versions); err != nil {
		return store.ManagedPolicy{}, err
	}
	if p.Tags, err = parseTags(tags); err != nil {
		return store.ManagedPolicy{}, err
	}
	p.CreatedAt, err = parseTime(created)
	return p, err
}

// visiblePolicy returns a policy the account may read: its own or an
// AWS-managed one.
func visiblePolicy(ctx context.Context, tx querier, what, accountID, arn string) (store.ManagedPolicy, error) {
	p, err := scanPolicy(tx.QueryRowContext(ctx, `SELECT `+policyCols+` FROM managed_policies p
		WHERE p.arn = ?2 AND (p.account_id = ?1 OR p.account_id = '')`, accountID, arn))
	return p, one(err, what, arn)
}

// ownPolicy returns a policy of the account ("" for AWS-managed).
func ownPolicy(ctx context.Context, tx querier, what, accountID, arn string) (store.ManagedPolicy, error) {
	p, err := scanPolicy(tx.QueryRowContext(ctx, `SELECT `+policyCols+` FROM managed_policies p
		WHERE p.arn = ?2 AND p.account_id = ?1`, accountID, arn))
	return p, one(err, what, arn)
}

func (db *DB) CreateManagedPolicy(ctx context.Context, p store.ManagedPolicy) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		if p.AccountID != "" {
			if err := accountPresent(ctx, tx, "create policy", p.AccountID); err != nil {
				return err
			}
		}
		if err := absent(ctx, tx, "create policy", p.ARN, `SELECT 1 FROM managed_policies
			WHERE arn = ? OR id = ? OR (account_id = ? AND name_key = ?)`,
			p.ARN, p.ID, p.AccountID, store.FoldName(p.Name)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO managed_policies (arn, account_id, name_key, name, path, id, description,
			default_version_id, versions, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ARN, p.AccountID, store.FoldName(p.Name), p.Name, p.Path, p.ID, p.Description, p.DefaultVersionID,
			versionsText(p.Versions), tagsText(p.Tags), timeText(p.CreatedAt))
		return err
	})
}

func (db *DB) GetManagedPolicy(ctx context.Context, accountID, arn string) (p store.ManagedPolicy, err error) {
	p, err = visiblePolicy(ctx, db.reads, "get policy", accountID, arn)
	return result(p, err)
}

func (db *DB) ListManagedPolicies(ctx context.Context, accountID string, f store.PolicyFilter) (out []store.ManagedPolicy, err error) {
	query := `SELECT ` + policyCols + ` FROM managed_policies p
		WHERE (p.account_id = ?1 OR p.account_id = '') AND substr(p.path, 1, length(?2)) = ?2`
	switch f.Scope {
	case store.ScopeAWS:
		query += ` AND p.account_id = ''`
	case store.ScopeLocal:
		query += ` AND p.account_id <> ''`
	}
	if f.OnlyAttached {
		query += ` AND EXISTS (SELECT 1 FROM attachments a WHERE a.policy_arn = p.arn AND a.account_id = ?1)`
	}
	query += ` ORDER BY p.name, p.arn`
	err = db.read(ctx, func(tx *sql.Tx) error {
		out, err = list(ctx, tx, scanPolicy, query, accountID, f.PathPrefix)
		return err
	})
	return result(out, err)
}

func (db *DB) UpdateManagedPolicy(ctx context.Context, accountID, arn string, update func(*store.ManagedPolicy) error) (p store.ManagedPolicy, err error) {
	err = db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		old, err := ownPolicy(ctx, tx, "update policy", accountID, arn)
		if err != nil {
			return err
		}
		p = old
		p.Tags = append([]store.Tag(nil), old.Tags...)
		p.Versions = append([]store.PolicyVersion(nil), old.Versions...)
		if err := update(&p); err != nil {
			return err
		}
		if err := store.CheckUpdate(&old, &p); err != nil {
			return fmt.Errorf("update policy %q: %w", arn, err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE managed_policies SET description = ?, default_version_id = ?, versions = ?, tags = ?
			WHERE arn = ?`, p.Description, p.DefaultVersionID, versionsText(p.Versions), tagsText(p.Tags), arn)
		if err != nil {
			return err
		}
		p, err = ownPolicy(ctx, tx, "update policy", accountID, arn)
		return err
	})
	return result(p, err)
}

func (db *DB) DeleteManagedPolicy(ctx context.Context, accountID, arn string) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		if _, err := ownPolicy(ctx, tx, "delete policy", accountID, arn); err != nil {
			return err
		}
		found, err := exists(ctx, tx, `SELECT 1 FROM attachments WHERE policy_arn = ?`, arn)
		if err != nil {
			return err
		}
		if found {
			return fmt.Errorf("delete policy %q: %w", arn, store.ErrDeleteConflict)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM managed_policies WHERE arn = ?`, arn)
		return err
	})
}

// Inline policies

const inlineCols = `account_id, kind, principal_name, name, document`

func scanInline(s scanner) (store.InlinePolicy, error) {
	var p store.InlinePolicy
	err := s.Scan(&p.Principal.AccountID, &p.Principal.Kind, &p.Principal.Name, &p.Name, &p.Document)
	return p, err
}

func (db *DB) PutInlinePolicy(ctx context.Context, p store.InlinePolicy) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		pr, err := principal(ctx, tx, "put inline policy", p.Principal)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO inline_policies (account_id, kind, principal_key, principal_name, name_key,
			name, document) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id, kind, principal_key, name_key) DO UPDATE SET document = excluded.document`,
			pr.AccountID, string(pr.Kind), store.FoldName(pr.Name), pr.Name, store.FoldName(p.Name), p.Name, p.Document)
		return err
	})
}

func (db *DB) GetInlinePolicy(ctx context.Context, pr store.Principal, name string) (p store.InlinePolicy, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		p, err = scanInline(tx.QueryRowContext(ctx, `SELECT `+inlineCols+` FROM inline_policies
			WHERE account_id = ? AND kind = ? AND principal_key = ? AND name_key = ?`,
			pr.AccountID, string(pr.Kind), store.FoldName(pr.Name), store.FoldName(name)))
		return one(err, "get inline policy", name)
	})
	return result(p, err)
}

func (db *DB) ListInlinePolicies(ctx context.Context, pr store.Principal) (out []store.InlinePolicy, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		if _, err := principal(ctx, tx, "list inline policies", pr); err != nil {
			return err
		}
		out, err = list(ctx, tx, scanInline, `SELECT `+inlineCols+` FROM inline_policies
			WHERE account_id = ? AND kind = ? AND principal_key = ? ORDER BY name`,
			pr.AccountID, string(pr.Kind), store.FoldName(pr.Name))
		return err
	})
	return result(out, err)
}

func (db *DB) DeleteInlinePolicy(ctx context.Context, pr store.Principal, name string) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		const where = ` FROM inline_policies WHERE account_id = ? AND kind = ? AND principal_key = ? AND name_key = ?`
		args := []any{pr.AccountID, string(pr.Kind), store.FoldName(pr.Name), store.FoldName(name)}
		if err := present(ctx, tx, "delete inline policy", name, `SELECT 1`+where, args...); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE`+where, args...)
		return err
	})
}

// Attachments

const attachmentCols = `account_id, kind, principal_name, policy_arn`

func scanAttachment(s scanner) (store.Attachment, error) {
	var a store.Attachment
	err := s.Scan(&a.Principal.AccountID, &a.Principal.Kind, &a.Principal.Name, &a.PolicyARN)
	return a, err
}

func (db *DB) AttachPolicy(ctx context.Context, a store.Attachment, limit int) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		pr, err := principal(ctx, tx, "attach policy", a.Principal)
		if err != nil {
			return err
		}
		if _, err := visiblePolicy(ctx, tx, "attach policy", pr.AccountID, a.PolicyARN); err != nil {
			return err
		}
		key := store.FoldName(pr.Name)
		if err := absent(ctx, tx, "attach policy", a.PolicyARN, `SELECT 1 FROM attachments
			WHERE account_id = ? AND kind = ? AND principal_key = ? AND policy_arn = ?`,
			pr.AccountID, string(pr.Kind), key, a.PolicyARN); err != nil {
			return err
		}
		if limit > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM attachments WHERE account_id = ? AND kind = ? AND principal_key = ?`,
				pr.AccountID, string(pr.Kind), key).Scan(&n); err != nil {
				return err
			}
			if n >= limit {
				return fmt.Errorf("attach policy to %q: %w", pr.Name, store.ErrLimitExceeded)
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO attachments (account_id, kind, principal_key, principal_name, policy_arn)
			VALUES (?, ?, ?, ?, ?)`, pr.AccountID, string(pr.Kind), key, pr.Name, a.PolicyARN)
		return err
	})
}

func (db *DB) DetachPolicy(ctx context.Context, a store.Attachment) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		const where = ` FROM attachments WHERE account_id = ? AND kind = ? AND principal_key = ? AND policy_arn = ?`
		args := []any{a.Principal.AccountID, string(a.Principal.Kind), store.FoldName(a.Principal.Name), a.PolicyARN}
		if err := present(ctx, tx, "detach policy", a.PolicyARN, `SELECT 1`+where, args...); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE`+where, args...)
		return err
	})
}

func (db *DB) ListAttachedPolicies(ctx context.Context, pr store.Principal) (out []store.Attachment, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		if _, err := principal(ctx, tx, "list attached policies", pr); err != nil {
			return err
		}
		out, err = list(ctx, tx, scanAttachment, `SELECT `+attachmentCols+` FROM attachments
			WHERE account_id = ? AND kind = ? AND principal_key = ? ORDER BY policy_arn`,
			pr.AccountID, string(pr.Kind), store.FoldName(pr.Name))
		return err
	})
	return result(out, err)
}

func (db *DB) ListEntitiesForPolicy(ctx context.Context, accountID, arn string) (out []store.Attachment, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		if _, err := visiblePolicy(ctx, tx, "list entities for policy", accountID, arn); err != nil {
			return err
		}
		out, err = list(ctx, tx, scanAttachment, `SELECT `+attachmentCols+` FROM attachments
			WHERE account_id = ? AND policy_arn = ? ORDER BY kind, principal_name`, accountID, arn)
		return err
	})
	return result(out, err)
}

// OIDC providers

const oidcCols = `account_id, url, arn, client_ids, thumbprints, tags, created_at`

func scanOIDC(s scanner) (store.OIDCProvider, error) {
	var p store.OIDCProvider
	var clientIDs, thumbprints, tags, created string
	if err := s.Scan(&p.AccountID, &p.URL, &p.ARN, &clientIDs, &thumbprints, &tags, &created); err != nil {
		return store.OIDCProvider{}, err
	}
	var err error
	if p.ClientIDs, err = parseStrings(clientIDs); err != nil {
		return store.OIDCProvider{}, err
	}
	if p.Thumbprints, err = parseStrings(thumbprints); err != nil {
		return store.OIDCProvider{}, err
	}
	if p.Tags, err = parseTags(tags); err != nil {
		return store.OIDCProvider{}, err
	}
	p.CreatedAt, err = parseTime(created)
	return p, err
}

func getOIDC(ctx context.Context, tx querier, what, arn string) (store.OIDCProvider, error) {
	p, err := scanOIDC(tx.QueryRowContext(ctx, `SELECT `+oidcCols+` FROM oidc_providers WHERE arn = ?`, arn))
	return p, one(err, what, arn)
}

func (db *DB) CreateOIDCProvider(ctx context.Context, p store.OIDCProvider) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		if err := accountPresent(ctx, tx, "create OIDC provider", p.AccountID); err != nil {
			return err
		}
		if err := absent(ctx, tx, "create OIDC provider", p.ARN, `SELECT 1 FROM oidc_providers WHERE arn = ?`, p.ARN); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_providers (arn, account_id, url, client_ids, thumbprints, tags, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, p.ARN, p.AccountID, p.URL, stringsText(p.ClientIDs), stringsText(p.Thumbprints),
			tagsText(p.Tags), timeText(p.CreatedAt))
		return err
	})
}

func (db *DB) GetOIDCProvider(ctx context.Context, arn string) (p store.OIDCProvider, err error) {
	p, err = getOIDC(ctx, db.reads, "get OIDC provider", arn)
	return result(p, err)
}

func (db *DB) ListOIDCProviders(ctx context.Context, accountID string) (out []store.OIDCProvider, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		out, err = list(ctx, tx, scanOIDC, `SELECT `+oidcCols+` FROM oidc_providers WHERE account_id = ? ORDER BY arn`, accountID)
		return err
	})
	return result(out, err)
}

func (db *DB) UpdateOIDCProvider(ctx context.Context, arn string, update func(*store.OIDCProvider) error) (p store.OIDCProvider, err error) {
	err = db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		old, err := getOIDC(ctx, tx, "update OIDC provider", arn)
		if err != nil {
			return err
		}
		p = old
		p.ClientIDs = append([]string(nil), old.ClientIDs...)
		p.Thumbprints = append([]string(nil), old.Thumbprints...)
		p.Tags = append([]store.Tag(nil), old.Tags...)
		if err := update(&p); err != nil {
			return err
		}
		if err := store.CheckUpdate(&old, &p); err != nil {
			return fmt.Errorf("update OIDC provider %q: %w", arn, err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE oidc_providers SET client_ids = ?, thumbprints = ?, tags = ? WHERE arn = ?`,
			stringsText(p.ClientIDs), stringsText(p.Thumbprints), tagsText(p.Tags), arn)
		if err != nil {
			return err
		}
		p, err = getOIDC(ctx, tx, "update OIDC provider", arn)
		return err
	})
	return result(p, err)
}

func (db *DB) DeleteOIDCProvider(ctx context.Context, arn string) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		if err := present(ctx, tx, "delete OIDC provider", arn, `SELECT 1 FROM oidc_providers WHERE arn = ?`, arn); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM oidc_providers WHERE arn = ?`, arn)
		return err
	})
}
