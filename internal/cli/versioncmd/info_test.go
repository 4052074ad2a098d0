package versioncmd

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	stamped := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/podiam/podiam", Version: "v0.0.0-20251207184600-817985fa0c1e+dirty"},
		Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "817985fa0c1e"}, {Key: "vcs.modified", Value: "true"}}}
	platform := runtime.GOOS + "/" + runtime.GOARCH
	tests := []struct {
		name            string
		bi              *debug.BuildInfo
		version, commit string
		want            Info
		text            string
	}{
		{"stamped by the toolchain", stamped, "", "",
			Info{Version: "v0.0.0-20251207184600-817985fa0c1e+dirty", Commit: "817985fa0c1e", Modified: true, GoVersion: "go1.26.0", Platform: platform},
			"v0.0.0-20251207184600-817985fa0c1e+dirty, commit 817985fa0c1e (modified), go1.26.0 " + platform},
		{"release override", stamped, "v0.4.0", "0123abcd", Info{Version: "v0.4.0", Commit: "0123abcd", Modified: true, GoVersion: "go1.26.0", Platform: platform},
			"v0.4.0, commit 0123abcd (modified), go1.26.0 " + platform},
		{"no VCS data", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, "", "",
			Info{Version: "(devel)", GoVersion: "go1.26.0", Platform: platform}, "(devel), commit unknown, go1.26.0 " + platform},
		{"override without VCS data", &debug.BuildInfo{GoVersion: "go1.26.0"}, "v1.0.0", "", Info{Version: "v1.0.0", GoVersion: "go1.26.0", Platform: platform},
			"v1.0.0, commit unknown, go1.26.0 " + platform},
		{"no build info", nil, "", "", Info{Version: "(devel)", GoVersion: runtime.Version(), Platform: platform},
			"(devel), commit unknown, " + runtime.Version() + " " + platform},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FromBuildInfo(tt.bi, tt.version, tt.commit)
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if got.String() != tt.text {
				t.Fatalf("text %q, want %q", got.String(), tt.text)
			}
		})
	}
}
