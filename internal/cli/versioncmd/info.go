package versioncmd

import (
	"cmp"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version and commit override the build information for release builds
// (a source archive has no VCS data to stamp):
//
//	go build -ldflags "-X github.com/podiam/podiam/internal/cli/versioncmd.version=v0.4.0 \
//	  -X github.com/podiam/podiam/internal/cli/versioncmd.commit=$(git rev-parse HEAD)" ./cmd/podiam
var version, commit string

// Info is what a binary was built from.
type Info struct {
	Version   string // the main module's version: a tag, a pseudo-version, or "(devel)"
	Commit    string // the VCS revision; "" when unknown
	Modified  bool   // the work tree had uncommitted changes
	GoVersion string // the toolchain, "go1.26.0"
	Platform  string // GOOS/GOARCH
}

// Read returns this binary's Info: the -ldflags -X values where given,
// else the build information.
func Read() Info {
	bi, _ := debug.ReadBuildInfo()
	return FromBuildInfo(bi, version, commit)
}

// FromBuildInfo makes an Info from bi (which may be nil), with
// overrideVersion and overrideCommit taking precedence where not empty.
func FromBuildInfo(bi *debug.BuildInfo, overrideVersion, overrideCommit string) Info {
	i := Info{GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		i.Version = bi.Main.Version
		i.GoVersion = cmp.Or(bi.GoVersion, i.GoVersion)
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				i.Commit = s.Value
			case "vcs.modified":
				i.Modified = s.Value == "true"
			}
		}
	}
	i.Version = cmp.Or(overrideVersion, i.Version, "(devel)")
	i.Commit = cmp.Or(overrideCommit, i.Commit)
	return i
}

// String is what "podiam version" prints after "podiam version ":
// "v0.4.0, commit 0123abcd... (modified), go1.26.0 linux/amd64".
func (i Info) String() string {
	c := cmp.Or(i.Commit, "unknown")
	if i.Modified {
		c += " (modified)"
	}
	return fmt.Sprintf("%s, commit %s, %s %s", i.Version, c, i.GoVersion, i.Platform)
}
