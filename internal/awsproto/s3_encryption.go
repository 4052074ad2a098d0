package awsproto

import "encoding/xml"

// ServerSideEncryptionConfiguration is the body of Get/PutBucketEncryption.
type ServerSideEncryptionConfiguration struct {
	XMLName xml.Name            `xml:"ServerSideEncryptionConfiguration"`
	Xmlns   string              `xml:"xmlns,attr,omitempty"`
	Rules   []ServerSideEncRule `xml:"Rule"`
}

// ServerSideEncRule is one rule of a ServerSideEncryptionConfiguration.
type ServerSideEncRule struct {
	Default          *ServerSideEncByDefault `xml:"ApplyServerSideEncryptionByDefault"`
	BucketKeyEnabled *bool                   `xml:"BucketKeyEnabled"`
	Blocked          *BlockedEncryptionTypes `xml:"BlockedEncryptionTypes"`
}

// ServerSideEncByDefault is a rule's ApplyServerSideEncryptionByDefault.
type ServerSideEncByDefault struct {
	SSEAlgorithm   string `xml:"SSEAlgorithm"`
	KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
}

// BlockedEncryptionTypes are the encryption types a bucket refuses on
// writes (SSE-C, or NONE).
type BlockedEncryptionTypes struct {
	EncryptionType []string `xml:"EncryptionType"`
}
