// Package corpus owns the format of the shared policy corpus under
// testdata/corpus and testdata/validate (see testdata/corpus/README.md):
// it loads the cases and turns each into a request and a policy set for
// package authz. The engine tests, the simulate command's tests, the
// differential test and the fuzz seeds all read the corpus through it.
package corpus
