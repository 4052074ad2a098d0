package awsproto

import "encoding/xml"

// LifecycleConfiguration is the body of Put- and
// GetBucketLifecycleConfiguration. Pointers mark what was given.
type LifecycleConfiguration struct {
	XMLName xml.Name        `xml:"LifecycleConfiguration"`
	Xmlns   string          `xml:"xmlns,attr,omitempty"`
	Rules   []LifecycleRule `xml:"Rule"`
}

// LifecycleRule is one rule of a LifecycleConfiguration.
type LifecycleRule struct {
	Expiration                     *LifecycleExpiration            `xml:"Expiration"`
	ID                             *string                         `xml:"ID"`
	Prefix                         *string                         `xml:"Prefix"`
	Filter                         *LifecycleFilter                `xml:"Filter"`
	Status                         string                          `xml:"Status"`
	Transitions                    []LifecycleTransition           `xml:"Transition"`
	NoncurrentVersionTransitions   []NoncurrentVersionTransition   `xml:"NoncurrentVersionTransition"`
	NoncurrentVersionExpiration    *NoncurrentVersionExpiration    `xml:"NoncurrentVersionExpiration"`
	AbortIncompleteMultipartUpload *AbortIncompleteMultipartUpload `xml:"AbortIncompleteMultipartUpload"`
}

// LifecycleExpiration is a rule's Expiration.
type LifecycleExpiration struct {
	Date                      *string `xml:"Date"`
	Days                      *int32  `xml:"Days"`
	ExpiredObjectDeleteMarker *bool   `xml:"ExpiredObjectDeleteMarker"`
}

// LifecycleFilter is a rule's Filter.
type LifecycleFilter struct {
	Prefix                *string       `xml:"Prefix"`
	Tag                   *S3Tag        `xml:"Tag"`
	ObjectSizeGreaterThan *int64        `xml:"ObjectSizeGreaterThan"`
	ObjectSizeLessThan    *int64        `xml:"ObjectSizeLessThan"`
	And                   *LifecycleAnd `xml:"And"`
}

// LifecycleAnd is a Filter's And.
type LifecycleAnd struct {
	Prefix                *string `xml:"Prefix"`
	Tags                  []S3Tag `xml:"Tag"`
	ObjectSizeGreaterThan *int64  `xml:"ObjectSizeGreaterThan"`
	ObjectSizeLessThan    *int64  `xml:"ObjectSizeLessThan"`
}

// LifecycleTransition is a rule's Transition.
type LifecycleTransition struct {
	Date         *string `xml:"Date"`
	Days         *int32  `xml:"Days"`
	StorageClass string  `xml:"StorageClass"`
}

// NoncurrentVersionTransition is a rule's NoncurrentVersionTransition.
type NoncurrentVersionTransition struct {
	NoncurrentDays          *int32 `xml:"NoncurrentDays"`
	StorageClass            string `xml:"StorageClass"`
	NewerNoncurrentVersions *int32 `xml:"NewerNoncurrentVersions"`
}

// NoncurrentVersionExpiration is a rule's NoncurrentVersionExpiration.
type NoncurrentVersionExpiration struct {
	NoncurrentDays          *int32 `xml:"NoncurrentDays"`
	NewerNoncurrentVersions *int32 `xml:"NewerNoncurrentVersions"`
}

// AbortIncompleteMultipartUpload is a rule's
// AbortIncompleteMultipartUpload.
type AbortIncompleteMultipartUpload struct {
	DaysAfterInitiation *int32 `xml:"DaysAfterInitiation"`
}
