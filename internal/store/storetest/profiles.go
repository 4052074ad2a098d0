package storetest

import (
	"testing"

	"github.com/podiam/podiam/internal/store"
)

func profile(acct, path, name string) store.InstanceProfile {
	return store.InstanceProfile{AccountID: acct, Name: name, Path: path, ID: "AIPA" + acct + name,
		ARN: "arn:aws:iam::" + acct + ":instance-profile" + path + name, CreatedAt: t0}
}

func testInstanceProfiles(t *testing.T, s store.Store) {
	ctx := t.Context()
	accounts(t, s)
	must(t, s.CreateRole(ctx, role(acct1, "/", "Web")))
	must(t, s.CreateRole(ctx, role(acct2, "/", "web")))
	web := profile(acct1, "/ec2/", "Web")
	web.Tags = tags("b", "2", "a", "1")
	ps := []store.InstanceProfile{web, profile(acct1, "/", "batch"), profile(acct1, "/ec2/x/", "worker"), profile(acct2, "/", "web")}
	for _, p := range ps {
		must(t, s.CreateInstanceProfile(ctx, p))
	}
	sameID := profile(acct1, "/", "other")
	sameID.ID = web.ID
	wantErr(t, "create profile in another case", s.CreateInstanceProfile(ctx, profile(acct1, "/", "WEB")), store.ErrAlreadyExists)
	wantErr(t, "create profile with the same id", s.CreateInstanceProfile(ctx, sameID), store.ErrAlreadyExists)
	wantErr(t, "create profile in a missing account", s.CreateInstanceProfile(ctx, profile("999999999999", "/", "x")), store.ErrNotFound)
	withGhost := profile(acct1, "/", "ghost")
	withGhost.RoleName = "nobody"
	wantErr(t, "create profile with a missing role", s.CreateInstanceProfile(ctx, withGhost), store.ErrNotFound)
	got(s.GetInstanceProfile(ctx, acct1, "ghost")).fails(t, "get profile whose create failed", store.ErrNotFound)

	got(s.GetInstanceProfile(ctx, acct1, "web")).equals(t, "get profile in another case", web)
	got(s.GetInstanceProfile(ctx, acct2, "WEB")).equals(t, "get the other account's profile", ps[3])
	got(s.ListInstanceProfiles(ctx, acct1, "")).equals(t, "list profiles", []store.InstanceProfile{web, ps[1], ps[2]})
	got(s.ListInstanceProfiles(ctx, acct1, "/ec2/")).equals(t, "list profiles under /ec2/", []store.InstanceProfile{web, ps[2]})
	got(s.ListInstanceProfilesForRole(ctx, acct1, "web")).equals(t, "profiles of a role in none", []store.InstanceProfile(nil))
	got(s.ListInstanceProfilesForRole(ctx, acct1, "nobody")).fails(t, "profiles of a missing role", store.ErrNotFound)

	// Adding a role stores it as the role spells it; a missing role is
	// refused and changes nothing.
	want := web
	want.RoleName, want.Tags = "Web", tags("a", "1")
	got(s.UpdateInstanceProfile(ctx, acct1, "WEB", func(p *store.InstanceProfile) error {
		p.RoleName, p.Tags = "wEB", p.Tags[1:]
		return nil
	})).equals(t, "add role", want)
	got(s.GetInstanceProfile(ctx, acct1, "Web")).equals(t, "get profile with its role", want)
	got(s.UpdateInstanceProfile(ctx, acct1, "batch", func(p *store.InstanceProfile) error {
		p.RoleName = "nobody"
		return nil
	})).fails(t, "add a missing role", store.ErrNotFound)
	got(s.GetInstanceProfile(ctx, acct1, "batch")).equals(t, "profile after a refused add", ps[1])
	if _, err := s.UpdateInstanceProfile(ctx, acct1, "batch", func(p *store.InstanceProfile) error {
		p.ARN = "arn:aws:iam::" + acct1 + ":instance-profile/moved"
		return nil
	}); err == nil {
		t.Error("update changed a profile's ARN")
	}
	got(s.GetInstanceProfile(ctx, acct1, "batch")).equals(t, "profile after a refused ARN change", ps[1])
	got(s.ListInstanceProfilesForRole(ctx, acct1, "WEB")).equals(t, "profiles of the role", []store.InstanceProfile{want})
	got(s.ListInstanceProfilesForRole(ctx, acct2, "web")).equals(t, "the other account's role is in none", []store.InstanceProfile(nil))

	// A profile with a role, and the role in it, cannot be deleted; both
	// can once the role is removed.
	wantErr(t, "delete profile holding a role", s.DeleteInstanceProfile(ctx, acct1, "web"), store.ErrDeleteConflict)
	wantErr(t, "delete role in a profile", s.DeleteRole(ctx, acct1, "web"), store.ErrDeleteConflict)
	got(s.GetRole(ctx, acct1, "web")).must(t)
	must(t, s.DeleteRole(ctx, acct2, "web")) // the other account's role of the same name is in none
	got(s.UpdateInstanceProfile(ctx, acct1, "web", func(p *store.InstanceProfile) error {
		p.RoleName = ""
		return nil
	})).must(t)
	must(t, s.DeleteRole(ctx, acct1, "WEB"))
	must(t, s.DeleteInstanceProfile(ctx, acct1, "WEB"))
	got(s.GetInstanceProfile(ctx, acct1, "web")).fails(t, "get deleted profile", store.ErrNotFound)
	wantErr(t, "delete deleted profile", s.DeleteInstanceProfile(ctx, acct1, "web"), store.ErrNotFound)
	must(t, s.CreateInstanceProfile(ctx, profile(acct1, "/", "web"))) // the name is free again
}
