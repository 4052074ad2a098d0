#!/usr/bin/env python3
"""Generates testdata/validate/*.json (policy validation cases).

Run from anywhere: python3 testdata/validate/gen_validate.py
Each case: {"name", "doc", "kind", "document" (policy text as a string), "valid", "error"}.
"error" is "" for valid documents. Size cases are built programmatically so their
non-whitespace length is exact.
"""
import json
import os

OUT = os.path.dirname(os.path.abspath(__file__))
A1, A2 = "111122223333", "444455556666"
MAL, LIM = "MalformedPolicyDocument", "LimitExceeded"
FILES = {}


def compact(doc):
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def pretty(doc):
    return json.dumps(doc, indent=4, ensure_ascii=False)


def add(file, name, doc, kind, document, valid, error=""):
    if not isinstance(document, str):
        document = pretty(document)
    assert valid == (error == ""), name
    assert error in ("", MAL, LIM, "MalformedPolicyDocumentException", "ConstraintViolationException"), error
    FILES.setdefault(file, []).append(
        {"name": name, "doc": doc, "kind": kind, "document": document, "valid": valid, "error": error})


def ok(file, name, doc, kind, document):
    add(file, name, doc, kind, document, True)


def bad(file, name, doc, kind, document, error=MAL):
    add(file, name, doc, kind, document, False, error)


def ident(*stmts, version="2012-10-17", **top):
    d = {}
    if version is not None:
        d["Version"] = version
    d.update(top)
    d["Statement"] = list(stmts)
    return d


ALLOW = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}


def s(**kw):
    st = dict(ALLOW)
    for k, v in kw.items():
        if v is None:
            st.pop(k, None)
        else:
            st[k] = v
    return st


def nonws_len(text):
    return sum(1 for ch in text if ch not in " \t\r\n")


def sized(kind_doc, target):
    """Return a compact document whose length (== non-whitespace length) is exactly target.

    kind_doc(items) builds a document from a list of padding ARN strings."""
    items = ["arn:aws:s3:::bucket-0000/*"]
    while True:
        nxt = items + ["arn:aws:s3:::bucket-%04d/*" % len(items)]
        if len(compact(kind_doc(nxt))) > target:
            break
        items = nxt
    deficit = target - len(compact(kind_doc(items)))
    assert deficit >= 0
    items[-1] = items[-1][:-2] + "x" * deficit + "/*"
    text = compact(kind_doc(items))
    assert len(text) == target == nonws_len(text), (len(text), target)
    return text


def ident_sized(items):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": items}]}


def scp_sized(items):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": items}]}


def trust_sized(items):
    subs = ["system:serviceaccount:ns:" + x.split("-")[1].split("/")[0] for x in items]
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::%s:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC" % A1},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/ABC:sub": subs}}}]}


def trust_sized_exact(target):
    # pad via a single aud value so the exact length is reachable
    base = trust_sized([])
    base["Statement"][0]["Condition"]["StringEquals"]["oidc.eks.us-east-1.amazonaws.com/id/ABC:aud"] = ""
    need = target - len(compact(base))
    assert need > 0
    base["Statement"][0]["Condition"]["StringEquals"]["oidc.eks.us-east-1.amazonaws.com/id/ABC:aud"] = "a" * need
    text = compact(base)
    assert len(text) == target == nonws_len(text)
    return text, base


# ---------------------------------------------------------------- identity policies
F = "identity"
K = "identity"
ok(F, "identity-valid-minimal", "A minimal identity policy with Version 2012-10-17 and one Allow statement.", K, ident(ALLOW))
ok(F, "identity-valid-statement-object", "Statement may be a single object instead of an array.", K,
   {"Version": "2012-10-17", "Statement": ALLOW})
ok(F, "identity-valid-string-or-list", "Action and Resource accept a string or a list of strings.", K,
   ident(s(Action=["s3:GetObject", "s3:PutObject"]), s(Resource=["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"])))
ok(F, "identity-valid-no-version", "Version may be omitted (the 2008-10-17 language is assumed; variables are then literal).", K,
   ident(ALLOW, version=None))
ok(F, "identity-valid-version-2008", "Version 2008-10-17 is the older accepted language version.", K, ident(ALLOW, version="2008-10-17"))
ok(F, "identity-valid-id-element", "The optional top-level Id element is accepted.", K, ident(ALLOW, Id="policy-one"))
ok(F, "identity-valid-sid-alphanumeric", "Sid made of letters and digits.", K, ident(s(Sid="ReadBucket1")))
ok(F, "identity-valid-notaction", "NotAction instead of Action.", K, ident(s(Action=None, NotAction="iam:*", Resource="*")))
ok(F, "identity-valid-notresource", "NotResource instead of Resource.", K, ident(s(Resource=None, NotResource="arn:aws:s3:::secret/*")))
ok(F, "identity-valid-conditions", "Several condition operators, including IfExists, a set operator and Null.", K,
   ident(s(Condition={"StringEqualsIfExists": {"aws:RequestedRegion": "eu-west-1"},
                      "ForAllValues:StringLike": {"aws:TagKeys": ["project", "owner*"]},
                      "Null": {"aws:TokenIssueTime": "true"},
                      "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8::/32"]}})))
ok(F, "identity-valid-all-operator-families", "One condition key per operator family (String, Numeric, Date, Bool, Binary, IP, ARN, Null).", K,
   ident(s(Condition={"StringNotLike": {"s3:prefix": "tmp/*"}, "NumericLessThanEquals": {"s3:max-keys": "10"},
                      "DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}, "Bool": {"aws:SecureTransport": "true"},
                      "BinaryEquals": {"app:token": "QmluYXJ5"}, "NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"},
                      "ArnLike": {"aws:SourceArn": "arn:aws:sns:*:%s:*" % A1}, "Null": {"aws:PrincipalTag/team": "false"}})))
ok(F, "identity-valid-policy-variable", "Policy variables in the resource part of an ARN.", K,
   ident(s(Resource="arn:aws:s3:::bucket/home/${aws:username}/*")))
ok(F, "identity-valid-deny-only", "A policy made only of Deny statements is valid (it just grants nothing).", K,
   ident({"Effect": "Deny", "Action": "*", "Resource": "*"}))
ok(F, "identity-valid-action-star", "Action * and Resource * are valid.", K, ident({"Effect": "Allow", "Action": "*", "Resource": "*"}))
ok(F, "identity-valid-latin1-character", "Characters up to U+00FF are allowed: a condition value with U+00E9 and U+00FF.", K,
   ident(s(Condition={"StringEquals": {"aws:PrincipalTag/city": "Montr\u00e9al\u00ff"}})))
ok(F, "identity-valid-tab-cr-lf", "Tab, LF and CR are allowed as whitespace.", K,
   '{\t"Version": "2012-10-17",\r\n\t"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]\r\n}')
ok(F, "identity-valid-resource-wildcards", "Wildcards inside ARN segments are valid in Resource.", K,
   ident(s(Resource="arn:aws:sqs:*:%s:queue-?" % A1)))
bad(F, "identity-invalid-unknown-top-level-key", "Unknown top-level element (Foo): IAM reports a syntax error.", K,
    ident(ALLOW, Foo="bar"))
bad(F, "identity-invalid-unknown-statement-key", "Unknown statement element (Actions, a typo): syntax error.", K,
    ident({"Effect": "Allow", "Actions": "s3:GetObject", "Resource": "*"}))
bad(F, "identity-invalid-action-and-notaction", "Action and NotAction are mutually exclusive in one statement.", K,
    ident(s(NotAction="iam:*")))
bad(F, "identity-invalid-resource-and-notresource", "Resource and NotResource are mutually exclusive in one statement.", K,
    ident(s(NotResource="arn:aws:s3:::secret/*")))
bad(F, "identity-invalid-missing-action", "A statement must contain Action or NotAction (IAM: 'Policy statement must contain actions').", K,
    ident(s(Action=None)))
bad(F, "identity-invalid-missing-effect", "Effect is required in every statement.", K, ident(s(Effect=None)))
bad(F, "identity-invalid-effect-lowercase", "Effect is case-sensitive: only Allow and Deny are accepted; 'allow' is rejected.", K,
    ident(s(Effect="allow")))
bad(F, "identity-invalid-effect-unknown", "Effect must be Allow or Deny.", K, ident(s(Effect="Permit")))
bad(F, "identity-invalid-version-unknown", "Version must be 2012-10-17 or 2008-10-17.", K, ident(ALLOW, version="2012-10-18"))
bad(F, "identity-invalid-version-date-format", "Version must be one of the two literal strings; another date format is rejected.", K,
    ident(ALLOW, version="17-10-2012"))
bad(F, "identity-invalid-principal", "Principal is prohibited in identity-based policies ('Has prohibited field Principal').", K,
    ident(s(Principal={"AWS": "arn:aws:iam::%s:root" % A1})))
bad(F, "identity-invalid-notprincipal", "NotPrincipal is prohibited in identity-based policies.", K,
    ident(s(NotPrincipal={"AWS": "arn:aws:iam::%s:root" % A1})))
bad(F, "identity-invalid-missing-resource", "Identity policy statements must contain Resource or NotResource ('Policy statement must contain resources').", K,
    ident(s(Resource=None)))
bad(F, "identity-invalid-empty-resource", "An empty string is not an ARN ('Resource  must be in ARN format or \"*\"').", K,
    ident(s(Resource="")))
bad(F, "identity-invalid-malformed-arn", "arn:aws:s3 lacks the remaining ARN segments.", K, ident(s(Resource="arn:aws:s3")))
bad(F, "identity-invalid-resource-not-arn", "A bare bucket/key path is not an ARN.", K, ident(s(Resource="bucket/key")))
bad(F, "identity-invalid-resource-list-with-bad-entry", "One malformed entry makes the Resource list invalid.", K,
    ident(s(Resource=["arn:aws:s3:::bucket/*", "not-an-arn"])))
bad(F, "identity-invalid-unknown-operator", "Unknown condition operator StringEqualz.", K,
    ident(s(Condition={"StringEqualz": {"aws:username": "alice"}})))
bad(F, "identity-invalid-forallvalues-bad-operator", "A set qualifier on an unknown operator (ForAllValues:StringEqualz) is invalid.", K,
    ident(s(Condition={"ForAllValues:StringEqualz": {"aws:TagKeys": "a"}})))
bad(F, "identity-invalid-unknown-set-qualifier", "Only ForAllValues and ForAnyValue are set qualifiers.", K,
    ident(s(Condition={"ForSomeValues:StringEquals": {"aws:TagKeys": "a"}})))
bad(F, "identity-invalid-ifexists-on-null", "The IfExists suffix is not available for Null (NullIfExists is not an operator).", K,
    ident(s(Condition={"NullIfExists": {"aws:TokenIssueTime": "true"}})))
bad(F, "identity-invalid-condition-missing-operator", "A condition key directly under Condition, without an operator, is a syntax error.", K,
    ident(s(Condition={"aws:username": "alice"})))
bad(F, "identity-invalid-operator-value-not-object", "An operator must map to an object of key/value pairs, not a plain string.", K,
    ident(s(Condition={"StringEquals": "alice"})))
bad(F, "identity-invalid-empty-statement-list", "An empty Statement list is rejected.", K, ident())
bad(F, "identity-invalid-no-statement", "A document without Statement ({}) is rejected.", K, "{}")
bad(F, "identity-invalid-statement-string", "Statement must be an object or an array of objects.", K,
    {"Version": "2012-10-17", "Statement": "Allow everything"})
bad(F, "identity-invalid-top-level-array", "The document must be a single JSON object.", K, [ALLOW])
bad(F, "identity-invalid-duplicate-sid", "Statement IDs must be unique within one policy ('Statement IDs (SID) in a single policy must be unique').", K,
    ident(s(Sid="Read"), s(Sid="Read", Action="s3:ListBucket", Resource="arn:aws:s3:::bucket")))
bad(F, "identity-invalid-sid-hyphen", "Sids in IAM managed policies must match [0-9A-Za-z]* ('Statement IDs (SID) must be alpha-numeric').", K,
    ident(s(Sid="read-bucket")))
bad(F, "identity-invalid-sid-space", "A Sid with a space is not alphanumeric (managed policy rules).", K, ident(s(Sid="Read Bucket")))
bad(F, "identity-invalid-json-trailing-comma", "Not valid JSON (trailing comma).", K,
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",}]}')
bad(F, "identity-invalid-json-truncated", "Not valid JSON (truncated document).", K,
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"')
bad(F, "identity-invalid-action-no-vendor", "An action must be prefixed by a service ('Actions/Conditions must be prefaced by a vendor').", K,
    ident(s(Action="GetObject")))
bad(F, "identity-invalid-action-two-colons", "An action may contain only one colon.", K, ident(s(Action="s3:Get:Object")))
bad(F, "identity-invalid-char-outside-latin1", "U+0100 is outside the allowed set (tab, LF, CR, U+0020-U+00FF). AWS may report this at the parameter layer (ValidationError) rather than as MalformedPolicyDocument.", K,
    ident(s(Condition={"StringEquals": {"aws:PrincipalTag/city": "\u0100"}})))
bad(F, "identity-invalid-char-emoji", "A character far outside U+0020-U+00FF (U+2603) is rejected. AWS may report this at the parameter layer (ValidationError).", K,
    ident(s(Condition={"StringEquals": {"aws:PrincipalTag/city": "\u2603"}})))
ok(F, "identity-size-exactly-6144", "Customer managed policy size limit is 6,144 characters (whitespace not counted): exactly 6,144 is accepted.", K,
   sized(ident_sized, 6144))
bad(F, "identity-size-6145", "One character over the 6,144 managed-policy limit: IAM answers LimitExceeded ('Cannot exceed quota for PolicySize: 6144').", K,
    sized(ident_sized, 6145), LIM)
bad(F, "identity-size-far-over", "Far over the 6,144 managed-policy limit: LimitExceeded.", K, sized(ident_sized, 9000), LIM)
_pp = json.loads(sized(ident_sized, 6100))
_txt = json.dumps(_pp, indent=12)
assert len(_txt) > 6144 and nonws_len(_txt) == 6100
ok(F, "identity-size-whitespace-not-counted", "Whitespace does not count toward the limit: 6,100 non-whitespace characters, well over 6,144 characters in total because of indentation.", K, _txt)

# ---------------------------------------------------------------- resource policies
F = "resource"
K = "resource"
RB = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % A2}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}


def r(**kw):
    st = dict(RB)
    for k, v in kw.items():
        if v is None:
            st.pop(k, None)
        else:
            st[k] = v
    return st


NOTE = " (S3 itself names this error MalformedPolicy; other services use their own codes.)"
ok(F, "resource-valid-account-principal", "Resource policy granting to another account's root ARN.", K, ident(RB))
ok(F, "resource-valid-star-principal", "Principal \"*\" (everyone).", K, ident(r(Principal="*")))
ok(F, "resource-valid-aws-star-principal", "Principal {\"AWS\": \"*\"}.", K, ident(r(Principal={"AWS": "*"})))
ok(F, "resource-valid-account-id-principal", "A bare 12-digit account ID as AWS principal.", K, ident(r(Principal={"AWS": A2})))
ok(F, "resource-valid-principal-list", "A list of user and role ARNs as AWS principal.", K,
   ident(r(Principal={"AWS": ["arn:aws:iam::%s:user/alice" % A1, "arn:aws:iam::%s:role/app" % A1]})))
ok(F, "resource-valid-service-principal", "A Service principal with a SourceAccount condition.", K,
   ident(r(Principal={"Service": "cloudtrail.amazonaws.com"}, Action="s3:PutObject", Condition={"StringEquals": {"aws:SourceAccount": A1}})))
ok(F, "resource-valid-notprincipal-deny", "NotPrincipal with Deny in a resource policy.", K,
   ident(RB, r(Effect="Deny", Principal=None, NotPrincipal={"AWS": ["arn:aws:iam::%s:user/alice" % A1, "arn:aws:iam::%s:root" % A1]}, Action="s3:*")))
bad(F, "resource-invalid-missing-principal", "Resource-based policies require Principal or NotPrincipal in every statement." + NOTE, K,
    ident(r(Principal=None)))
bad(F, "resource-invalid-principal-and-notprincipal", "Principal and NotPrincipal are mutually exclusive." + NOTE, K,
    ident(r(NotPrincipal={"AWS": A1})))
bad(F, "resource-invalid-partial-wildcard-principal", "Wildcards other than a lone * are not allowed in Principal ('Invalid principal in policy')." + NOTE, K,
    ident(r(Principal={"AWS": "arn:aws:iam::%s:user/*" % A1})))
bad(F, "resource-invalid-unknown-principal-type", "Principal keys are AWS, Service, Federated or CanonicalUser; Foo is rejected." + NOTE, K,
    ident(r(Principal={"Foo": A1})))
bad(F, "resource-invalid-missing-resource", "Resource-based policy statements (other than trust policies) need Resource or NotResource." + NOTE, K,
    ident(r(Resource=None)))
bad(F, "resource-invalid-missing-action", "Every statement needs Action or NotAction." + NOTE, K, ident(r(Action=None)))
bad(F, "resource-invalid-missing-effect", "Every statement needs Effect." + NOTE, K, ident(r(Effect=None)))
bad(F, "resource-invalid-unknown-operator", "Unknown condition operator." + NOTE, K, ident(r(Condition={"IpAdress": {"aws:SourceIp": "10.0.0.0/8"}})))
bad(F, "resource-invalid-empty-statement", "An empty Statement list is rejected." + NOTE, K, ident())

# ---------------------------------------------------------------- role trust policies
F = "trust"
K = "trust"
TR = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % A2}, "Action": "sts:AssumeRole"}


def t(**kw):
    st = dict(TR)
    for k, v in kw.items():
        if v is None:
            st.pop(k, None)
        else:
            st[k] = v
    return st


OIDC = "arn:aws:iam::%s:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC" % A1
ok(F, "trust-valid-account-principal", "A trust policy trusting another account; trust policies have no Resource element.", K, ident(TR))
ok(F, "trust-valid-statement-object", "Statement as a single object.", K, {"Version": "2012-10-17", "Statement": TR})
ok(F, "trust-valid-service-principal-tag-session", "EKS Pod Identity trust: Service pods.eks.amazonaws.com with sts:AssumeRole and sts:TagSession.", K,
   ident(t(Principal={"Service": "pods.eks.amazonaws.com"}, Action=["sts:AssumeRole", "sts:TagSession"])))
ok(F, "trust-valid-oidc-web-identity", "IRSA trust: Federated OIDC provider with sub and aud conditions.", K,
   ident(t(Principal={"Federated": OIDC}, Action="sts:AssumeRoleWithWebIdentity",
           Condition={"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:ns:sa",
                                       "oidc.eks.us-east-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com"}})))
ok(F, "trust-valid-saml", "SAML trust with sts:AssumeRoleWithSAML.", K,
   ident(t(Principal={"Federated": "arn:aws:iam::%s:saml-provider/corp" % A1}, Action="sts:AssumeRoleWithSAML",
           Condition={"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}})))
ok(F, "trust-valid-external-id", "Cross-account trust with an sts:ExternalId condition and sts:SetSourceIdentity.", K,
   ident(t(Action=["sts:AssumeRole", "sts:SetSourceIdentity"], Condition={"StringEquals": {"sts:ExternalId": "Unique-1234"}})))
ok(F, "trust-valid-deny-statement", "A trust policy may also contain Deny statements.", K,
   ident(TR, t(Effect="Deny", Principal={"AWS": "arn:aws:iam::%s:user/mallory" % A2})))
bad(F, "trust-invalid-resource", "Trust policies must not contain Resource ('Has prohibited field Resource').", K,
    ident(t(Resource="*")))
bad(F, "trust-invalid-notprincipal", "NotPrincipal cannot be used in a role trust policy (current IAM docs).", K,
    ident(t(Principal=None, NotPrincipal={"AWS": "arn:aws:iam::%s:root" % A2})))
bad(F, "trust-invalid-missing-principal", "A trust policy statement must name a Principal.", K, ident(t(Principal=None)))
bad(F, "trust-invalid-non-sts-action", "A trust policy may only allow STS AssumeRole-family actions ('AssumeRole policy may only specify STS AssumeRole actions').", K,
    ident(t(Action="s3:GetObject")))
bad(F, "trust-invalid-missing-action", "A trust statement needs an Action.", K, ident(t(Action=None)))
bad(F, "trust-invalid-partial-wildcard-principal", "Partial wildcards are not allowed in a principal ARN ('Invalid principal in policy').", K,
    ident(t(Principal={"AWS": "arn:aws:iam::%s:role/*" % A2})))
bad(F, "trust-invalid-effect-lowercase", "Effect 'allow' is rejected; it must be Allow.", K, ident(t(Effect="allow")))
bad(F, "trust-invalid-unknown-top-level-key", "Unknown top-level element.", K, ident(TR, Extra=1))
_t2048, _ = trust_sized_exact(2048)
ok(F, "trust-size-exactly-2048", "Role trust policy default quota is 2,048 characters (whitespace not counted; adjustable by quota increase): exactly 2,048 is accepted.", K, _t2048)
_t2049, _ = trust_sized_exact(2049)
bad(F, "trust-size-2049", "One over the default 2,048-character trust policy quota: IAM answers LimitExceeded ('Cannot exceed quota for ACLSizePerRole: 2048'). Valid only if the account's quota was raised.", K, _t2049, LIM)
# No whitespace case for trust policies: the IAM quota table states that whitespace is not
# counted only for managed and inline policies, not for the role trust policy length.

# ---------------------------------------------------------------- permissions boundaries
F = "boundary"
K = "boundary"
ok(F, "boundary-valid-simple", "A boundary is a managed policy: Allow s3:* and cloudwatch:*.", K,
   ident({"Sid": "ServiceBoundaries", "Effect": "Allow", "Action": ["s3:*", "cloudwatch:*"], "Resource": "*"}))
ok(F, "boundary-valid-deny-with-condition", "Boundary with a conditional Deny.", K,
   ident({"Effect": "Allow", "Action": "*", "Resource": "*"},
         {"Effect": "Deny", "Action": "iam:DeleteUserPermissionsBoundary", "Resource": "*",
          "Condition": {"StringNotEquals": {"aws:PrincipalTag/admin": "true"}}}))
bad(F, "boundary-invalid-principal", "Principal is prohibited in a boundary (identity-style managed policy).", K,
    ident(s(Principal="*")))
bad(F, "boundary-invalid-missing-resource", "Boundary statements need Resource or NotResource.", K, ident(s(Resource=None)))
bad(F, "boundary-invalid-duplicate-sid", "Duplicate Sids are rejected in managed policies.", K, ident(s(Sid="A"), s(Sid="A")))
bad(F, "boundary-invalid-sid-underscore", "Managed policy Sids must be alphanumeric; an underscore is rejected.", K, ident(s(Sid="read_all")))
bad(F, "boundary-size-over-6144", "A boundary is a managed policy, so the 6,144-character limit applies: LimitExceeded.", K,
    sized(ident_sized, 7000), LIM)

# ---------------------------------------------------------------- session policies
F = "session"
K = "session"
ok(F, "session-valid-simple", "An inline session policy passed to AssumeRole.", K, ident(ALLOW))
ok(F, "session-valid-notaction-deny", "Session policy with a Deny + NotAction statement.", K,
   ident({"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}))
ok(F, "session-valid-statement-object", "Statement as a single object.", K, {"Version": "2012-10-17", "Statement": ALLOW})
bad(F, "session-invalid-json", "Not valid JSON: STS answers MalformedPolicyDocument.", K, '{"Version": "2012-10-17", "Statement": [')
bad(F, "session-invalid-missing-effect", "Missing Effect.", K, ident(s(Effect=None)))
bad(F, "session-invalid-effect-lowercase", "Effect 'deny' is rejected; it must be Deny.", K, ident(s(Effect="deny")))
bad(F, "session-invalid-unknown-operator", "Unknown condition operator.", K, ident(s(Condition={"DateEqual": {"aws:CurrentTime": "2024-01-01"}})))
bad(F, "session-invalid-version", "Unknown Version string.", K, ident(ALLOW, version="2020-01-01"))
bad(F, "session-invalid-action-and-notaction", "Action and NotAction together.", K, ident(s(NotAction="s3:*")))

# ---------------------------------------------------------------- service control policies
F = "scp"
K = "scp"
SCPNOTE = " SCPs are validated by AWS Organizations, whose code for this is MalformedPolicyDocumentException."
ORG_MAL, ORG_LIM = "MalformedPolicyDocumentException", "ConstraintViolationException"
ok(F, "scp-valid-full-aws-access", "The default FullAWSAccess SCP.", K,
   ident({"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}))
ok(F, "scp-valid-region-deny", "Deny outside approved regions, exempting global services with NotAction.", K,
   ident({"Sid": "DenyOutsideEU", "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "organizations:*"], "Resource": "*",
          "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}}))
ok(F, "scp-valid-deny-with-principal-arn-condition", "Deny with an ArnNotLike condition on aws:PrincipalArn.", K,
   ident({"Effect": "Deny", "Action": "iam:*", "Resource": "*",
          "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}}))
bad(F, "scp-invalid-principal", "SCPs do not support the Principal element." + SCPNOTE, K,
    ident({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}), ORG_MAL)
bad(F, "scp-invalid-notprincipal", "SCPs do not support NotPrincipal." + SCPNOTE, K,
    ident({"Effect": "Deny", "NotPrincipal": {"AWS": A1}, "Action": "s3:*", "Resource": "*"}), ORG_MAL)
bad(F, "scp-invalid-missing-effect", "Missing Effect." + SCPNOTE, K, ident({"Action": "s3:*", "Resource": "*"}), ORG_MAL)
bad(F, "scp-invalid-effect-lowercase", "Effect 'deny' is rejected." + SCPNOTE, K, ident({"Effect": "deny", "Action": "s3:*", "Resource": "*"}), ORG_MAL)
bad(F, "scp-invalid-json", "Two top-level objects are not one JSON document." + SCPNOTE, K,
    '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}}\n'
    '{"Statement": {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}}', ORG_MAL)
ok(F, "scp-size-exactly-5120", "SCP maximum size is 5,120 characters: a compact document of exactly 5,120 is accepted.", K,
   sized(scp_sized, 5120))
bad(F, "scp-size-5121", "One character over the 5,120-character SCP limit: AWS Organizations answers ConstraintViolationException (reason POLICY_CONTENT_LIMIT_EXCEEDED), not IAM's LimitExceeded.", K,
    sized(scp_sized, 5121), ORG_LIM)


def main():
    names = set()
    total = 0
    for f, cases in FILES.items():
        for c in cases:
            assert c["name"] not in names, c["name"]
            names.add(c["name"])
            total += 1
        with open(os.path.join(OUT, f + ".json"), "w", encoding="utf-8") as fh:
            json.dump(cases, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
    for f in sorted(FILES):
        print(f, len(FILES[f]))
    print("total", total)


if __name__ == "__main__":
    main()
