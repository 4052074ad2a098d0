// Package orgs owns the Organizations service for podiam's accounts: the
// first account is the management account of one organization, and
// CreateAccount makes a member account with the OrganizationAccountAccessRole
// that lets the management account in, as AWS does.
package orgs
