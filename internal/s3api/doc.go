// Package s3api is S3's adapter to its REST-XML protocol: it addresses
// buckets and keys (path style and virtual hosts), authenticates through
// authn with S3's own rules, routes each request to its operation in
// package s3, streams and checks object bodies (signed payloads,
// aws-chunked bodies, checksums), and writes S3's results and errors.
package s3api
