package memory

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/podiam/podiam/internal/store"
)

var _ store.Store = (*DB)(nil)

// nameKey keys users and roles: the account and the folded name.
type nameKey struct{ account, name string }

// principalKey is a principal with its name folded.
type principalKey struct {
	account string
	kind    store.PrincipalKind
	name    string
}

type inlineKey struct {
	principal principalKey
	name      string // folded
}

type attachKey struct {
	principal principalKey
	arn       string
}

// DB is the in-memory store. The zero value is not usable; call New.
type DB struct {
	mu       sync.RWMutex
	accounts map[string]store.Account
	users    map[nameKey]store.User
	keys     map[string]store.AccessKey // by key id
	roles    map[nameKey]store.Role
	policies map[string]store.ManagedPolicy // by ARN
	inline   map[inlineKey]store.InlinePolicy
	attached map[attachKey]store.Attachment
	oidc     map[string]store.OIDCProvider // by ARN
	profiles map[nameKey]store.InstanceProfile
	buckets  map[string]store.Bucket
	// settings are the accounts' S3 settings: account id -> name -> value.
	settings map[string]map[string]string
	objects  map[string]map[string]store.Object // bucket -> key -> current version
	// versions are the noncurrent versions: bucket -> key -> newest first.
	versions map[string]map[string][]store.Object
	uploads  map[string]store.Upload       // by id
	parts    map[string]map[int]store.Part // upload id -> number -> part
	clusters map[clusterKey]store.Cluster
	addons   map[addonKey]store.Addon
	assocs   map[string]store.PodIdentityAssociation // by id
	entries  map[entryKey]store.AccessEntry
	// gens are the generations, by store.Records.
	gens [store.NumRecords]atomic.Uint64
}

// New returns an empty store.
func New() *DB {
	return &DB{
		accounts: map[string]store.Account{},
		users:    map[nameKey]store.User{},
		keys:     map[string]store.AccessKey{},
		roles:    map[nameKey]store.Role{},
		policies: map[string]store.ManagedPolicy{},
		inline:   map[inlineKey]store.InlinePolicy{},
		attached: map[attachKey]store.Attachment{},
		oidc:     map[string]store.OIDCProvider{},
		profiles: map[nameKey]store.InstanceProfile{},
		buckets:  map[string]store.Bucket{},
		settings: map[string]map[string]string{},
		objects:  map[string]map[string]store.Object{},
		versions: map[string]map[string][]store.Object{},
		uploads:  map[string]store.Upload{},
		parts:    map[string]map[int]store.Part{},
		clusters: map[clusterKey]store.Cluster{},
		addons:   map[addonKey]store.Addon{},
		assocs:   map[string]store.PodIdentityAssociation{},
		entries:  map[entryKey]store.AccessEntry{},
	}
}

// Generation implements store.Store: the counters are in memory.
func (db *DB) Generation(_ context.Context, r store.Records) (uint64, error) {
	return db.gens[r].Load(), nil
}

// wrote ends a write of records r: it advances their generation if the
// write succeeded (*err is nil), then unlocks.
func (db *DB) wrote(r store.Records, err *error) {
	if *err == nil {
		db.gens[r].Add(1)
	}
	db.mu.Unlock()
}

// Close does nothing.
func (db *DB) Close() error { return nil }

// Copies: records go in and out as copies, with times in UTC and empty
// slices as nil, as the other backends return them.

func clip[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

func utc(t time.Time) time.Time { return t.Round(0).UTC() }

func copyAccount(a store.Account) store.Account {
	a.CreatedAt = utc(a.CreatedAt)
	return a
}

func copyUser(u store.User) store.User {
	u.Tags, u.CreatedAt = clip(u.Tags), utc(u.CreatedAt)
	return u
}

func copyKey(k store.AccessKey) store.AccessKey {
	k.SecretCiphertext, k.CreatedAt = clip(k.SecretCiphertext), utc(k.CreatedAt)
	return k
}

func copyRole(r store.Role) store.Role {
	r.Tags, r.CreatedAt = clip(r.Tags), utc(r.CreatedAt)
	r.TrustPrincipalIDs = maps.Clone(r.TrustPrincipalIDs)
	if len(r.TrustPrincipalIDs) == 0 {
		r.TrustPrincipalIDs = nil
	}
	return r
}

func copyPolicy(p store.ManagedPolicy) store.ManagedPolicy {
	p.Tags, p.CreatedAt, p.AttachmentCount = clip(p.Tags), utc(p.CreatedAt), 0
	p.Versions = clip(p.Versions)
	for i := range p.Versions {
		p.Versions[i].CreatedAt = utc(p.Versions[i].CreatedAt)
	}
	return p
}

func copyOIDC(p store.OIDCProvider) store.OIDCProvider {
	p.ClientIDs, p.Thumbprints, p.Tags = clip(p.ClientIDs), clip(p.Thumbprints), clip(p.Tags)
	p.CreatedAt = utc(p.CreatedAt)
	return p
}

func keyOf(p store.Principal) principalKey {
	return principalKey{account: p.AccountID, kind: p.Kind, name: store.FoldName(p.Name)}
}

// principal returns the principal as stored (with its name's case), or
// false if it does not exist.
func (db *DB) principal(p store.Principal) (store.Principal, bool) {
	k := nameKey{p.AccountID, store.FoldName(p.Name)}
	switch p.Kind {
	case store.PrincipalUser:
		if u, ok := db.users[k]; ok {
			return store.Principal{AccountID: u.AccountID, Kind: p.Kind, Name: u.Name}, true
		}
	case store.PrincipalRole:
		if r, ok := db.roles[k]; ok {
			return store.Principal{AccountID: r.AccountID, Kind: p.Kind, Name: r.Name}, true
		}
	}
	return store.Principal{}, false
}

func notFound(what, name string) error { return fmt.Errorf("%s %q: %w", what, name, store.ErrNotFound) }
func exists(what, name string) error {
	return fmt.Errorf("%s %q: %w", what, name, store.ErrAlreadyExists)
}

// Accounts

func (db *DB) CreateAccount(_ context.Context, a store.Account) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	if _, ok := db.accounts[a.ID]; ok {
		return exists("create account", a.ID)
	}
	for _, o := range db.accounts {
		if a.Email != "" && store.FoldName(o.Email) == store.FoldName(a.Email) {
			return exists("create account with email", a.Email)
		}
	}
	db.accounts[a.ID] = copyAccount(a)
	return nil
}

func (db *DB) GetAccount(_ context.Context, id string) (store.Account, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	a, ok := db.accounts[id]
	if !ok {
		return store.Account{}, notFound("get account", id)
	}
	return copyAccount(a), nil
}

func (db *DB) ListAccounts(_ context.Context) ([]store.Account, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	var out []store.Account
	for _, a := range db.accounts {
		out = append(out, copyAccount(a))
	}
	slices.SortFunc(out, func(a, b store.Account) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Users

func (db *DB) CreateUser(_ context.Context, u store.User) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	if _, ok := db.accounts[u.AccountID]; !ok {
		return notFound("create user: account", u.AccountID)
	}
	if _, ok := db.users[nameKey{u.AccountID, store.FoldName(u.Name)}]; ok {
		return exists("create user", u.Name)
	}
	for _, o := range db.users {
		if o.ID == u.ID || o.ARN == u.ARN {
			return exists("create user with id or ARN", u.ARN)
		}
	}
	db.users[nameKey{u.AccountID, store.FoldName(u.Name)}] = copyUser(u)
	return nil
}

func (db *DB) GetUser(_ context.Context, accountID, name string) (store.User, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	u, ok := db.users[nameKey{accountID, store.FoldName(name)}]
	if !ok {
		return store.User{}, notFound("get user", name)
	}
	return copyUser(u), nil
}

func (db *DB) ListUsers(_ context.Context, accountID, pathPrefix string) ([]store.User, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	var out []store.User
	for _, u := range db.users {
		if u.AccountID == accountID && strings.HasPrefix(u.Path, pathPrefix) {
			out = append(out, copyUser(u))
		}
	}
	slices.SortFunc(out, func(a, b store.User) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (db *DB) UpdateUser(_ context.Context, accountID, name string, update func(*store.User) error) (_ store.User, err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	oldKey := nameKey{accountID, store.FoldName(name)}
	old, ok := db.users[oldKey]
	if !ok {
		return store.User{}, notFound("update user", name)
	}
	u := copyUser(old)
	if err := update(&u); err != nil {
		return store.User{}, err
	}
	if err := store.CheckUpdate(&old, &u); err != nil {
		return store.User{}, fmt.Errorf("update user %q: %w", name, err)
	}
	u = copyUser(u)
	newKey := nameKey{accountID, store.FoldName(u.Name)}
	if newKey != oldKey {
		if _, ok := db.users[newKey]; ok {
			return store.User{}, exists("rename user to", u.Name)
		}
	}
	if u.ARN != old.ARN {
		for _, o := range db.users {
			if o.ARN == u.ARN {
				return store.User{}, exists("rename user to ARN", u.ARN)
			}
		}
	}
	delete(db.users, oldKey)
	db.users[newKey] = u
	if u.Name != old.Name {
		db.renamePrincipal(store.Principal{AccountID: accountID, Kind: store.PrincipalUser, Name: old.Name}, u.Name)
	}
	return copyUser(u), nil
}

// renamePrincipal moves what belongs to a principal to its new name.
func (db *DB) renamePrincipal(p store.Principal, newName string) {
	from := keyOf(p)
	np := p
	np.Name = newName
	to := keyOf(np)
	for id, k := range db.keys {
		if p.Kind == store.PrincipalUser && k.AccountID == p.AccountID && k.UserName != "" && store.FoldName(k.UserName) == from.name {
			k.UserName = newName
			db.keys[id] = k
		}
	}
	for k, ip := range maps.Clone(db.inline) {
		if k.principal == from {
			delete(db.inline, k)
			ip.Principal = np
			db.inline[inlineKey{to, k.name}] = ip
		}
	}
	for k, a := range maps.Clone(db.attached) {
		if k.principal == from {
			delete(db.attached, k)
			a.Principal = np
			db.attached[attachKey{to, k.arn}] = a
		}
	}
}

// inUse reports what still belongs to a principal, for delete conflicts.
func (db *DB) inUse(p store.Principal) bool {
	k := keyOf(p)
	for ik := range db.inline {
		if ik.principal == k {
			return true
		}
	}
	for ak := range db.attached {
		if ak.principal == k {
			return true
		}
	}
	if p.Kind == store.PrincipalRole && db.inProfile(p.AccountID, p.Name) {
		return true
	}
	if p.Kind == store.PrincipalUser {
		for _, key := range db.keys {
			if key.AccountID == p.AccountID && key.UserName != "" && store.FoldName(key.UserName) == k.name {
				return true
			}
		}
	}
	return false
}

func (db *DB) DeleteUser(_ context.Context, accountID, name string) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	k := nameKey{accountID, store.FoldName(name)}
	if _, ok := db.users[k]; !ok {
		return notFound("delete user", name)
	}
	if db.inUse(store.Principal{AccountID: accountID, Kind: store.PrincipalUser, Name: name}) {
		return fmt.Errorf("delete user %q: %w", name, store.ErrDeleteConflict)
	}
	delete(db.users, k)
	return nil
}

// Access keys

// keyOwnerExists reports whether the user (or, for "", the account) of a
// key exists.
func (db *DB) keyOwnerExists(accountID, userName string) bool {
	if userName == "" {
		_, ok := db.accounts[accountID]
		return ok
	}
	_, ok := db.users[nameKey{accountID, store.FoldName(userName)}]
	return ok
}

func (db *DB) keysOf(accountID, userName string) []store.AccessKey {
	var out []store.AccessKey
	for _, k := range db.keys {
		if k.AccountID == accountID && store.FoldName(k.UserName) == store.FoldName(userName) {
			out = append(out, copyKey(k))
		}
	}
	slices.SortFunc(out, func(a, b store.AccessKey) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func (db *DB) CreateAccessKey(_ context.Context, k store.AccessKey, limit int) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	if !db.keyOwnerExists(k.AccountID, k.UserName) {
		return notFound("create access key: user", k.UserName)
	}
	if _, ok := db.keys[k.ID]; ok {
		return exists("create access key", k.ID)
	}
	if limit > 0 && len(db.keysOf(k.AccountID, k.UserName)) >= limit {
		return fmt.Errorf("create access key for %q: %w", k.UserName, store.ErrLimitExceeded)
	}
	if k.UserName != "" {
		k.UserName = db.users[nameKey{k.AccountID, store.FoldName(k.UserName)}].Name
	}
	db.keys[k.ID] = copyKey(k)
	return nil
}

func (db *DB) GetAccessKey(_ context.Context, id string) (store.AccessKey, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	k, ok := db.keys[id]
	if !ok {
		return store.AccessKey{}, notFound("get access key", id)
	}
	return copyKey(k), nil
}

func (db *DB) ListAccessKeys(_ context.Context, accountID, userName string) ([]store.AccessKey, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if !db.keyOwnerExists(accountID, userName) {
		return nil, notFound("list access keys: user", userName)
	}
	return db.keysOf(accountID, userName), nil
}

func (db *DB) UpdateAccessKey(_ context.Context, id string, update func(*store.AccessKey) error) (_ store.AccessKey, err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	old, ok := db.keys[id]
	if !ok {
		return store.AccessKey{}, notFound("update access key", id)
	}
	k := copyKey(old)
	if err := update(&k); err != nil {
		return store.AccessKey{}, err
	}
	if err := store.CheckUpdate(&old, &k); err != nil {
		return store.AccessKey{}, fmt.Errorf("update access key %q: %w", id, err)
	}
	db.keys[id] = copyKey(k)
	return copyKey(k), nil
}

func (db *DB) DeleteAccessKey(_ context.Context, id string) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	if _, ok := db.keys[id]; !ok {
		return notFound("delete access key", id)
	}
	delete(db.keys, id)
	return nil
}

// Roles

func (db *DB) CreateRole(_ context.Context, r store.Role) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	if _, ok := db.accounts[r.AccountID]; !ok {
		return notFound("create role: account", r.AccountID)
	}
	k := nameKey{r.AccountID, store.FoldName(r.Name)}
	if _, ok := db.roles[k]; ok {
		return exists("create role", r.Name)
	}
	for _, o := range db.roles {
		if o.ID == r.ID || o.ARN == r.ARN {
			return exists("create role with id or ARN", r.ARN)
		}
	}
	db.roles[k] = copyRole(r)
	return nil
}

func (db *DB) GetRole(_ context.Context, accountID, name string) (store.Role, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	r, ok := db.roles[nameKey{accountID, store.FoldName(name)}]
	if !ok {
		return store.Role{}, notFound("get role", name)
	}
	return copyRole(r), nil
}

func (db *DB) ListRoles(_ context.Context, accountID, pathPrefix string) ([]store.Role, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	var out []store.Role
	for _, r := range db.roles {
		if r.AccountID == accountID && strings.HasPrefix(r.Path, pathPrefix) {
			out = append(out, copyRole(r))
		}
	}
	slices.SortFunc(out, func(a, b store.Role) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (db *DB) UpdateRole(_ context.Context, accountID, name string, update func(*store.Role) error) (_ store.Role, err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	k := nameKey{accountID, store.FoldName(name)}
	old, ok := db.roles[k]
	if !ok {
		return store.Role{}, notFound("update role", name)
	}
	r := copyRole(old)
	if err := update(&r); err != nil {
		return store.Role{}, err
	}
	if err := store.CheckUpdate(&old, &r); err != nil {
		return store.Role{}, fmt.Errorf("update role %q: %w", name, err)
	}
	db.roles[k] = copyRole(r)
	return copyRole(r), nil
}

func (db *DB) DeleteRole(_ context.Context, accountID, name string) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	k := nameKey{accountID, store.FoldName(name)}
	if _, ok := db.roles[k]; !ok {
		return notFound("delete role", name)
	}
	if db.inUse(store.Principal{AccountID: accountID, Kind: store.PrincipalRole, Name: name}) {
		return fmt.Errorf("delete role %q: %w", name, store.ErrDeleteConflict)
	}
	delete(db.roles, k)
	return nil
}

// Managed policies

func (db *DB) attachmentCount(accountID, arn string) int {
	n := 0
	for k := range db.attached {
		if k.arn == arn && k.principal.account == accountID {
			n++
		}
	}
	return n
}

// visiblePolicy returns the policy if the account may read it.
func (db *DB) visiblePolicy(accountID, arn string) (store.ManagedPolicy, bool) {
	p, ok := db.policies[arn]
	if !ok || (p.AccountID != accountID && p.AccountID != "") {
		return store.ManagedPolicy{}, false
	}
	p = copyPolicy(p)
	p.AttachmentCount = db.attachmentCount(accountID, arn)
	return p, true
}

func (db *DB) CreateManagedPolicy(_ context.Context, p store.ManagedPolicy) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	if _, ok := db.accounts[p.AccountID]; !ok && p.AccountID != "" {
		return notFound("create policy: account", p.AccountID)
	}
	for _, o := range db.policies {
		if o.ARN == p.ARN || o.ID == p.ID ||
			(o.AccountID == p.AccountID && store.FoldName(o.Name) == store.FoldName(p.Name)) {
			return exists("create policy", p.ARN)
		}
	}
	db.policies[p.ARN] = copyPolicy(p)
	return nil
}

func (db *DB) GetManagedPolicy(_ context.Context, accountID, arn string) (store.ManagedPolicy, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	p, ok := db.visiblePolicy(accountID, arn)
	if !ok {
		return store.ManagedPolicy{}, notFound("get policy", arn)
	}
	return p, nil
}

func (db *DB) ListManagedPolicies(_ context.Context, accountID string, f store.PolicyFilter) ([]store.ManagedPolicy, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	var out []store.ManagedPolicy
	for arn := range db.policies {
		p, ok := db.visiblePolicy(accountID, arn)
		switch {
		case !ok,
			f.Scope == store.ScopeAWS && p.AccountID != "",
			f.Scope == store.ScopeLocal && p.AccountID == "",
			!strings.HasPrefix(p.Path, f.PathPrefix),
			f.OnlyAttached && p.AttachmentCount == 0:
			continue
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b store.ManagedPolicy) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ARN, b.ARN))
	})
	return out, nil
}

func (db *DB) UpdateManagedPolicy(_ context.Context, accountID, arn string, update func(*store.ManagedPolicy) error) (_ store.ManagedPolicy, err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	old, ok := db.policies[arn]
	if !ok || old.AccountID != accountID {
		return store.ManagedPolicy{}, notFound("update policy", arn)
	}
	old.AttachmentCount = db.attachmentCount(accountID, arn)
	p := copyPolicy(old)
	p.AttachmentCount = old.AttachmentCount
	if err := update(&p); err != nil {
		return store.ManagedPolicy{}, err
	}
	if err := store.CheckUpdate(&old, &p); err != nil {
		return store.ManagedPolicy{}, fmt.Errorf("update policy %q: %w", arn, err)
	}
	db.policies[arn] = copyPolicy(p)
	p, _ = db.visiblePolicy(accountID, arn)
	return p, nil
}

func (db *DB) DeleteManagedPolicy(_ context.Context, accountID, arn string) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	p, ok := db.policies[arn]
	if !ok || p.AccountID != accountID {
		return notFound("delete policy", arn)
	}
	for k := range db.attached {
		if k.arn == arn {
			return fmt.Errorf("delete policy %q: %w", arn, store.ErrDeleteConflict)
		}
	}
	delete(db.policies, arn)
	return nil
}

// Inline policies

func (db *DB) PutInlinePolicy(_ context.Context, p store.InlinePolicy) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	pr, ok := db.principal(p.Principal)
	if !ok {
		return notFound("put inline policy: "+string(p.Principal.Kind), p.Principal.Name)
	}
	k := inlineKey{keyOf(pr), store.FoldName(p.Name)}
	if old, ok := db.inline[k]; ok {
		p.Name = old.Name // a replacement keeps the name as first written
	}
	p.Principal = pr
	db.inline[k] = p
	return nil
}

func (db *DB) GetInlinePolicy(_ context.Context, pr store.Principal, name string) (store.InlinePolicy, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	p, ok := db.inline[inlineKey{keyOf(pr), store.FoldName(name)}]
	if !ok {
		return store.InlinePolicy{}, notFound("get inline policy", name)
	}
	return p, nil
}

func (db *DB) ListInlinePolicies(_ context.Context, pr store.Principal) ([]store.InlinePolicy, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if _, ok := db.principal(pr); !ok {
		return nil, notFound("list inline policies: "+string(pr.Kind), pr.Name)
	}
	k := keyOf(pr)
	var out []store.InlinePolicy
	for ik, p := range db.inline {
		if ik.principal == k {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b store.InlinePolicy) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (db *DB) DeleteInlinePolicy(_ context.Context, pr store.Principal, name string) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	k := inlineKey{keyOf(pr), store.FoldName(name)}
	if _, ok := db.inline[k]; !ok {
		return notFound("delete inline policy", name)
	}
	delete(db.inline, k)
	return nil
}

// Attachments

func (db *DB) AttachPolicy(_ context.Context, a store.Attachment, limit int) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	pr, ok := db.principal(a.Principal)
	if !ok {
		return notFound("attach policy: "+string(a.Principal.Kind), a.Principal.Name)
	}
	if _, ok := db.visiblePolicy(pr.AccountID, a.PolicyARN); !ok {
		return notFound("attach policy", a.PolicyARN)
	}
	k := attachKey{keyOf(pr), a.PolicyARN}
	if _, ok := db.attached[k]; ok {
		return exists("attach policy", a.PolicyARN)
	}
	if limit > 0 {
		n := 0
		for ak := range db.attached {
			if ak.principal == k.principal {
				n++
			}
		}
		if n >= limit {
			return fmt.Errorf("attach policy to %q: %w", pr.Name, store.ErrLimitExceeded)
		}
	}
	db.attached[k] = store.Attachment{Principal: pr, PolicyARN: a.PolicyARN}
	return nil
}

func (db *DB) DetachPolicy(_ context.Context, a store.Attachment) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	k := attachKey{keyOf(a.Principal), a.PolicyARN}
	if _, ok := db.attached[k]; !ok {
		return notFound("detach policy", a.PolicyARN)
	}
	delete(db.attached, k)
	return nil
}

func (db *DB) ListAttachedPolicies(_ context.Context, pr store.Principal) ([]store.Attachment, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if _, ok := db.principal(pr); !ok {
		return nil, notFound("list attached policies: "+string(pr.Kind), pr.Name)
	}
	k := keyOf(pr)
	var out []store.Attachment
	for ak, a := range db.attached {
		if ak.principal == k {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b store.Attachment) int { return strings.Compare(a.PolicyARN, b.PolicyARN) })
	return out, nil
}

func (db *DB) ListEntitiesForPolicy(_ context.Context, accountID, arn string) ([]store.Attachment, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if _, ok := db.visiblePolicy(accountID, arn); !ok {
		return nil, notFound("list entities for policy", arn)
	}
	var out []store.Attachment
	for ak, a := range db.attached {
		if ak.arn == arn && ak.principal.account == accountID {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b store.Attachment) int {
		return cmp.Or(strings.Compare(string(a.Principal.Kind), string(b.Principal.Kind)),
			strings.Compare(a.Principal.Name, b.Principal.Name))
	})
	return out, nil
}

// OIDC providers

func (db *DB) CreateOIDCProvider(_ context.Context, p store.OIDCProvider) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	if _, ok := db.accounts[p.AccountID]; !ok {
		return notFound("create OIDC provider: account", p.AccountID)
	}
	if _, ok := db.oidc[p.ARN]; ok {
		return exists("create OIDC provider", p.ARN)
	}
	db.oidc[p.ARN] = copyOIDC(p)
	return nil
}

func (db *DB) GetOIDCProvider(_ context.Context, arn string) (store.OIDCProvider, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	p, ok := db.oidc[arn]
	if !ok {
		return store.OIDCProvider{}, notFound("get OIDC provider", arn)
	}
	return copyOIDC(p), nil
}

func (db *DB) ListOIDCProviders(_ context.Context, accountID string) ([]store.OIDCProvider, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	var out []store.OIDCProvider
	for _, p := range db.oidc {
		if p.AccountID == accountID {
			out = append(out, copyOIDC(p))
		}
	}
	slices.SortFunc(out, func(a, b store.OIDCProvider) int { return strings.Compare(a.ARN, b.ARN) })
	return out, nil
}

func (db *DB) UpdateOIDCProvider(_ context.Context, arn string, update func(*store.OIDCProvider) error) (_ store.OIDCProvider, err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	old, ok := db.oidc[arn]
	if !ok {
		return store.OIDCProvider{}, notFound("update OIDC provider", arn)
	}
	p := copyOIDC(old)
	if err := update(&p); err != nil {
		return store.OIDCProvider{}, err
	}
	if err := store.CheckUpdate(&old, &p); err != nil {
		return store.OIDCProvider{}, fmt.Errorf("update OIDC provider %q: %w", arn, err)
	}
	db.oidc[arn] = copyOIDC(p)
	return copyOIDC(p), nil
}

func (db *DB) DeleteOIDCProvider(_ context.Context, arn string) (err error) {
	db.mu.Lock()
	defer db.wrote(store.IAM, &err)
	if _, ok := db.oidc[arn]; !ok {
		return notFound("delete OIDC provider", arn)
	}
	delete(db.oidc, arn)
	return nil
}

// Buckets

func copyBucket(b store.Bucket) store.Bucket {
	b.CreatedAt, b.PolicyPrincipalIDs, b.Settings = utc(b.CreatedAt), cloneMap(b.PolicyPrincipalIDs), cloneMap(b.Settings)
	return b
}

func copyObject(o store.Object) store.Object {
	o.Headers, o.Checksums = cloneMap(o.Headers), cloneMap(o.Checksums)
	o.Tags, o.LastModified = clip(o.Tags), utc(o.LastModified)
	if !o.NoncurrentSince.IsZero() {
		o.NoncurrentSince = utc(o.NoncurrentSince)
	}
	return o
}

func cloneMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

func (db *DB) CreateBucket(_ context.Context, b store.Bucket) (err error) {
	db.mu.Lock()
	defer db.wrote(store.Buckets, &err)
	if _, ok := db.accounts[b.AccountID]; !ok {
		return notFound("create bucket: account", b.AccountID)
	}
	if _, ok := db.buckets[b.Name]; ok {
		return exists("create bucket", b.Name)
	}
	db.buckets[b.Name] = copyBucket(b)
	db.objects[b.Name] = map[string]store.Object{}
	db.versions[b.Name] = map[string][]store.Object{}
	return nil
}

func (db *DB) GetBucket(_ context.Context, name string) (store.Bucket, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	b, ok := db.buckets[name]
	if !ok {
		return store.Bucket{}, notFound("get bucket", name)
	}
	return copyBucket(b), nil
}

func (db *DB) ListBuckets(_ context.Context, accountID string) ([]store.Bucket, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	var out []store.Bucket
	for _, b := range db.buckets {
		if b.AccountID == accountID {
			out = append(out, copyBucket(b))
		}
	}
	slices.SortFunc(out, func(a, b store.Bucket) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (db *DB) UpdateBucket(ctx context.Context, name string, update func(*store.Bucket) error) (store.Bucket, error) {
	return db.UpdateBucketWithAccountSettings(ctx, name, func(b *store.Bucket, _ map[string]string) error { return update(b) })
}

func (db *DB) UpdateBucketWithAccountSettings(_ context.Context, name string, update func(*store.Bucket, map[string]string) error) (_ store.Bucket, err error) {
	db.mu.Lock()
	defer db.wrote(store.Buckets, &err)
	old, ok := db.buckets[name]
	if !ok {
		return store.Bucket{}, notFound("update bucket", name)
	}
	b := copyBucket(old)
	if err := update(&b, cloneMap(db.settings[old.AccountID])); err != nil {
		return store.Bucket{}, err
	}
	if err := store.CheckUpdate(&old, &b); err != nil {
		return store.Bucket{}, fmt.Errorf("update bucket %q: %w", name, err)
	}
	db.buckets[name] = copyBucket(b)
	return copyBucket(b), nil
}

func (db *DB) AccountSettings(_ context.Context, accountID string) (map[string]string, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if _, ok := db.accounts[accountID]; !ok {
		return nil, notFound("get account settings: account", accountID)
	}
	return cloneMap(db.settings[accountID]), nil
}

func (db *DB) PutAccountSetting(_ context.Context, accountID, name, value string) (err error) {
	db.mu.Lock()
	defer db.wrote(store.Buckets, &err)
	if _, ok := db.accounts[accountID]; !ok {
		return notFound("put account setting: account", accountID)
	}
	m := db.settings[accountID]
	if value == "" {
		delete(m, name)
		if len(m) == 0 {
			delete(db.settings, accountID)
		}
		return nil
	}
	if m == nil {
		m = map[string]string{}
		db.settings[accountID] = m
	}
	m[name] = value
	return nil
}

func (db *DB) DeleteBucket(_ context.Context, name string) (err error) {
	db.mu.Lock()
	defer db.wrote(store.Buckets, &err)
	if _, ok := db.buckets[name]; !ok {
		return notFound("delete bucket", name)
	}
	if len(db.objects[name]) > 0 || len(db.versions[name]) > 0 {
		return fmt.Errorf("delete bucket %q: %w", name, store.ErrDeleteConflict)
	}
	for _, u := range db.uploads {
		if u.Bucket == name {
			return fmt.Errorf("delete bucket %q: uploads in progress: %w", name, store.ErrDeleteConflict)
		}
	}
	delete(db.buckets, name)
	delete(db.objects, name)
	delete(db.versions, name)
	return nil
}

// Objects

func (db *DB) PutObject(_ context.Context, o store.Object) (*store.Object, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if _, ok := db.objects[o.Bucket]; !ok {
		return nil, notFound("put object: bucket", o.Bucket)
	}
	return db.putObject(o)
}

func (db *DB) PutObjectIf(_ context.Context, o store.Object, current string) (*store.Object, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	objs, ok := db.objects[o.Bucket]
	if !ok {
		return nil, notFound("put object: bucket", o.Bucket)
	}
	cur, ok := objs[o.Key]
	if !ok {
		return nil, notFound("put object", o.Key)
	}
	if cur.VersionID != current {
		return nil, fmt.Errorf("put object %q: version %q is no longer current: %w", o.Key, current, store.ErrConflict)
	}
	return db.putObject(o)
}

// putObject makes o the current version of its key, as PutObject says,
// once its stamp fits the bucket's versioning state.
func (db *DB) putObject(o store.Object) (replaced *store.Object, err error) {
	objs, vers := db.objects[o.Bucket], db.versions[o.Bucket]
	cur, ok := objs[o.Key]
	var current *store.Object
	if ok {
		current = &cur
	}
	if err := store.CheckVersioning(db.buckets[o.Bucket].Settings, current, o); err != nil {
		return nil, err
	}
	if ok {
		if o.VersionID == "" || (o.IsNull() && cur.IsNull()) {
			c := copyObject(cur)
			replaced = &c
		} else {
			cur.NoncurrentSince = o.LastModified
			vers[o.Key] = append([]store.Object{cur}, vers[o.Key]...)
		}
	}
	if o.VersionID != "" && o.IsNull() && replaced == nil {
		list := vers[o.Key]
		if i := slices.IndexFunc(list, store.Object.IsNull); i >= 0 {
			c := copyObject(list[i])
			replaced = &c
			vers[o.Key] = slices.Delete(slices.Clone(list), i, i+1)
		}
	}
	if len(vers[o.Key]) == 0 {
		delete(vers, o.Key)
	}
	o.NoncurrentSince = time.Time{}
	objs[o.Key] = copyObject(o)
	return replaced, nil
}

// findVersion finds a version of a key: the current one (i < 0) or
// versions[bucket][key][i].
func (db *DB) findVersion(bucket, key, versionID string) (o store.Object, i int, ok bool) {
	match := func(o store.Object) bool {
		if versionID == store.NullVersion {
			return o.IsNull()
		}
		return o.VersionID == versionID
	}
	if cur, found := db.objects[bucket][key]; found && match(cur) {
		return cur, -1, true
	}
	list := db.versions[bucket][key]
	if i := slices.IndexFunc(list, match); i >= 0 {
		return list[i], i, true
	}
	return store.Object{}, 0, false
}

func (db *DB) GetObjectVersion(_ context.Context, bucket, key, versionID string) (store.Object, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if _, ok := db.objects[bucket]; !ok {
		return store.Object{}, notFound("get object version: bucket", bucket)
	}
	o, _, ok := db.findVersion(bucket, key, versionID)
	if !ok {
		return store.Object{}, notFound("get object version", key+"?versionId="+versionID)
	}
	return copyObject(o), nil
}

func (db *DB) UpdateObjectVersion(_ context.Context, bucket, key, versionID string, update func(*store.Object) error) (store.Object, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if _, ok := db.objects[bucket]; !ok {
		return store.Object{}, notFound("update object version: bucket", bucket)
	}
	old, i, ok := db.findVersion(bucket, key, versionID)
	if !ok {
		return store.Object{}, notFound("update object version", key+"?versionId="+versionID)
	}
	o := copyObject(old)
	if err := update(&o); err != nil {
		return store.Object{}, err
	}
	if err := store.CheckUpdate(&old, &o); err != nil {
		return store.Object{}, fmt.Errorf("update object %q: %w", key, err)
	}
	if i < 0 {
		db.objects[bucket][key] = copyObject(o)
	} else {
		list := slices.Clone(db.versions[bucket][key])
		list[i] = copyObject(o)
		db.versions[bucket][key] = list
	}
	return copyObject(o), nil
}

func (db *DB) DeleteObjectVersion(_ context.Context, bucket, key, versionID string) (store.Object, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if _, ok := db.objects[bucket]; !ok {
		return store.Object{}, notFound("delete object version: bucket", bucket)
	}
	o, i, ok := db.findVersion(bucket, key, versionID)
	if !ok {
		return store.Object{}, notFound("delete object version", key+"?versionId="+versionID)
	}
	vers := db.versions[bucket]
	list := slices.Clone(vers[key])
	if i >= 0 {
		list = slices.Delete(list, i, i+1)
	} else {
		delete(db.objects[bucket], key)
		if len(list) > 0 {
			next := list[0]
			next.NoncurrentSince = time.Time{}
			db.objects[bucket][key] = next
			list = list[1:]
		}
	}
	if len(list) == 0 {
		delete(vers, key)
	} else {
		vers[key] = list
	}
	return copyObject(o), nil
}

func (db *DB) ListObjectVersions(_ context.Context, bucket, prefix, afterKey, afterVersion string, limit int) (store.VersionPage, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	objs, ok := db.objects[bucket]
	if !ok {
		return store.VersionPage{}, notFound("list object versions: bucket", bucket)
	}
	var all []store.Object
	add := func(o store.Object) {
		if strings.HasPrefix(o.Key, prefix) && (o.Key > afterKey || (o.Key == afterKey && afterVersion != "" && o.VersionID < afterVersion)) {
			all = append(all, o)
		}
	}
	for _, o := range objs {
		add(o)
	}
	for _, list := range db.versions[bucket] {
		for _, o := range list {
			add(o)
		}
	}
	slices.SortFunc(all, func(a, b store.Object) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		return strings.Compare(b.VersionID, a.VersionID)
	})
	var page store.VersionPage
	if limit > 0 && len(all) > limit {
		all, page.More = all[:limit], true
	}
	for _, o := range all {
		page.Versions = append(page.Versions, copyObject(o))
	}
	return page, nil
}

func (db *DB) GetObject(_ context.Context, bucket, key string) (store.Object, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	objs, ok := db.objects[bucket]
	if !ok {
		return store.Object{}, notFound("get object: bucket", bucket)
	}
	o, ok := objs[key]
	if !ok {
		return store.Object{}, notFound("get object", key)
	}
	return copyObject(o), nil
}

func (db *DB) UpdateObject(_ context.Context, bucket, key string, update func(*store.Object) error) (store.Object, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	objs, ok := db.objects[bucket]
	if !ok {
		return store.Object{}, notFound("update object: bucket", bucket)
	}
	old, ok := objs[key]
	if !ok {
		return store.Object{}, notFound("update object", key)
	}
	o := copyObject(old)
	if err := update(&o); err != nil {
		return store.Object{}, err
	}
	if err := store.CheckUpdate(&old, &o); err != nil {
		return store.Object{}, fmt.Errorf("update object %q: %w", key, err)
	}
	objs[key] = copyObject(o)
	return copyObject(o), nil
}

func (db *DB) ListObjects(_ context.Context, bucket, prefix, after string, limit int) (store.ObjectPage, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	objs, ok := db.objects[bucket]
	if !ok {
		return store.ObjectPage{}, notFound("list objects: bucket", bucket)
	}
	var keys []string
	for k, o := range objs {
		if strings.HasPrefix(k, prefix) && k > after && !o.DeleteMarker {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var page store.ObjectPage
	if limit > 0 && len(keys) > limit {
		keys, page.More = keys[:limit], true
	}
	for _, k := range keys {
		page.Objects = append(page.Objects, copyObject(objs[k]))
	}
	return page, nil
}

func (db *DB) DeleteObject(_ context.Context, bucket, key string) (store.Object, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	objs, ok := db.objects[bucket]
	if !ok {
		return store.Object{}, notFound("delete object: bucket", bucket)
	}
	o, ok := objs[key]
	var cur *store.Object
	if ok {
		cur = &o
	}
	if err := store.CheckVersioning(db.buckets[bucket].Settings, cur, store.Object{Key: key}); err != nil {
		return store.Object{}, err
	}
	if !ok {
		return store.Object{}, notFound("delete object", key)
	}
	delete(objs, key)
	return copyObject(o), nil
}

func (db *DB) DeleteObjectIf(_ context.Context, bucket, key, blobID string) (store.Object, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	objs, ok := db.objects[bucket]
	if !ok {
		return store.Object{}, notFound("delete object: bucket", bucket)
	}
	o, ok := objs[key]
	if !ok {
		return store.Object{}, notFound("delete object", key)
	}
	if o.BlobID != blobID {
		return store.Object{}, fmt.Errorf("delete object %q: it holds another blob: %w", key, store.ErrConflict)
	}
	if err := store.CheckVersioning(db.buckets[bucket].Settings, &o, store.Object{Key: key}); err != nil {
		return store.Object{}, err
	}
	delete(objs, key)
	return copyObject(o), nil
}

func (db *DB) BlobReferenced(_ context.Context, id string) (bool, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	for _, objs := range db.objects {
		for _, o := range objs {
			if o.BlobID == id {
				return true, nil
			}
		}
	}
	for _, keys := range db.versions {
		for _, list := range keys {
			for _, o := range list {
				if o.BlobID == id {
					return true, nil
				}
			}
		}
	}
	for _, ps := range db.parts {
		for _, p := range ps {
			if p.BlobID == id {
				return true, nil
			}
		}
	}
	return false, nil
}

// Multipart uploads

func copyUpload(u store.Upload) store.Upload {
	u.Headers, u.CreatedAt = cloneMap(u.Headers), utc(u.CreatedAt)
	return u
}

func copyPart(p store.Part) store.Part {
	p.Checksums, p.LastModified = cloneMap(p.Checksums), utc(p.LastModified)
	return p
}

func (db *DB) CreateUpload(_ context.Context, u store.Upload) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if _, ok := db.buckets[u.Bucket]; !ok {
		return notFound("create upload: bucket", u.Bucket)
	}
	if _, ok := db.uploads[u.ID]; ok {
		return exists("create upload", u.ID)
	}
	db.uploads[u.ID] = copyUpload(u)
	db.parts[u.ID] = map[int]store.Part{}
	return nil
}

func (db *DB) GetUpload(_ context.Context, id string) (store.Upload, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	u, ok := db.uploads[id]
	if !ok {
		return store.Upload{}, notFound("get upload", id)
	}
	return copyUpload(u), nil
}

func (db *DB) ListUploads(_ context.Context, bucket string) ([]store.Upload, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if _, ok := db.buckets[bucket]; !ok {
		return nil, notFound("list uploads: bucket", bucket)
	}
	var out []store.Upload
	for _, u := range db.uploads {
		if u.Bucket == bucket {
			out = append(out, copyUpload(u))
		}
	}
	slices.SortFunc(out, func(a, b store.Upload) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

func (db *DB) PutPart(_ context.Context, p store.Part) (*store.Part, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	ps, ok := db.parts[p.UploadID]
	if !ok {
		return nil, notFound("put part: upload", p.UploadID)
	}
	var replaced *store.Part
	if old, ok := ps[p.Number]; ok {
		c := copyPart(old)
		replaced = &c
	}
	ps[p.Number] = copyPart(p)
	return replaced, nil
}

func (db *DB) ListParts(_ context.Context, uploadID string) ([]store.Part, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.partsOf(uploadID)
}

func (db *DB) partsOf(uploadID string) ([]store.Part, error) {
	ps, ok := db.parts[uploadID]
	if !ok {
		return nil, notFound("list parts: upload", uploadID)
	}
	var out []store.Part
	for _, p := range ps {
		out = append(out, copyPart(p))
	}
	slices.SortFunc(out, func(a, b store.Part) int { return a.Number - b.Number })
	return out, nil
}

func (db *DB) DeleteUpload(_ context.Context, id string) ([]store.Part, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	parts, err := db.partsOf(id)
	if err != nil {
		return nil, err
	}
	delete(db.uploads, id)
	delete(db.parts, id)
	return parts, nil
}

func (db *DB) CompleteUpload(_ context.Context, id string, o store.Object) (*store.Object, []store.Part, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	parts, err := db.partsOf(id)
	if err != nil {
		return nil, nil, err
	}
	if _, ok := db.objects[o.Bucket]; !ok {
		return nil, nil, notFound("complete upload: bucket", o.Bucket)
	}
	replaced, err := db.putObject(o)
	if err != nil {
		return nil, nil, err
	}
	delete(db.uploads, id)
	delete(db.parts, id)
	return replaced, parts, nil
}
