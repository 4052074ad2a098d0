package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/podiam/podiam/internal/store"
)

// Instance profiles

func copyProfile(p store.InstanceProfile) store.InstanceProfile {
	p.Tags, p.CreatedAt = clip(p.Tags), utc(p.CreatedAt)
	return p
}

// profileRole returns the stored name of the role a profile is to hold,
// or ErrNotFound; "" stays "".
func (db *DB) profileRole(what, accountID, roleName string) (string, error) {
	if roleName == "" {
		return "", nil
	}
	r, ok := db.roles[nameKey{accountID, store.FoldName(roleName)}]
	if !ok {
		return "", notFound(what+": role", roleName)
	}
	return r.Name, nil
}

// inProfile reports whether a role is in one of its account's profiles.
func (db *DB) inProfile(accountID, roleName string) bool {
	for _, p := range db.profiles {
		if p.AccountID == accountID && p.RoleName != "" && store.FoldName(p.RoleName) == store.FoldName(roleName) {
			return true
		}
	}
	return false
}

func (db *DB) CreateInstanceProfile(_ context.Context, p store.InstanceProfile) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	if _, ok := db.accounts[p.AccountID]; !ok {
		return notFound("create instance profile: account", p.AccountID)
	}
	k := nameKey{p.AccountID, store.FoldName(p.Name)}
	if _, ok := db.profiles[k]; ok {
		return exists("create instance profile", p.Name)
	}
	for _, o := range db.profiles {
		if o.ID == p.ID || o.ARN == p.ARN {
			return exists("create instance profile with id or ARN", p.ARN)
		}
	}
	if p.RoleName, err = db.profileRole("create instance profile", p.AccountID, p.RoleName); err != nil {
		return err
	}
	db.profiles[k] = copyProfile(p)
	return nil
}

func (db *DB) GetInstanceProfile(_ context.Context, accountID, name string) (store.InstanceProfile, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	p, ok := db.profiles[nameKey{accountID, store.FoldName(name)}]
	if !ok {
		return store.InstanceProfile{}, notFound("get instance profile", name)
	}
	return copyProfile(p), nil
}

func (db *DB) listProfiles(keep func(store.InstanceProfile) bool) []store.InstanceProfile {
	var out []store.InstanceProfile
	for _, p := range db.profiles {
		if keep(p) {
			out = append(out, copyProfile(p))
		}
	}
	slices.SortFunc(out, func(a, b store.InstanceProfile) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (db *DB) ListInstanceProfiles(_ context.Context, accountID, pathPrefix string) ([]store.InstanceProfile, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.listProfiles(func(p store.InstanceProfile) bool {
		return p.AccountID == accountID && strings.HasPrefix(p.Path, pathPrefix)
	}), nil
}

func (db *DB) ListInstanceProfilesForRole(_ context.Context, accountID, roleName string) ([]store.InstanceProfile, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if _, ok := db.roles[nameKey{accountID, store.FoldName(roleName)}]; !ok {
		return nil, notFound("list instance profiles for role", roleName)
	}
	return db.listProfiles(func(p store.InstanceProfile) bool {
		return p.AccountID == accountID && p.RoleName != "" && store.FoldName(p.RoleName) == store.FoldName(roleName)
	}), nil
}

func (db *DB) UpdateInstanceProfile(_ context.Context, accountID, name string, update func(*store.InstanceProfile) error) (_ store.InstanceProfile, err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	k := nameKey{accountID, store.FoldName(name)}
	old, ok := db.profiles[k]
	if !ok {
		return store.InstanceProfile{}, notFound("update instance profile", name)
	}
	p := copyProfile(old)
	if err := update(&p); err != nil {
		return store.InstanceProfile{}, err
	}
	if err := store.CheckUpdate(&old, &p); err != nil {
		return store.InstanceProfile{}, fmt.Errorf("update instance profile %q: %w", name, err)
	}
	if p.RoleName, err = db.profileRole("update instance profile", accountID, p.RoleName); err != nil {
		return store.InstanceProfile{}, err
	}
	db.profiles[k] = copyProfile(p)
	return copyProfile(p), nil
}

func (db *DB) DeleteInstanceProfile(_ context.Context, accountID, name string) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	k := nameKey{accountID, store.FoldName(name)}
	p, ok := db.profiles[k]
	if !ok {
		return notFound("delete instance profile", name)
	}
	if p.RoleName != "" {
		return fmt.Errorf("delete instance profile %q: %w", name, store.ErrDeleteConflict)
	}
	delete(db.profiles, k)
	return nil
}
