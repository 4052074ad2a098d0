// Package versioncmd owns "podiam version" (and "podiam --version"): what
// the binary was built from, read from the build information the Go
// toolchain stamps into it (the main module's version, vcs.revision,
// vcs.modified), which a release build may override at link time.
package versioncmd
