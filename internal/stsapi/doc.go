// Package stsapi is the STS service's adapter to the Query protocol: it
// decodes each action's parameters, calls package sts, and turns results
// into STS's wire shapes and sts's errors into STS's codes.
package stsapi
