package awsproto

import "encoding/xml"

// VersioningConfiguration is PutBucketVersioning's body and
// GetBucketVersioning's result (empty for a bucket never versioned).
type VersioningConfiguration struct {
	XMLName   xml.Name `xml:"VersioningConfiguration"`
	Xmlns     string   `xml:"xmlns,attr,omitempty"`
	Status    string   `xml:"Status,omitempty"`
	MFADelete string   `xml:"MfaDelete,omitempty"`
}

// ObjectVersion is a version in ListVersionsResult.
type ObjectVersion struct {
	XMLName      xml.Name  `xml:"Version"`
	Key          string    `xml:"Key"`
	VersionID    string    `xml:"VersionId"`
	IsLatest     bool      `xml:"IsLatest"`
	LastModified Timestamp `xml:"LastModified"`
	ETag         string    `xml:"ETag"`
	Size         int64     `xml:"Size"`
	StorageClass string    `xml:"StorageClass"`
	Owner        S3Owner   `xml:"Owner"`
}

// DeleteMarkerEntry is a delete marker in ListVersionsResult.
type DeleteMarkerEntry struct {
	XMLName      xml.Name  `xml:"DeleteMarker"`
	Key          string    `xml:"Key"`
	VersionID    string    `xml:"VersionId"`
	IsLatest     bool      `xml:"IsLatest"`
	LastModified Timestamp `xml:"LastModified"`
	Owner        S3Owner   `xml:"Owner"`
}

// ListVersionsResult is ListObjectVersions' result. Entries are
// ObjectVersion and DeleteMarkerEntry values in the listing's order.
type ListVersionsResult struct {
	XMLName             xml.Name         `xml:"ListVersionsResult"`
	Xmlns               string           `xml:"xmlns,attr"`
	Name                string           `xml:"Name"`
	Prefix              string           `xml:"Prefix"`
	KeyMarker           string           `xml:"KeyMarker"`
	VersionIDMarker     string           `xml:"VersionIdMarker"`
	NextKeyMarker       string           `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string           `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int              `xml:"MaxKeys"`
	Delimiter           string           `xml:"Delimiter,omitempty"`
	EncodingType        string           `xml:"EncodingType,omitempty"`
	IsTruncated         bool             `xml:"IsTruncated"`
	Entries             []any            `xml:""`
	CommonPrefixes      []S3CommonPrefix `xml:"CommonPrefixes"`
}
