package k8stoken

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Presigner presigns STS GetCallerIdentity; *sts.PresignClient is one.
type Presigner interface {
	PresignGetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

// Generate makes a token for clusterID: GetCallerIdentity presigned by p
// with x-k8s-aws-id signed and X-Amz-Expires 60, as aws eks get-token
// makes it. The token is good for Window after p's signing time.
func Generate(ctx context.Context, p Presigner, clusterID string) (string, error) {
	if clusterID == "" {
		return "", fmt.Errorf("make token: no cluster id")
	}
	req, err := p.PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.PresignOptions) {
		o.ClientOptions = append(o.ClientOptions, func(o *sts.Options) {
			o.APIOptions = append(o.APIOptions,
				smithyhttp.SetHeaderValue(ClusterIDHeader, clusterID),
				// The signer moves X-Amz-* headers of a presigned request
				// into its query string.
				smithyhttp.SetHeaderValue("X-Amz-Expires", strconv.Itoa(PresignExpires)))
		})
	})
	if err != nil {
		return "", fmt.Errorf("presign GetCallerIdentity: %w", err)
	}
	return Encode(req.URL), nil
}

// Encode makes a token of a presigned URL.
func Encode(presignedURL string) string {
	return Prefix + base64.RawURLEncoding.EncodeToString([]byte(presignedURL))
}
