package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/podiam/podiam/internal/store"
)

// EKS clusters, add-ons and Pod Identity associations: each row keeps its
// record as a JSON document (doc) beside the columns it is found by.

func docText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func scanDoc[T any](fix func(*T)) func(scanner) (T, error) {
	return func(s scanner) (T, error) {
		var v T
		var doc string
		if err := s.Scan(&doc); err != nil {
			return v, err
		}
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return v, fmt.Errorf("decode stored record: %w", err)
		}
		fix(&v)
		return v, nil
	}
}

func fixCluster(c *store.Cluster) {
	c.CreatedAt = c.CreatedAt.UTC()
	if !c.KeysPushedAt.IsZero() {
		c.KeysPushedAt = c.KeysPushedAt.UTC()
	}
	c.SubnetIDs, c.SecurityGroupIDs, c.Tags = nilIfEmpty(c.SubnetIDs), nilIfEmpty(c.SecurityGroupIDs), nilIfEmpty(c.Tags)
	c.Updates = nilIfEmpty(c.Updates)
	for i := range c.Updates {
		c.Updates[i].Params, c.Updates[i].CreatedAt = nilIfEmpty(c.Updates[i].Params), c.Updates[i].CreatedAt.UTC()
	}
}

func fixEntry(e *store.AccessEntry) {
	e.CreatedAt, e.ModifiedAt = e.CreatedAt.UTC(), e.ModifiedAt.UTC()
	e.KubernetesGroups, e.Tags, e.Policies = nilIfEmpty(e.KubernetesGroups), nilIfEmpty(e.Tags), nilIfEmpty(e.Policies)
	for i := range e.Policies {
		p := &e.Policies[i]
		p.Namespaces, p.AssociatedAt, p.ModifiedAt = nilIfEmpty(p.Namespaces), p.AssociatedAt.UTC(), p.ModifiedAt.UTC()
	}
}

func fixAddon(a *store.Addon) {
	a.CreatedAt, a.ModifiedAt, a.Tags = a.CreatedAt.UTC(), a.ModifiedAt.UTC(), nilIfEmpty(a.Tags)
}

func fixAssoc(a *store.PodIdentityAssociation) {
	a.CreatedAt, a.ModifiedAt, a.Tags = a.CreatedAt.UTC(), a.ModifiedAt.UTC(), nilIfEmpty(a.Tags)
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

var (
	scanCluster = scanDoc(fixCluster)
	scanAddon   = scanDoc(fixAddon)
	scanAssoc   = scanDoc(fixAssoc)
	scanEntry   = scanDoc(fixEntry)
)

func getCluster(ctx context.Context, tx *sql.Tx, what, account, name string) (store.Cluster, error) {
	c, err := scanCluster(tx.QueryRowContext(ctx, `SELECT doc FROM eks_clusters WHERE account_id = ? AND name = ?`, account, name))
	return c, one(err, what, name)
}

func clusterPresent(ctx context.Context, tx *sql.Tx, what, account, name string) error {
	return present(ctx, tx, what+": cluster", name, `SELECT 1 FROM eks_clusters WHERE account_id = ? AND name = ?`, account, name)
}

func (db *DB) CreateCluster(ctx context.Context, c store.Cluster) error {
	return db.write(ctx, store.EKS, func(tx *sql.Tx) error {
		if err := accountPresent(ctx, tx, "create cluster", c.AccountID); err != nil {
			return err
		}
		if err := absent(ctx, tx, "create cluster", c.Name, `SELECT 1 FROM eks_clusters WHERE account_id = ? AND name = ?`, c.AccountID, c.Name); err != nil {
			return err
		}
		doc, err := docText(c)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO eks_clusters (account_id, name, doc) VALUES (?, ?, ?)`, c.AccountID, c.Name, doc)
		return err
	})
}

func (db *DB) GetCluster(ctx context.Context, accountID, name string) (c store.Cluster, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		c, err = getCluster(ctx, tx, "get cluster", accountID, name)
		return err
	})
	return result(c, err)
}

func (db *DB) ListClusters(ctx context.Context, accountID string) (out []store.Cluster, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		out, err = list(ctx, tx, scanCluster, `SELECT doc FROM eks_clusters WHERE account_id = ? ORDER BY name`, accountID)
		return err
	})
	return result(out, err)
}

func (db *DB) UpdateCluster(ctx context.Context, accountID, name string, update func(*store.Cluster) error) (c store.Cluster, err error) {
	err = db.write(ctx, store.EKS, func(tx *sql.Tx) error {
		old, err := getCluster(ctx, tx, "update cluster", accountID, name)
		if err != nil {
			return err
		}
		c, _ = getCluster(ctx, tx, "update cluster", accountID, name) // a copy of its own
		if err := update(&c); err != nil {
			return err
		}
		if err := store.CheckUpdate(&old, &c); err != nil {
			return fmt.Errorf("update cluster %q: %w", name, err)
		}
		doc, err := docText(c)
		if err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `UPDATE eks_clusters SET doc = ? WHERE account_id = ? AND name = ?`, doc, accountID, name); err != nil {
			return err
		}
		c, err = getCluster(ctx, tx, "update cluster", accountID, name)
		return err
	})
	return result(c, err)
}

func (db *DB) DeleteCluster(ctx context.Context, accountID, name string) error {
	return db.write(ctx, store.EKS, func(tx *sql.Tx) error {
		if err := present(ctx, tx, "delete cluster", name, `SELECT 1 FROM eks_clusters WHERE account_id = ? AND name = ?`, accountID, name); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM eks_pod_identity_associations WHERE account_id = ? AND cluster = ?`,
			`DELETE FROM eks_access_entries WHERE account_id = ? AND cluster = ?`,
			`DELETE FROM eks_addons WHERE account_id = ? AND cluster = ?`,
			`DELETE FROM eks_clusters WHERE account_id = ? AND name = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, accountID, name); err != nil {
				return err
			}
		}
		return nil
	})
}

// Add-ons

func (db *DB) CreateAddon(ctx context.Context, a store.Addon) error {
	return db.write(ctx, store.EKS, func(tx *sql.Tx) error {
		if err := clusterPresent(ctx, tx, "create add-on", a.AccountID, a.ClusterName); err != nil {
			return err
		}
		if err := absent(ctx, tx, "create add-on", a.Name, `SELECT 1 FROM eks_addons WHERE account_id = ? AND cluster = ? AND name = ?`,
			a.AccountID, a.ClusterName, a.Name); err != nil {
			return err
		}
		doc, err := docText(a)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO eks_addons (account_id, cluster, name, doc) VALUES (?, ?, ?, ?)`,
			a.AccountID, a.ClusterName, a.Name, doc)
		return err
	})
}

func (db *DB) GetAddon(ctx context.Context, accountID, cluster, name string) (a store.Addon, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		a, err = scanAddon(tx.QueryRowContext(ctx, `SELECT doc FROM eks_addons WHERE account_id = ? AND cluster = ? AND name = ?`,
			accountID, cluster, name))
		return one(err, "get add-on", name)
	})
	return result(a, err)
}

func (db *DB) ListAddons(ctx context.Context, accountID, cluster string) (out []store.Addon, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		out, err = list(ctx, tx, scanAddon, `SELECT doc FROM eks_addons WHERE account_id = ? AND cluster = ? ORDER BY name`, accountID, cluster)
		return err
	})
	return result(out, err)
}

func (db *DB) DeleteAddon(ctx context.Context, accountID, cluster, name string) error {
	return db.write(ctx, store.EKS, func(tx *sql.Tx) error {
		if err := present(ctx, tx, "delete add-on", name, `SELECT 1 FROM eks_addons WHERE account_id = ? AND cluster = ? AND name = ?`,
			accountID, cluster, name); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM eks_addons WHERE account_id = ? AND cluster = ? AND name = ?`, accountID, cluster, name)
		return err
	})
}

// Pod Identity associations

const assocWhere = ` WHERE account_id = ? AND cluster = ? AND id = ?`

func getAssoc(ctx context.Context, tx *sql.Tx, what, account, cluster, id string) (store.PodIdentityAssociation, error) {
	a, err := scanAssoc(tx.QueryRowContext(ctx, `SELECT doc FROM eks_pod_identity_associations`+assocWhere, account, cluster, id))
	return a, one(err, what, id)
}

func (db *DB) CreatePodIdentityAssociation(ctx context.Context, a store.PodIdentityAssociation) error {
	return db.write(ctx, store.EKS, func(tx *sql.Tx) error {
		if err := clusterPresent(ctx, tx, "create pod identity association", a.AccountID, a.ClusterName); err != nil {
			return err
		}
		if err := absent(ctx, tx, "create pod identity association", a.ID, `SELECT 1 FROM eks_pod_identity_associations WHERE id = ?`, a.ID); err != nil {
			return err
		}
		if err := absent(ctx, tx, "create pod identity association", a.Namespace+"/"+a.ServiceAccount,
			`SELECT 1 FROM eks_pod_identity_associations WHERE account_id = ? AND cluster = ? AND namespace = ? AND service_account = ?`,
			a.AccountID, a.ClusterName, a.Namespace, a.ServiceAccount); err != nil {
			return err
		}
		doc, err := docText(a)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO eks_pod_identity_associations (id, account_id, cluster, namespace, service_account, doc)
			VALUES (?, ?, ?, ?, ?, ?)`, a.ID, a.AccountID, a.ClusterName, a.Namespace, a.ServiceAccount, doc)
		return err
	})
}

func (db *DB) GetPodIdentityAssociation(ctx context.Context, accountID, cluster, id string) (a store.PodIdentityAssociation, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		a, err = getAssoc(ctx, tx, "get pod identity association", accountID, cluster, id)
		return err
	})
	return result(a, err)
}

func (db *DB) FindPodIdentityAssociation(ctx context.Context, accountID, cluster, namespace, serviceAccount string) (a store.PodIdentityAssociation, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		a, err = scanAssoc(tx.QueryRowContext(ctx, `SELECT doc FROM eks_pod_identity_associations
			WHERE account_id = ? AND cluster = ? AND namespace = ? AND service_account = ?`, accountID, cluster, namespace, serviceAccount))
		return one(err, "find pod identity association", namespace+"/"+serviceAccount)
	})
	return result(a, err)
}

func (db *DB) ListPodIdentityAssociations(ctx context.Context, accountID, cluster string) (out []store.PodIdentityAssociation, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		out, err = list(ctx, tx, scanAssoc, `SELECT doc FROM eks_pod_identity_associations WHERE account_id = ? AND cluster = ? ORDER BY id`,
			accountID, cluster)
		return err
	})
	return result(out, err)
}

func (db *DB) UpdatePodIdentityAssociation(ctx context.Context, accountID, cluster, id string, update func(*store.PodIdentityAssociation) error) (a store.PodIdentityAssociation, err error) {
	err = db.write(ctx, store.EKS, func(tx *sql.Tx) error {
		old, err := getAssoc(ctx, tx, "update pod identity association", accountID, cluster, id)
		if err != nil {
			return err
		}
		a, _ = getAssoc(ctx, tx, "update pod identity association", accountID, cluster, id)
		if err := update(&a); err != nil {
			return err
		}
		if err := store.CheckUpdate(&old, &a); err != nil {
			return fmt.Errorf("update pod identity association %q: %w", id, err)
		}
		doc, err := docText(a)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE eks_pod_identity_associations SET doc = ?`+assocWhere, doc, accountID, cluster, id); err != nil {
			return err
		}
		a, err = getAssoc(ctx, tx, "update pod identity association", accountID, cluster, id)
		return err
	})
	return result(a, err)
}

func (db *DB) DeletePodIdentityAssociation(ctx context.Context, accountID, cluster, id string) error {
	return db.write(ctx, store.EKS, func(tx *sql.Tx) error {
		if err := present(ctx, tx, "delete pod identity association", id, `SELECT 1 FROM eks_pod_identity_associations`+assocWhere,
			accountID, cluster, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM eks_pod_identity_associations`+assocWhere, accountID, cluster, id)
		return err
	})
}

// Access entries

const entryWhere = ` WHERE account_id = ? AND cluster = ? AND principal_arn = ?`

func getEntry(ctx context.Context, tx *sql.Tx, what, account, cluster, principal string) (store.AccessEntry, error) {
	e, err := scanEntry(tx.QueryRowContext(ctx, `SELECT doc FROM eks_access_entries`+entryWhere, account, cluster, principal))
	return e, one(err, what, principal)
}

func (db *DB) CreateAccessEntry(ctx context.Context, e store.AccessEntry) error {
	return db.write(ctx, store.EKS, func(tx *sql.Tx) error {
		if err := clusterPresent(ctx, tx, "create access entry", e.AccountID, e.ClusterName); err != nil {
			return err
		}
		if err := absent(ctx, tx, "create access entry", e.PrincipalARN, `SELECT 1 FROM eks_access_entries`+entryWhere,
			e.AccountID, e.ClusterName, e.PrincipalARN); err != nil {
			return err
		}
		doc, err := docText(e)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO eks_access_entries (account_id, cluster, principal_arn, doc) VALUES (?, ?, ?, ?)`,
			e.AccountID, e.ClusterName, e.PrincipalARN, doc)
		return err
	})
}

func (db *DB) GetAccessEntry(ctx context.Context, accountID, cluster, principalARN string) (e store.AccessEntry, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		e, err = getEntry(ctx, tx, "get access entry", accountID, cluster, principalARN)
		return err
	})
	return result(e, err)
}

func (db *DB) ListAccessEntries(ctx context.Context, accountID, cluster string) (out []store.AccessEntry, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		out, err = list(ctx, tx, scanEntry, `SELECT doc FROM eks_access_entries WHERE account_id = ? AND cluster = ? ORDER BY principal_arn`,
			accountID, cluster)
		return err
	})
	return result(out, err)
}

func (db *DB) UpdateAccessEntry(ctx context.Context, accountID, cluster, principalARN string, update func(*store.AccessEntry) error) (e store.AccessEntry, err error) {
	err = db.write(ctx, store.EKS, func(tx *sql.Tx) error {
		old, err := getEntry(ctx, tx, "update access entry", accountID, cluster, principalARN)
		if err != nil {
			return err
		}
		e, _ = getEntry(ctx, tx, "update access entry", accountID, cluster, principalARN) // a copy of its own
		if err := update(&e); err != nil {
			return err
		}
		if err := store.CheckUpdate(&old, &e); err != nil {
			return fmt.Errorf("update access entry %q: %w", principalARN, err)
		}
		doc, err := docText(e)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE eks_access_entries SET doc = ?`+entryWhere, doc, accountID, cluster, principalARN); err != nil {
			return err
		}
		e, err = getEntry(ctx, tx, "update access entry", accountID, cluster, principalARN)
		return err
	})
	return result(e, err)
}

func (db *DB) DeleteAccessEntry(ctx context.Context, accountID, cluster, principalARN string) error {
	return db.write(ctx, store.EKS, func(tx *sql.Tx) error {
		if err := present(ctx, tx, "delete access entry", principalARN, `SELECT 1 FROM eks_access_entries`+entryWhere,
			accountID, cluster, principalARN); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM eks_access_entries`+entryWhere, accountID, cluster, principalARN)
		return err
	})
}
