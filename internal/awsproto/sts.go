package awsproto

// STS result shapes, named as botocore's sts service-2.json names them.

// Credentials are session credentials.
type Credentials struct {
	AccessKeyId     string    `xml:"AccessKeyId"`
	SecretAccessKey string    `xml:"SecretAccessKey"`
	SessionToken    string    `xml:"SessionToken"`
	Expiration      Timestamp `xml:"Expiration"`
}

// AssumedRoleUser names a role session.
type AssumedRoleUser struct {
	AssumedRoleId string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

// AssumeRoleResult is AssumeRole's result.
type AssumeRoleResult struct {
	Credentials      Credentials     `xml:"Credentials"`
	AssumedRoleUser  AssumedRoleUser `xml:"AssumedRoleUser"`
	PackedPolicySize *int            `xml:"PackedPolicySize"`
	SourceIdentity   string          `xml:"SourceIdentity,omitempty"`
}

// AssumeRoleWithWebIdentityResult is AssumeRoleWithWebIdentity's result.
type AssumeRoleWithWebIdentityResult struct {
	Credentials                 Credentials     `xml:"Credentials"`
	SubjectFromWebIdentityToken string          `xml:"SubjectFromWebIdentityToken"`
	AssumedRoleUser             AssumedRoleUser `xml:"AssumedRoleUser"`
	PackedPolicySize            *int            `xml:"PackedPolicySize"`
	Provider                    string          `xml:"Provider"`
	Audience                    string          `xml:"Audience"`
	SourceIdentity              string          `xml:"SourceIdentity,omitempty"`
}

// GetSessionTokenResult is GetSessionToken's result.
type GetSessionTokenResult struct {
	Credentials Credentials `xml:"Credentials"`
}

// GetCallerIdentityResult is GetCallerIdentity's result.
type GetCallerIdentityResult struct {
	UserId  string `xml:"UserId" json:"UserId"`
	Account string `xml:"Account" json:"Account"`
	Arn     string `xml:"Arn" json:"Arn"`
}
