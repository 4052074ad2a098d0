// Package memory is the in-memory backend of store.Store: maps behind one
// mutex, for tests and for trying things out. Nothing survives Close.
package memory
