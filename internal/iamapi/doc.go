// Package iamapi is the IAM service's adapter to the Query protocol: it
// decodes each action's parameters, calls package iam, and turns results
// into IAM's wire shapes and iam's errors into IAM's codes. One file a
// resource group; each action is a named handler.
package iamapi
