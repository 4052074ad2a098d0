// Package arn owns Amazon Resource Names: parsing and formatting them with
// their partitions, and the wildcard matching that IAM applies to them.
//
// Two matching rules exist. The Resource element and the ArnLike/ArnEquals
// condition operators compare an ARN segment by segment: partition,
// service, region and account are matched separately, so a '*' there never
// crosses a ':', while in the final resource segment '*' spans '/' and ':'.
// StringLike compares whole strings, so its '*' crosses everything. Both are
// expressed as a [Glob], which may also hold holes that the caller fills at
// match time (the policy package uses them for policy variables).
package arn
