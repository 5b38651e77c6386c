/** A parsed SPIFFE ID. */
export interface SpiffeId {
  readonly trustDomain: string;
  readonly path: readonly string[];
  readonly uri: string;
}

const MAX_ID_BYTES = 2048;
const MAX_TRUST_DOMAIN = 255;
const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/**
 * Parses a SPIFFE ID per the SPIFFE-ID specification, or returns the reason it is not one.
 * Only the exact form is accepted: lower-case `spiffe` scheme, a trust domain of
 * `[a-z0-9._-]`, path segments of `[A-Za-z0-9._-]` that are neither empty, `.` nor `..`, no
 * trailing slash, no port, user info, query or fragment.
 *
 * @example
 * parseSpiffeId('spiffe://prod.example/ns/agents/sa/triage'); // { ok: true, id: {...} }
 */
export function parseSpiffeId(
  value: string,
): { ok: true; id: SpiffeId } | { ok: false; reason: string } {
  if (Buffer.byteLength(value, 'utf8') > MAX_ID_BYTES)
    return { ok: false, reason: 'longer than 2048 bytes' };
  if (!value.startsWith('spiffe://')) return { ok: false, reason: 'scheme is not spiffe' };
  const rest = value.slice('spiffe://'.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  if (trustDomain.length === 0) return { ok: false, reason: 'trust domain is empty' };
  if (trustDomain.length > MAX_TRUST_DOMAIN)
    return { ok: false, reason: 'trust domain is longer than 255 characters' };
  if (!TRUST_DOMAIN.test(trustDomain))
    return { ok: false, reason: 'trust domain has characters outside [a-z0-9._-]' };
  if (slash === -1) return { ok: true, id: { trustDomain, path: [], uri: value } };
  const segments = rest.slice(slash + 1).split('/');
  for (const segment of segments) {
    if (segment === '')
      return { ok: false, reason: 'path has an empty segment or a trailing slash' };
    if (segment === '.' || segment === '..')
      return { ok: false, reason: 'path has a "." or ".." segment' };
    if (!SEGMENT.test(segment))
      return { ok: false, reason: 'path has characters outside [A-Za-z0-9._-]' };
  }
  return { ok: true, id: { trustDomain, path: segments, uri: value } };
}
