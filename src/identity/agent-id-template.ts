import { readClaim } from './claim-conditions.js';
import { refuse } from './subject-refusal.js';

/** Longest agent id produced; ids key Redis records and appear in every audit line. */
export const MAX_AGENT_ID_LENGTH = 512;

const PLACEHOLDER = /\{([^{}]+)\}/g;
// Claim values become part of an id used in logs, Cedar and key names: printable only.
const PRINTABLE = /^[\x21-\x7e]+$/;

/**
 * Renders an `agent_id` template over verified claims: `{claim}` (or a nested `{a/b}`) is
 * replaced by the claim's value, which must be a non-empty printable string or a number.
 *
 * @example
 * renderAgentId('k8s:{kubernetes.io/namespace}/{kubernetes.io/serviceaccount/name}', claims);
 */
export function renderAgentId(template: string, claims: Readonly<Record<string, unknown>>): string {
  const id = template.replace(PLACEHOLDER, (_match, path: string) => {
    const value = readClaim(claims, path);
    const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
    if (typeof text !== 'string' || !PRINTABLE.test(text))
      throw refuse(
        'invalid_claim',
        `claim ${path} needed for the agent id is missing or not printable`,
      );
    return text;
  });
  if (id.length > MAX_AGENT_ID_LENGTH) throw refuse('invalid_claim', 'agent id would be too long');
  // The config refuses templates that could start so; this holds even for one that slipped by.
  if (takesSpiffeForm(id))
    throw refuse(
      'invalid_claim',
      'agent id would take the spiffe: form, which only SPIFFE agents have',
    );
  return id;
}

/** The claim paths a template reads, for checking templates at start. */
export function templateClaims(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/**
 * True when an id starts with the `spiffe:` scheme once NFKC-normalised and with its scheme in
 * lower case: the form reserved for agents verified by a SPIFFE trust domain.
 */
export function takesSpiffeForm(id: string): boolean {
  return /^spiffe:/.test(id.normalize('NFKC').trimStart().slice(0, 16).toLowerCase());
}
