package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/podiam/podiam/internal/store"
)

// EKS clusters, add-ons and Pod Identity associations.

type clusterKey struct{ account, name string }

type addonKey struct {
	cluster clusterKey
	name    string
}

func copyCluster(c store.Cluster) store.Cluster {
	c.SubnetIDs, c.SecurityGroupIDs, c.Tags = clip(c.SubnetIDs), clip(c.SecurityGroupIDs), clip(c.Tags)
	c.Updates = clip(c.Updates)
	for i := range c.Updates {
		c.Updates[i].Params, c.Updates[i].CreatedAt = clip(c.Updates[i].Params), utc(c.Updates[i].CreatedAt)
	}
	c.CreatedAt = utc(c.CreatedAt)
	if !c.KeysPushedAt.IsZero() {
		c.KeysPushedAt = utc(c.KeysPushedAt)
	}
	return c
}

func copyAddon(a store.Addon) store.Addon {
	a.Tags, a.CreatedAt, a.ModifiedAt = clip(a.Tags), utc(a.CreatedAt), utc(a.ModifiedAt)
	return a
}

func copyAssoc(a store.PodIdentityAssociation) store.PodIdentityAssociation {
	a.Tags, a.CreatedAt, a.ModifiedAt = clip(a.Tags), utc(a.CreatedAt), utc(a.ModifiedAt)
	return a
}

func (db *DB) CreateCluster(_ context.Context, c store.Cluster) (err error) {
	db.mu.Lock()
	defer db.wrote(store.EKS, &err)
	if _, ok := db.accounts[c.AccountID]; !ok {
		return notFound("create cluster: account", c.AccountID)
	}
	k := clusterKey{c.AccountID, c.Name}
	if _, ok := db.clusters[k]; ok {
		return exists("create cluster", c.Name)
	}
	db.clusters[k] = copyCluster(c)
	return nil
}

func (db *DB) GetCluster(_ context.Context, accountID, name string) (store.Cluster, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	c, ok := db.clusters[clusterKey{accountID, name}]
	if !ok {
		return store.Cluster{}, notFound("get cluster", name)
	}
	return copyCluster(c), nil
}

func (db *DB) ListClusters(_ context.Context, accountID string) ([]store.Cluster, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	var out []store.Cluster
	for k, c := range db.clusters {
		if k.account == accountID {
			out = append(out, copyCluster(c))
		}
	}
	slices.SortFunc(out, func(a, b store.Cluster) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (db *DB) UpdateCluster(_ context.Context, accountID, name string, update func(*store.Cluster) error) (_ store.Cluster, err error) {
	db.mu.Lock()
	defer db.wrote(store.EKS, &err)
	k := clusterKey{accountID, name}
	old, ok := db.clusters[k]
	if !ok {
		return store.Cluster{}, notFound("update cluster", name)
	}
	c := copyCluster(old)
	if err := update(&c); err != nil {
		return store.Cluster{}, err
	}
	if err := store.CheckUpdate(&old, &c); err != nil {
		return store.Cluster{}, fmt.Errorf("update cluster %q: %w", name, err)
	}
	db.clusters[k] = copyCluster(c)
	return copyCluster(c), nil
}

func (db *DB) DeleteCluster(_ context.Context, accountID, name string) (err error) {
	db.mu.Lock()
	defer db.wrote(store.EKS, &err)
	k := clusterKey{accountID, name}
	if _, ok := db.clusters[k]; !ok {
		return notFound("delete cluster", name)
	}
	delete(db.clusters, k)
	for ak := range db.addons {
		if ak.cluster == k {
			delete(db.addons, ak)
		}
	}
	for id, a := range db.assocs {
		if a.AccountID == accountID && a.ClusterName == name {
			delete(db.assocs, id)
		}
	}
	for ek := range db.entries {
		if ek.cluster == k {
			delete(db.entries, ek)
		}
	}
	return nil
}

func (db *DB) CreateAddon(_ context.Context, a store.Addon) (err error) {
	db.mu.Lock()
	defer db.wrote(store.EKS, &err)
	ck := clusterKey{a.AccountID, a.ClusterName}
	if _, ok := db.clusters[ck]; !ok {
		return notFound("create add-on: cluster", a.ClusterName)
	}
	k := addonKey{ck, a.Name}
	if _, ok := db.addons[k]; ok {
		return exists("create add-on", a.Name)
	}
	db.addons[k] = copyAddon(a)
	return nil
}

func (db *DB) GetAddon(_ context.Context, accountID, cluster, name string) (store.Addon, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	a, ok := db.addons[addonKey{clusterKey{accountID, cluster}, name}]
	if !ok {
		return store.Addon{}, notFound("get add-on", name)
	}
	return copyAddon(a), nil
}

func (db *DB) ListAddons(_ context.Context, accountID, cluster string) ([]store.Addon, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	var out []store.Addon
	ck := clusterKey{accountID, cluster}
	for k, a := range db.addons {
		if k.cluster == ck {
			out = append(out, copyAddon(a))
		}
	}
	slices.SortFunc(out, func(a, b store.Addon) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (db *DB) DeleteAddon(_ context.Context, accountID, cluster, name string) (err error) {
	db.mu.Lock()
	defer db.wrote(store.EKS, &err)
	k := addonKey{clusterKey{accountID, cluster}, name}
	if _, ok := db.addons[k]; !ok {
		return notFound("delete add-on", name)
	}
	delete(db.addons, k)
	return nil
}

func (db *DB) CreatePodIdentityAssociation(_ context.Context, a store.PodIdentityAssociation) (err error) {
	db.mu.Lock()
	defer db.wrote(store.EKS, &err)
	if _, ok := db.clusters[clusterKey{a.AccountID, a.ClusterName}]; !ok {
		return notFound("create pod identity association: cluster", a.ClusterName)
	}
	if _, ok := db.assocs[a.ID]; ok {
		return exists("create pod identity association", a.ID)
	}
	if _, ok := db.findAssoc(a.AccountID, a.ClusterName, a.Namespace, a.ServiceAccount); ok {
		return exists("create pod identity association", a.Namespace+"/"+a.ServiceAccount)
	}
	db.assocs[a.ID] = copyAssoc(a)
	return nil
}

func (db *DB) findAssoc(accountID, cluster, namespace, sa string) (store.PodIdentityAssociation, bool) {
	for _, a := range db.assocs {
		if a.AccountID == accountID && a.ClusterName == cluster && a.Namespace == namespace && a.ServiceAccount == sa {
			return a, true
		}
	}
	return store.PodIdentityAssociation{}, false
}

func (db *DB) assoc(accountID, cluster, id string) (store.PodIdentityAssociation, bool) {
	a, ok := db.assocs[id]
	if !ok || a.AccountID != accountID || a.ClusterName != cluster {
		return store.PodIdentityAssociation{}, false
	}
	return a, true
}

func (db *DB) GetPodIdentityAssociation(_ context.Context, accountID, cluster, id string) (store.PodIdentityAssociation, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	a, ok := db.assoc(accountID, cluster, id)
	if !ok {
		return store.PodIdentityAssociation{}, notFound("get pod identity association", id)
	}
	return copyAssoc(a), nil
}

func (db *DB) FindPodIdentityAssociation(_ context.Context, accountID, cluster, namespace, serviceAccount string) (store.PodIdentityAssociation, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	a, ok := db.findAssoc(accountID, cluster, namespace, serviceAccount)
	if !ok {
		return store.PodIdentityAssociation{}, notFound("find pod identity association", namespace+"/"+serviceAccount)
	}
	return copyAssoc(a), nil
}

func (db *DB) ListPodIdentityAssociations(_ context.Context, accountID, cluster string) ([]store.PodIdentityAssociation, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	var out []store.PodIdentityAssociation
	for _, a := range db.assocs {
		if a.AccountID == accountID && a.ClusterName == cluster {
			out = append(out, copyAssoc(a))
		}
	}
	slices.SortFunc(out, func(a, b store.PodIdentityAssociation) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (db *DB) UpdatePodIdentityAssociation(_ context.Context, accountID, cluster, id string, update func(*store.PodIdentityAssociation) error) (_ store.PodIdentityAssociation, err error) {
	db.mu.Lock()
	defer db.wrote(store.EKS, &err)
	old, ok := db.assoc(accountID, cluster, id)
	if !ok {
		return store.PodIdentityAssociation{}, notFound("update pod identity association", id)
	}
	a := copyAssoc(old)
	if err := update(&a); err != nil {
		return store.PodIdentityAssociation{}, err
	}
	if err := store.CheckUpdate(&old, &a); err != nil {
		return store.PodIdentityAssociation{}, fmt.Errorf("update pod identity association %q: %w", id, err)
	}
	db.assocs[id] = copyAssoc(a)
	return copyAssoc(a), nil
}

func (db *DB) DeletePodIdentityAssociation(_ context.Context, accountID, cluster, id string) (err error) {
	db.mu.Lock()
	defer db.wrote(store.EKS, &err)
	if _, ok := db.assoc(accountID, cluster, id); !ok {
		return notFound("delete pod identity association", id)
	}
	delete(db.assocs, id)
	return nil
}

// Access entries

type entryKey struct {
	cluster   clusterKey
	principal string
}

func copyEntry(e store.AccessEntry) store.AccessEntry {
	e.KubernetesGroups, e.Tags, e.CreatedAt, e.ModifiedAt = clip(e.KubernetesGroups), clip(e.Tags), utc(e.CreatedAt), utc(e.ModifiedAt)
	e.Policies = clip(e.Policies)
	for i := range e.Policies {
		p := &e.Policies[i]
		p.Namespaces, p.AssociatedAt, p.ModifiedAt = clip(p.Namespaces), utc(p.AssociatedAt), utc(p.ModifiedAt)
	}
	return e
}

func (db *DB) CreateAccessEntry(_ context.Context, e store.AccessEntry) (err error) {
	db.mu.Lock()
	defer db.wrote(store.EKS, &err)
	ck := clusterKey{e.AccountID, e.ClusterName}
	if _, ok := db.clusters[ck]; !ok {
		return notFound("create access entry: cluster", e.ClusterName)
	}
	k := entryKey{ck, e.PrincipalARN}
	if _, ok := db.entries[k]; ok {
		return exists("create access entry", e.PrincipalARN)
	}
	db.entries[k] = copyEntry(e)
	return nil
}

func (db *DB) GetAccessEntry(_ context.Context, accountID, cluster, principalARN string) (store.AccessEntry, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	e, ok := db.entries[entryKey{clusterKey{accountID, cluster}, principalARN}]
	if !ok {
		return store.AccessEntry{}, notFound("get access entry", principalARN)
	}
	return copyEntry(e), nil
}

func (db *DB) ListAccessEntries(_ context.Context, accountID, cluster string) ([]store.AccessEntry, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	var out []store.AccessEntry
	ck := clusterKey{accountID, cluster}
	for k, e := range db.entries {
		if k.cluster == ck {
			out = append(out, copyEntry(e))
		}
	}
	slices.SortFunc(out, func(a, b store.AccessEntry) int { return strings.Compare(a.PrincipalARN, b.PrincipalARN) })
	return out, nil
}

func (db *DB) UpdateAccessEntry(_ context.Context, accountID, cluster, principalARN string, update func(*store.AccessEntry) error) (_ store.AccessEntry, err error) {
	db.mu.Lock()
	defer db.wrote(store.EKS, &err)
	k := entryKey{clusterKey{accountID, cluster}, principalARN}
	old, ok := db.entries[k]
	if !ok {
		return store.AccessEntry{}, notFound("update access entry", principalARN)
	}
	e := copyEntry(old)
	if err := update(&e); err != nil {
		return store.AccessEntry{}, err
	}
	if err := store.CheckUpdate(&old, &e); err != nil {
		return store.AccessEntry{}, fmt.Errorf("update access entry %q: %w", principalARN, err)
	}
	db.entries[k] = copyEntry(e)
	return copyEntry(e), nil
}

func (db *DB) DeleteAccessEntry(_ context.Context, accountID, cluster, principalARN string) (err error) {
	db.mu.Lock()
	defer db.wrote(store.EKS, &err)
	k := entryKey{clusterKey{accountID, cluster}, principalARN}
	if _, ok := db.entries[k]; !ok {
		return notFound("delete access entry", principalARN)
	}
	delete(db.entries, k)
	return nil
}
