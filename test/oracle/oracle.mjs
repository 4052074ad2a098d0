#!/usr/bin/env node
// podiam differential-testing oracle.
//
// Runs @cloud-copilot/iam-simulate (AGPL-3.0-or-later) in its own process. podiam talks to it
// only through JSON lines on stdin/stdout; no podiam code links, vendors or copies it.
// See README.md for the input and output format and NOTES.md for how iam-simulate decides.
//
// It calls iam-simulate's internal authorize() (not the validated runSimulation), because
// runSimulation drops context keys that its catalogue does not list for the action, such as
// an EKS OIDC provider's "oidc.eks.<region>.amazonaws.com/id/<ID>:sub".

// iam-simulate reads ISO date-times without a zone in local time; make that UTC everywhere.
process.env.TZ = 'UTC';

import { createInterface } from 'node:readline';
import { loadPolicy, validateIdentityPolicy, validateResourceControlPolicy, validateResourcePolicy,
  validateServiceControlPolicy, validateSessionPolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';
import { anonymousPrincipal, isWildcardOnlyAction, typeForContextKey } from '@cloud-copilot/iam-simulate';

// Internal modules of iam-simulate 0.1.173. They are not in the package's "exports" map, so they
// are imported by file URL. The paths are pinned together with the version in package-lock.json.
const simDist = new URL('./node_modules/@cloud-copilot/iam-simulate/dist/esm/', import.meta.url);
const { authorize } = await import(new URL('core_engine/CoreSimulatorEngine.js', simDist));
const { AwsRequestImpl } = await import(new URL('request/request.js', simDist));
const { RequestContextImpl } = await import(new URL('requestContext.js', simDist));
const { DiscoveryContextKeyConstraints } = await import(new URL('context_keys/discoveryContextKeyConstraints.js', simDist));
const { expandShortArn } = await import(new URL('util/resourceStrings.js', simDist));

// The RCP AWS attaches to every OU and account (runSimulation adds it to each RCP level too).
const FULL_ACCESS_RCP = {
  name: 'arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess',
  document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }
};

const DECISIONS = { Allowed: 'allowed', ExplicitlyDenied: 'explicitDeny', ImplicitlyDenied: 'implicitDeny' };

// Web-identity providers that are not ARNs and not "*.amazonaws.com" (see shimWebIdentity).
const isDomainIdP = (p) => typeof p === 'string' && !p.startsWith('arn:') && p.includes('.') &&
  !p.endsWith('amazonaws.com');

class LineError extends Error {}

const keyTypeCache = new Map();
async function catalogueKeyType(key) {
  const k = key.toLowerCase();
  if (!keyTypeCache.has(k)) {
    let t;
    try { t = await typeForContextKey(k); } catch { t = undefined; }
    keyTypeCache.set(k, t);
  }
  return keyTypeCache.get(k);
}

const wildcardOnlyCache = new Map();
async function wildcardOnly(action) {
  const k = action.toLowerCase();
  if (!wildcardOnlyCache.has(k)) {
    const [service, name] = action.split(':');
    let v = false;
    try { v = await isWildcardOnlyAction(service, name); } catch { v = false; }
    wildcardOnlyCache.set(k, v);
  }
  return wildcardOnlyCache.get(k);
}

// Turns one {name, document} entry into a loaded iam-simulate policy. document may be an object
// or a JSON string. Validation problems are collected as notes; evaluation still runs.
function load(entry, defaultName, validate, notes) {
  if (entry === null || typeof entry !== 'object') throw new LineError(`${defaultName}: want {"name","document"}`);
  let doc = entry.document;
  if (typeof doc === 'string') {
    try { doc = JSON.parse(doc); } catch (e) { throw new LineError(`${defaultName}: document is not JSON: ${e.message}`); }
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new LineError(`${defaultName}: document must be a JSON object`);
  const name = typeof entry.name === 'string' && entry.name !== '' ? entry.name : defaultName;
  let errs = [];
  try { errs = validate(doc); } catch (e) { errs = [{ path: '', message: String(e.message ?? e) }]; }
  for (const e of errs) notes.push(`invalid ${name}: ${e.path ? e.path + ': ' : ''}${e.message}`);
  return loadPolicy(doc, { name });
}

const list = (v, field) => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new LineError(`${field} must be an array`);
  return v;
};

// Several session policies (inline plus managed ARNs) form one session policy; iam-simulate takes
// one, so they are presented as one policy whose statements are the union.
function joinPolicies(policies, name) {
  if (policies.length === 0) return undefined;
  if (policies.length === 1) return policies[0];
  return {
    statements: () => policies.flatMap((p) => p.statements()),
    metadata: () => ({ name }),
    version: () => policies[0].version(),
    id: () => undefined,
    toJSON: () => ({ Statement: policies.flatMap((p) => p.toJSON().Statement) })
  };
}

async function buildContext(raw, notes) {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new LineError('context must be an object');
  const out = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || value === undefined) continue; // absent key
    let v;
    if (Array.isArray(value)) {
      v = value.map((x) => {
        if (x === null || typeof x === 'object') throw new LineError(`context ${key}: array items must be scalars`);
        return String(x);
      });
    } else if (typeof value === 'object') {
      throw new LineError(`context ${key}: want a string or an array of strings`);
    } else {
      v = String(value);
    }
    const t = await catalogueKeyType(key);
    if (t !== undefined && t.startsWith('ArrayOf') !== Array.isArray(v)) {
      notes.push(`context ${key}: catalogue type ${t}, given ${Array.isArray(v) ? 'array' : 'string'} (kept as given)`);
    }
    out[key] = v;
  }
  return out;
}

function statementRefs(analysis, kind) {
  return (analysis?.[kind] ?? []).map((s) => `${s.policyId}#${s.explain?.identifier ?? s.statement.index()}`);
}

function summarise(result, haveSCPs, haveRCPs) {
  const parts = [];
  const r = (a) => (a ? a.result : '-');
  parts.push(`identity=${r(result.identityAnalysis)}`);
  parts.push(`resource=${r(result.resourceAnalysis)}`);
  parts.push(`boundary=${r(result.permissionBoundaryAnalysis)}`);
  parts.push(`session=${r(result.sessionAnalysis)}`);
  parts.push(`scp=${haveSCPs ? r(result.scpAnalysis) : '-'}`);
  parts.push(`rcp=${haveRCPs ? r(result.rcpAnalysis) : '-'}`);
  if (result.sameAccount !== undefined) parts.push(`sameAccount=${result.sameAccount}`);
  if (result.blockedBy?.length) parts.push(`blockedBy=${result.blockedBy.join(',')}`);
  const analyses = [result.sessionAnalysis, result.identityAnalysis, result.resourceAnalysis,
    result.permissionBoundaryAnalysis, ...(result.scpAnalysis?.ouAnalysis ?? []), ...(result.rcpAnalysis?.ouAnalysis ?? [])];
  const deny = analyses.flatMap((a) => statementRefs(a, 'denyStatements'));
  const allow = analyses.flatMap((a) => statementRefs(a, 'allowStatements'));
  if (deny.length) parts.push(`deny=${[...new Set(deny)].join(',')}`);
  if (allow.length) parts.push(`allow=${[...new Set(allow)].join(',')}`);
  return parts.join(' ');
}

async function evaluate(input) {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new LineError('line must be a JSON object');
  const notes = [];

  // Principal: "anonymous" becomes iam-simulate's anonymous marker; every other string is passed
  // as is (ARNs, service principals, OIDC/SAML provider ARNs, "accounts.google.com", ...).
  if (typeof input.principal !== 'string' || input.principal === '') throw new LineError('principal must be a non-empty string');
  const principal = input.principal === 'anonymous' ? anonymousPrincipal : input.principal;

  const action = input.action;
  if (typeof action !== 'string' || action.split(':').length !== 2 || action.split(':').some((p) => p === '')) {
    throw new LineError('action must look like "service:Action"');
  }

  // "resource" is the resource ARN; the resource policy is "resourcePolicy". For compatibility an
  // object (or null) in "resource" is taken as the policy, with the ARN in "resourceArn".
  let resourceArn = input.resourceArn;
  let resourcePolicyEntry = input.resourcePolicy;
  if (typeof input.resource === 'string') resourceArn = input.resource;
  else if (input.resource !== undefined && resourcePolicyEntry === undefined) resourcePolicyEntry = input.resource;
  if (typeof resourceArn !== 'string' || resourceArn === '') throw new LineError('resource (the resource ARN) must be a non-empty string');
  if (resourceArn !== '*' && resourceArn.includes('*')) notes.push('resource ARN contains "*": iam-simulate treats it as a pattern');
  // The resource's account decides same- versus cross-account. S3 ARNs carry no account, so the
  // caller should always send it; otherwise the ARN's account field is used.
  let resourceAccount = input.resourceAccount === undefined || input.resourceAccount === null ? undefined : String(input.resourceAccount);
  if (resourceAccount === undefined) {
    resourceAccount = resourceArn.split(':')[4] || undefined;
    notes.push(resourceAccount ? 'resourceAccount missing: taken from the ARN' : 'resourceAccount missing: resource counts as another account');
  }

  const kind = input.resourceKind ?? 'resource';
  if (kind !== 'resource' && kind !== 'trust') throw new LineError('resourceKind must be "resource" or "trust"');
  if (kind === 'trust' && !action.toLowerCase().startsWith('sts:')) throw new LineError('resourceKind "trust" needs an sts: action');

  const identityPolicies = list(input.identity, 'identity').map((e, i) => load(e, `identity${i + 1}`, validateIdentityPolicy, notes));
  const boundaries = list(input.boundary, 'boundary').map((e, i) => load(e, `boundary${i + 1}`, validateIdentityPolicy, notes));
  if (boundaries.length > 1) throw new LineError('boundary takes at most one policy');
  const sessions = list(input.session, 'session').map((e, i) => load(e, `session${i + 1}`, validateSessionPolicy, notes));
  const scps = list(input.scps, 'scps').map((e, i) => load(e, `scp${i + 1}`, validateServiceControlPolicy, notes));
  const rcps = list(input.rcps, 'rcps').map((e, i) => load(e, `rcp${i + 1}`, validateResourceControlPolicy, notes));
  const resourcePolicy = resourcePolicyEntry === undefined || resourcePolicyEntry === null ? undefined
    : load(resourcePolicyEntry, kind === 'trust' ? 'trust' : 'resource', kind === 'trust' ? validateTrustPolicy : validateResourcePolicy, notes);

  // Shims (skipped when the line has "noShims": true); each one is reported in detail.
  const shims = input.noShims !== true;
  const allowAll = (name) => loadPolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }, { name });

  // Shim: an account's root user is allowed everything in its own account without any identity
  // policy (SCPs, resource-policy denies and the resource side of cross-account access still
  // apply). iam-simulate has no root rule and treats the root ARN as a principal with no policies.
  if (shims && typeof principal === 'string' && /^arn:[^:]+:iam::\d{12}:root$/.test(principal)) {
    identityPolicies.push(allowAll('oracle-shim-root'));
    notes.push('shim: allow-all identity policy for the root user');
  }

  // Shim: a caller of AssumeRoleWithWebIdentity through a non-ARN identity provider (for example
  // accounts.google.com) has no account and no identity policies. iam-simulate would send it down
  // its cross-account path, which also needs an identity-policy allow, so it could never be allowed.
  // AWS decides such a call on the trust policy alone, so an allow-all identity policy is added.
  if (shims && kind === 'trust' && typeof principal === 'string' && isDomainIdP(principal) && identityPolicies.length === 0) {
    identityPolicies.push(allowAll('oracle-shim-web-identity'));
    notes.push('shim: allow-all identity policy for a non-ARN web identity provider');
  }

  const contextValues = await buildContext(input.context, notes);
  const request = new AwsRequestImpl(principal, { resource: expandShortArn(resourceArn), accountId: resourceAccount },
    action, new RequestContextImpl(contextValues), await wildcardOnly(action));

  const result = authorize({
    request,
    sessionPolicy: joinPolicies(sessions, 'session'),
    identityPolicies,
    serviceControlPolicies: scps.length ? [{ orgIdentifier: 'ou-oracle', policies: scps }] : [],
    resourceControlPolicies: rcps.length
      ? [{ orgIdentifier: 'ou-oracle', policies: [loadPolicy(FULL_ACCESS_RCP.document, { name: FULL_ACCESS_RCP.name }), ...rcps] }]
      : [],
    resourcePolicy,
    permissionBoundaries: boundaries.length ? boundaries : undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
    serviceSettings: { s3: { blockPublicAccess: input.s3BlockPublicAccess === true ? true : undefined } }
  });

  const decision = DECISIONS[result.result];
  if (!decision) throw new Error(`unexpected result ${result.result}`);
  const detail = [summarise(result, scps.length > 0, rcps.length > 0), ...notes].join('; ');
  return { decision, detail };
}

function idOf(input) {
  return input !== null && typeof input === 'object' && !Array.isArray(input) && 'id' in input ? input.id : null;
}

async function handle(line) {
  let input;
  try {
    input = JSON.parse(line);
  } catch (e) {
    return { id: null, error: `bad JSON: ${e.message}` };
  }
  const id = idOf(input);
  try {
    const { decision, detail } = await evaluate(input);
    return { id, decision, detail };
  } catch (e) {
    const msg = e instanceof LineError ? e.message : `iam-simulate failed: ${e?.message ?? e}`;
    return { id, error: msg };
  }
}

process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
for await (const line of rl) {
  if (line.trim() === '') continue;
  const out = await handle(line);
  process.stdout.write(JSON.stringify(out) + '\n');
}
