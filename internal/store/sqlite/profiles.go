package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/podiam/podiam/internal/store"
)

// Instance profiles: each row keeps its record as a JSON document beside
// the columns it is found by; role_key is the folded name of its role.

func fixProfile(p *store.InstanceProfile) {
	p.CreatedAt, p.Tags = p.CreatedAt.UTC(), nilIfEmpty(p.Tags)
}

var scanProfile = scanDoc(fixProfile)

func getProfile(ctx context.Context, tx querier, what, accountID, name string) (store.InstanceProfile, error) {
	p, err := scanProfile(tx.QueryRowContext(ctx, `SELECT doc FROM instance_profiles WHERE account_id = ? AND name_key = ?`,
		accountID, store.FoldName(name)))
	return p, one(err, what, name)
}

// profileRole returns the stored name of the role a profile is to hold,
// or ErrNotFound; "" stays "".
func profileRole(ctx context.Context, tx *sql.Tx, what, accountID, roleName string) (string, error) {
	if roleName == "" {
		return "", nil
	}
	p, err := principal(ctx, tx, what, store.Principal{AccountID: accountID, Kind: store.PrincipalRole, Name: roleName})
	return p.Name, err
}

func (db *DB) CreateInstanceProfile(ctx context.Context, p store.InstanceProfile) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		if err := accountPresent(ctx, tx, "create instance profile", p.AccountID); err != nil {
			return err
		}
		if err := absent(ctx, tx, "create instance profile", p.Name, `SELECT 1 FROM instance_profiles WHERE account_id = ? AND name_key = ?`,
			p.AccountID, store.FoldName(p.Name)); err != nil {
			return err
		}
		if err := absent(ctx, tx, "create instance profile with id or ARN", p.ARN, `SELECT 1 FROM instance_profiles WHERE id = ? OR arn = ?`,
			p.ID, p.ARN); err != nil {
			return err
		}
		var err error
		if p.RoleName, err = profileRole(ctx, tx, "create instance profile", p.AccountID, p.RoleName); err != nil {
			return err
		}
		doc, err := docText(p)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO instance_profiles (account_id, name_key, id, arn, role_key, doc) VALUES (?, ?, ?, ?, ?, ?)`,
			p.AccountID, store.FoldName(p.Name), p.ID, p.ARN, store.FoldName(p.RoleName), doc)
		return err
	})
}

func (db *DB) GetInstanceProfile(ctx context.Context, accountID, name string) (p store.InstanceProfile, err error) {
	p, err = getProfile(ctx, db.reads, "get instance profile", accountID, name)
	return result(p, err)
}

func (db *DB) ListInstanceProfiles(ctx context.Context, accountID, pathPrefix string) (out []store.InstanceProfile, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		out, err = list(ctx, tx, scanProfile, `SELECT doc FROM instance_profiles
			WHERE account_id = ?1 AND substr(doc ->> '$.Path', 1, length(?2)) = ?2 ORDER BY doc ->> '$.Name'`, accountID, pathPrefix)
		return err
	})
	return result(out, err)
}

func (db *DB) ListInstanceProfilesForRole(ctx context.Context, accountID, roleName string) (out []store.InstanceProfile, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		if _, err := principal(ctx, tx, "list instance profiles for role", store.Principal{AccountID: accountID, Kind: store.PrincipalRole, Name: roleName}); err != nil {
			return err
		}
		out, err = list(ctx, tx, scanProfile, `SELECT doc FROM instance_profiles
			WHERE account_id = ? AND role_key = ? ORDER BY doc ->> '$.Name'`, accountID, store.FoldName(roleName))
		return err
	})
	return result(out, err)
}

func (db *DB) UpdateInstanceProfile(ctx context.Context, accountID, name string, update func(*store.InstanceProfile) error) (p store.InstanceProfile, err error) {
	err = db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		old, err := getProfile(ctx, tx, "update instance profile", accountID, name)
		if err != nil {
			return err
		}
		p = old
		p.Tags = append([]store.Tag(nil), old.Tags...)
		if err := update(&p); err != nil {
			return err
		}
		if err := store.CheckUpdate(&old, &p); err != nil {
			return fmt.Errorf("update instance profile %q: %w", name, err)
		}
		if p.RoleName, err = profileRole(ctx, tx, "update instance profile", accountID, p.RoleName); err != nil {
			return err
		}
		fixProfile(&p)
		doc, err := docText(p)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE instance_profiles SET role_key = ?, doc = ? WHERE account_id = ? AND name_key = ?`,
			store.FoldName(p.RoleName), doc, accountID, store.FoldName(name))
		return err
	})
	return result(p, err)
}

func (db *DB) DeleteInstanceProfile(ctx context.Context, accountID, name string) error {
	return db.write(ctx, store.IAM, func(tx *sql.Tx) error {
		p, err := getProfile(ctx, tx, "delete instance profile", accountID, name)
		if err != nil {
			return err
		}
		if p.RoleName != "" {
			return fmt.Errorf("delete instance profile %q: %w", name, store.ErrDeleteConflict)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM instance_profiles WHERE account_id = ? AND name_key = ?`, accountID, store.FoldName(name))
		return err
	})
}
