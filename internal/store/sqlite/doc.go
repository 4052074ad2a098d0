// Package sqlite is the embedded backend of store.Store: one SQLite file
// through modernc.org/sqlite, a pure-Go driver, so podiam builds without
// cgo.
//
// The database runs in WAL mode with foreign keys on and synchronous=FULL,
// so that nothing is acknowledged before it is on disk. Writes go through a
// single connection, one BEGIN IMMEDIATE transaction per method, so they
// queue in Go rather than spin on SQLite's busy handler; reads use a pool
// of read-only connections that see the last committed state. Open creates
// or migrates the schema, whose version is kept in schema_version.
package sqlite
