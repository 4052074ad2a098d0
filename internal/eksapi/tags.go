package eksapi

import (
	"net/http"

	"github.com/podiam/podiam/internal/httpapi"
	"github.com/podiam/podiam/internal/iam"
)

type tagResourceInput struct {
	Tags map[string]string `json:"tags"`
}

type tagsOutput struct {
	Tags map[string]string `json:"tags"`
}

func (h handlers) tagResource(r *http.Request, c iam.Caller) (int, any, error) {
	var in tagResourceInput
	if err := httpapi.DecodeJSON(r, &in); err != nil {
		return 0, nil, err
	}
	if err := h.svc.TagResource(r.Context(), c, r.PathValue("resourceArn"), in.Tags); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

func (h handlers) untagResource(r *http.Request, c iam.Caller) (int, any, error) {
	if err := h.svc.UntagResource(r.Context(), c, r.PathValue("resourceArn"), r.URL.Query()["tagKeys"]); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, struct{}{}, nil
}

func (h handlers) listTags(r *http.Request, c iam.Caller) (int, any, error) {
	tags, err := h.svc.ListTagsForResource(r.Context(), c, r.PathValue("resourceArn"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, tagsOutput{tags}, nil
}
