// Package serverproc runs `podiam server` as a separate process for the
// bench commands: built from this tree or a given binary, on a fresh data
// directory and a free loopback port, with its root credentials read from
// the data directory and its metrics scraped.
package serverproc
