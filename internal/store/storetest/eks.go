package storetest

import (
	"context"
	"testing"

	"github.com/podiam/podiam/internal/store"
)

func cluster(acct, name string) store.Cluster {
	return store.Cluster{AccountID: acct, Name: name, ARN: "arn:aws:eks:us-east-1:" + acct + ":cluster/" + name,
		RoleARN: "arn:aws:iam::" + acct + ":role/eks", Version: "1.33", Status: "CREATING",
		AuthenticationMode: "API_AND_CONFIG_MAP", SubnetIDs: []string{"subnet-1"}, IssuerID: "0123456789abcdef0123456789abcdef",
		Tags: tags("team", "a"), CreatedAt: t0}
}

func addon(acct, clusterName, name string) store.Addon {
	return store.Addon{AccountID: acct, ClusterName: clusterName, Name: name,
		ARN: "arn:aws:eks:us-east-1:" + acct + ":addon/" + clusterName + "/" + name + "/x", Version: "v1.3.0-eksbuild.1",
		Status: "ACTIVE", CreatedAt: t0, ModifiedAt: t0}
}

func association(acct, clusterName, id, ns, sa string) store.PodIdentityAssociation {
	return store.PodIdentityAssociation{AccountID: acct, ClusterName: clusterName, ID: id,
		ARN:       "arn:aws:eks:us-east-1:" + acct + ":podidentityassociation/" + clusterName + "/" + id,
		Namespace: ns, ServiceAccount: sa, RoleARN: "arn:aws:iam::" + acct + ":role/app", Tags: tags("k", "v"),
		CreatedAt: t0, ModifiedAt: t0}
}

func accessEntry(acct, clusterName, principal string) store.AccessEntry {
	return store.AccessEntry{AccountID: acct, ClusterName: clusterName, PrincipalARN: principal, PrincipalID: "AROAEXAMPLE",
		ARN:  "arn:aws:eks:us-east-1:" + acct + ":access-entry/" + clusterName + "/role/" + acct + "/app/0b1c",
		Type: "STANDARD", Username: "arn:aws:sts::" + acct + ":assumed-role/app/{{SessionName}}", KubernetesGroups: []string{"devs"},
		Policies: []store.AssociatedAccessPolicy{{PolicyARN: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
			ScopeType: "namespace", Namespaces: []string{"dev-*"}, AssociatedAt: t0, ModifiedAt: t0}},
		Tags: tags("k", "v"), CreatedAt: t0, ModifiedAt: t0}
}

// testAccessEntries checks access entries: create, read, list, update
// (their policies too), delete, one per principal ARN and cluster, the
// fields an update cannot change, and the cascade of a cluster's
// deletion. A cluster's updates are kept with it.
func testAccessEntries(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	must(t, s.CreateCluster(ctx, cluster(acct1, "c1")))
	must(t, s.CreateCluster(ctx, cluster(acct1, "c2")))
	r1, r2 := "arn:aws:iam::"+acct1+":role/app", "arn:aws:iam::"+acct2+":role/path/ci"
	e1, e2 := accessEntry(acct1, "c1", r1), accessEntry(acct1, "c1", r2)
	e2.Policies, e2.KubernetesGroups, e2.Tags = nil, nil, nil
	wantErr(t, "entry of a missing cluster", s.CreateAccessEntry(ctx, accessEntry(acct1, "nope", r1)), store.ErrNotFound)
	must(t, s.CreateAccessEntry(ctx, e2))
	must(t, s.CreateAccessEntry(ctx, e1))
	wantErr(t, "same principal", s.CreateAccessEntry(ctx, accessEntry(acct1, "c1", r1)), store.ErrAlreadyExists)
	must(t, s.CreateAccessEntry(ctx, accessEntry(acct1, "c2", r1))) // another cluster
	got(s.GetAccessEntry(ctx, acct1, "c1", r1)).equals(t, "get access entry", e1)
	got(s.GetAccessEntry(ctx, acct1, "c1", r2)).equals(t, "get an entry without groups or policies", e2)
	got(s.GetAccessEntry(ctx, acct2, "c1", r1)).fails(t, "entry under another account", store.ErrNotFound)
	got(s.GetAccessEntry(ctx, acct1, "c1", "arn:aws:iam::"+acct1+":role/App")).fails(t, "principal ARNs keep their case", store.ErrNotFound)
	got(s.ListAccessEntries(ctx, acct1, "c1")).equals(t, "list access entries", []store.AccessEntry{e1, e2})
	got(s.ListAccessEntries(ctx, acct1, "nope")).equals(t, "list no access entries", nil)

	up := e1
	up.Username, up.KubernetesGroups, up.ModifiedAt = "ci", []string{"a", "b"}, t0.Add(1e9)
	up.Policies = append([]store.AssociatedAccessPolicy{{PolicyARN: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy",
		ScopeType: "cluster", AssociatedAt: t0.Add(1e9), ModifiedAt: t0.Add(1e9)}}, e1.Policies...)
	got(s.UpdateAccessEntry(ctx, acct1, "c1", r1, func(e *store.AccessEntry) error {
		e.Username, e.KubernetesGroups, e.ModifiedAt, e.Policies = up.Username, up.KubernetesGroups, up.ModifiedAt, up.Policies
		return nil
	})).equals(t, "update access entry", up)
	for name, change := range map[string]func(*store.AccessEntry){
		"type": func(e *store.AccessEntry) { e.Type = "EC2_LINUX" }, "principal id": func(e *store.AccessEntry) { e.PrincipalID = "x" },
		"ARN": func(e *store.AccessEntry) { e.ARN = "x" }, "principal": func(e *store.AccessEntry) { e.PrincipalARN = "x" },
	} {
		got(s.UpdateAccessEntry(ctx, acct1, "c1", r1, func(e *store.AccessEntry) error { change(e); return nil })).failsAny(t, "change the "+name)
	}
	got(s.UpdateAccessEntry(ctx, acct1, "c1", r1, func(*store.AccessEntry) error { return errBoom })).fails(t, "failed entry update", errBoom)
	got(s.GetAccessEntry(ctx, acct1, "c1", r1)).equals(t, "entry after failed updates", up)
	got(s.UpdateAccessEntry(ctx, acct1, "c1", "arn:aws:iam::"+acct1+":role/none", func(*store.AccessEntry) error { return nil })).fails(t, "update a missing entry", store.ErrNotFound)
	must(t, s.DeleteAccessEntry(ctx, acct1, "c1", r2))
	wantErr(t, "delete an entry again", s.DeleteAccessEntry(ctx, acct1, "c1", r2), store.ErrNotFound)

	// A cluster keeps its updates.
	cu := store.ClusterUpdate{ID: "u1", Type: "AccessConfigUpdate", Status: "Successful",
		Params: []store.UpdateParam{{Type: "AuthenticationMode", Value: "API"}}, CreatedAt: t0}
	c := got(s.UpdateCluster(ctx, acct1, "c1", func(c *store.Cluster) error {
		c.AuthenticationMode, c.Updates = "API", append(c.Updates, cu)
		return nil
	})).must(t)
	want := cluster(acct1, "c1")
	want.AuthenticationMode, want.Updates = "API", []store.ClusterUpdate{cu}
	got(s.GetCluster(ctx, acct1, "c1")).equals(t, "cluster with its update", want)
	if len(c.Updates) != 1 {
		t.Errorf("update cluster returned %d updates", len(c.Updates))
	}

	// Deleting a cluster deletes its entries, not another cluster's.
	must(t, s.DeleteCluster(ctx, acct1, "c1"))
	got(s.ListAccessEntries(ctx, acct1, "c1")).equals(t, "entries of a deleted cluster", nil)
	got(s.GetAccessEntry(ctx, acct1, "c2", r1)).must(t)
	must(t, s.CreateCluster(ctx, cluster(acct1, "c1")))
	must(t, s.CreateAccessEntry(ctx, e1)) // its principal is free again
}

// testEKS checks clusters, add-ons and Pod Identity associations: create,
// read, list, update, delete, the uniqueness rules and the cascade of a
// cluster's deletion.
func testEKS(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	c1, c2 := cluster(acct1, "c1"), cluster(acct1, "C1")
	wantErr(t, "create a cluster in no account", s.CreateCluster(ctx, cluster("999999999999", "c1")), store.ErrNotFound)
	must(t, s.CreateCluster(ctx, c1))
	must(t, s.CreateCluster(ctx, c2)) // names keep their case
	must(t, s.CreateCluster(ctx, cluster(acct2, "c1")))
	wantErr(t, "create a cluster again", s.CreateCluster(ctx, c1), store.ErrAlreadyExists)
	got(s.GetCluster(ctx, acct1, "c1")).equals(t, "get cluster", c1)
	got(s.GetCluster(ctx, acct1, "c2")).fails(t, "get a missing cluster", store.ErrNotFound)
	got(s.ListClusters(ctx, acct1)).equals(t, "list clusters", []store.Cluster{c2, c1})

	bound := c1
	bound.Status, bound.Endpoint, bound.CAData, bound.Keys, bound.KeysPushedAt = "ACTIVE", "https://10.0.0.1:6443", "Q0E=", `{"keys":[]}`, t0
	got(s.UpdateCluster(ctx, acct1, "c1", func(c *store.Cluster) error {
		c.Status, c.Endpoint, c.CAData, c.Keys, c.KeysPushedAt = bound.Status, bound.Endpoint, bound.CAData, bound.Keys, bound.KeysPushedAt
		return nil
	})).equals(t, "bind cluster", bound)
	got(s.GetCluster(ctx, acct1, "c1")).equals(t, "get bound cluster", bound)
	got(s.UpdateCluster(ctx, acct1, "c1", func(c *store.Cluster) error { c.IssuerID = "other"; return nil })).failsAny(t, "change an issuer id")
	got(s.UpdateCluster(ctx, acct1, "c1", func(*store.Cluster) error { return errBoom })).fails(t, "failed cluster update", errBoom)
	got(s.GetCluster(ctx, acct1, "c1")).equals(t, "cluster after failed updates", bound)
	got(s.UpdateCluster(ctx, acct1, "nope", func(*store.Cluster) error { return nil })).fails(t, "update a missing cluster", store.ErrNotFound)

	// Add-ons.
	a := addon(acct1, "c1", "eks-pod-identity-agent")
	wantErr(t, "add-on of a missing cluster", s.CreateAddon(ctx, addon(acct1, "nope", "x")), store.ErrNotFound)
	must(t, s.CreateAddon(ctx, a))
	wantErr(t, "create an add-on again", s.CreateAddon(ctx, a), store.ErrAlreadyExists)
	got(s.GetAddon(ctx, acct1, "c1", a.Name)).equals(t, "get add-on", a)
	got(s.GetAddon(ctx, acct1, "C1", a.Name)).fails(t, "another cluster's add-on", store.ErrNotFound)
	got(s.ListAddons(ctx, acct1, "c1")).equals(t, "list add-ons", []store.Addon{a})
	got(s.ListAddons(ctx, acct1, "C1")).equals(t, "list no add-ons", nil)
	must(t, s.DeleteAddon(ctx, acct1, "c1", a.Name))
	wantErr(t, "delete an add-on again", s.DeleteAddon(ctx, acct1, "c1", a.Name), store.ErrNotFound)
	must(t, s.CreateAddon(ctx, a))

	// Associations.
	p1 := association(acct1, "c1", "a-aaaaaaaaaaaaaaaaa", "ns", "sa")
	p2 := association(acct1, "c1", "a-bbbbbbbbbbbbbbbbb", "ns", "other")
	wantErr(t, "association of a missing cluster", s.CreatePodIdentityAssociation(ctx, association(acct1, "nope", "a-x", "ns", "sa")), store.ErrNotFound)
	must(t, s.CreatePodIdentityAssociation(ctx, p2))
	must(t, s.CreatePodIdentityAssociation(ctx, p1))
	wantErr(t, "same namespace and service account", s.CreatePodIdentityAssociation(ctx, association(acct1, "c1", "a-ccccccccccccccccc", "ns", "sa")), store.ErrAlreadyExists)
	wantErr(t, "same id", s.CreatePodIdentityAssociation(ctx, association(acct1, "C1", p1.ID, "x", "y")), store.ErrAlreadyExists)
	must(t, s.CreatePodIdentityAssociation(ctx, association(acct1, "C1", "a-ddddddddddddddddd", "ns", "sa"))) // another cluster
	got(s.GetPodIdentityAssociation(ctx, acct1, "c1", p1.ID)).equals(t, "get association", p1)
	got(s.GetPodIdentityAssociation(ctx, acct1, "C1", p1.ID)).fails(t, "association under another cluster", store.ErrNotFound)
	got(s.GetPodIdentityAssociation(ctx, acct2, "c1", p1.ID)).fails(t, "association under another account", store.ErrNotFound)
	got(s.FindPodIdentityAssociation(ctx, acct1, "c1", "ns", "sa")).equals(t, "find association", p1)
	got(s.FindPodIdentityAssociation(ctx, acct1, "c1", "ns", "nobody")).fails(t, "find no association", store.ErrNotFound)
	got(s.ListPodIdentityAssociations(ctx, acct1, "c1")).equals(t, "list associations", []store.PodIdentityAssociation{p1, p2})

	up := p1
	up.RoleARN, up.TargetRoleARN, up.DisableSessionTags, up.Policy, up.ModifiedAt = "arn:aws:iam::"+acct1+":role/other", "arn:aws:iam::"+acct2+":role/t", true, allowDoc, t0.Add(1e9)
	got(s.UpdatePodIdentityAssociation(ctx, acct1, "c1", p1.ID, func(a *store.PodIdentityAssociation) error {
		a.RoleARN, a.TargetRoleARN, a.DisableSessionTags, a.Policy, a.ModifiedAt = up.RoleARN, up.TargetRoleARN, up.DisableSessionTags, up.Policy, up.ModifiedAt
		return nil
	})).equals(t, "update association", up)
	got(s.UpdatePodIdentityAssociation(ctx, acct1, "c1", p1.ID, func(a *store.PodIdentityAssociation) error { a.Namespace = "x"; return nil })).failsAny(t, "change a namespace")
	got(s.UpdatePodIdentityAssociation(ctx, acct1, "c1", p1.ID, func(*store.PodIdentityAssociation) error { return errBoom })).fails(t, "failed association update", errBoom)
	got(s.GetPodIdentityAssociation(ctx, acct1, "c1", p1.ID)).equals(t, "association after failed updates", up)
	must(t, s.DeletePodIdentityAssociation(ctx, acct1, "c1", p2.ID))
	wantErr(t, "delete an association again", s.DeletePodIdentityAssociation(ctx, acct1, "c1", p2.ID), store.ErrNotFound)
	wantErr(t, "delete under another cluster", s.DeletePodIdentityAssociation(ctx, acct1, "C1", p1.ID), store.ErrNotFound)

	// Deleting a cluster deletes its add-ons and associations, not another's.
	must(t, s.DeleteCluster(ctx, acct1, "c1"))
	wantErr(t, "delete a cluster again", s.DeleteCluster(ctx, acct1, "c1"), store.ErrNotFound)
	got(s.ListAddons(ctx, acct1, "c1")).equals(t, "add-ons of a deleted cluster", nil)
	got(s.ListPodIdentityAssociations(ctx, acct1, "c1")).equals(t, "associations of a deleted cluster", nil)
	got(s.FindPodIdentityAssociation(ctx, acct1, "C1", "ns", "sa")).must(t)
	must(t, s.CreateCluster(ctx, c1))
	must(t, s.CreatePodIdentityAssociation(ctx, p1)) // its id is free again
}

// testEKSGenerations checks that every committed EKS write advances the
// EKS generation alone, and that failed writes and reads leave it.
func testEKSGenerations(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	ignore := func(_ any, err error) error { return err }
	p := association(acct1, "c1", "a-aaaaaaaaaaaaaaaaa", "ns", "sa")
	checkGenerations(t, s, []generationStep{
		{"create cluster", store.EKS, func(ctx context.Context) error { return s.CreateCluster(ctx, cluster(acct1, "c1")) }},
		{"bind cluster", store.EKS, func(ctx context.Context) error {
			return ignore(s.UpdateCluster(ctx, acct1, "c1", func(c *store.Cluster) error { c.Keys = `{"keys":[]}`; return nil }))
		}},
		{"create add-on", store.EKS, func(ctx context.Context) error { return s.CreateAddon(ctx, addon(acct1, "c1", "a")) }},
		{"delete add-on", store.EKS, func(ctx context.Context) error { return s.DeleteAddon(ctx, acct1, "c1", "a") }},
		{"create association", store.EKS, func(ctx context.Context) error { return s.CreatePodIdentityAssociation(ctx, p) }},
		{"update association", store.EKS, func(ctx context.Context) error {
			return ignore(s.UpdatePodIdentityAssociation(ctx, acct1, "c1", p.ID, func(a *store.PodIdentityAssociation) error { a.RoleARN = "x"; return nil }))
		}},
		{"delete association", store.EKS, func(ctx context.Context) error { return s.DeletePodIdentityAssociation(ctx, acct1, "c1", p.ID) }},
		{"create access entry", store.EKS, func(ctx context.Context) error { return s.CreateAccessEntry(ctx, accessEntry(acct1, "c1", "r")) }},
		{"update access entry", store.EKS, func(ctx context.Context) error {
			return ignore(s.UpdateAccessEntry(ctx, acct1, "c1", "r", func(e *store.AccessEntry) error { e.Username = "x"; return nil }))
		}},
		{"delete access entry", store.EKS, func(ctx context.Context) error { return s.DeleteAccessEntry(ctx, acct1, "c1", "r") }},
		{"delete cluster", store.EKS, func(ctx context.Context) error { return s.DeleteCluster(ctx, acct1, "c1") }},
	})
	must(t, s.CreateCluster(ctx, cluster(acct1, "c1")))
	must(t, s.CreatePodIdentityAssociation(ctx, p))
	must(t, s.CreateAccessEntry(ctx, accessEntry(acct1, "c1", "r")))
	g := got(s.Generation(ctx, store.EKS)).must(t)
	got(s.GetCluster(ctx, acct1, "c1")).must(t)
	got(s.ListClusters(ctx, acct1)).must(t)
	got(s.GetPodIdentityAssociation(ctx, acct1, "c1", p.ID)).must(t)
	got(s.FindPodIdentityAssociation(ctx, acct1, "c1", "ns", "sa")).must(t)
	got(s.ListPodIdentityAssociations(ctx, acct1, "c1")).must(t)
	got(s.ListAddons(ctx, acct1, "c1")).must(t)
	got(s.GetAccessEntry(ctx, acct1, "c1", "r")).must(t)
	got(s.ListAccessEntries(ctx, acct1, "c1")).must(t)
	got(s.GetCluster(ctx, acct1, "nope")).fails(t, "get a missing cluster", store.ErrNotFound)
	if now := got(s.Generation(ctx, store.EKS)).must(t); now != g {
		t.Errorf("reads moved the EKS generation from %d to %d", g, now)
	}
}

// failsAny checks that the call failed.
func (r result[T]) failsAny(t *testing.T, what string) {
	t.Helper()
	if r.err == nil {
		t.Errorf("%s: succeeded with %+v, want an error", what, r.v)
	}
}
