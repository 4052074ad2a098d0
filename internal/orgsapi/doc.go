// Package orgsapi is the Organizations service's adapter to the JSON 1.1
// protocol: it decodes each operation's input, calls package orgs, and
// turns results into Organizations' wire shapes and its errors into
// Organizations' codes.
package orgsapi
