import type { RevocationEntry, RevocationKind } from './revocation-entry.js';

const KINDS = new Set<string>(['grant', 'task', 'agent', 'epoch']);

/** Turns one Redis stream entry `[id, [field, value, ...]]` into a {@link RevocationEntry}. */
export function parseStreamEntry(raw: unknown): RevocationEntry | undefined {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string' || !Array.isArray(raw[1])) return;
  const fields: Record<string, string> = {};
  const list = raw[1] as unknown[];
  for (let i = 0; i + 1 < list.length; i += 2) fields[String(list[i])] = String(list[i + 1]);
  if (!KINDS.has(fields.kind ?? '') || fields.agent === undefined) return;
  return {
    id: raw[0],
    kind: fields.kind as RevocationKind,
    agent: fields.agent,
    ...(fields.task !== undefined ? { task: fields.task } : {}),
    ...(fields.jti !== undefined ? { jti: fields.jti } : {}),
    ...(fields.aud !== undefined ? { aud: fields.aud } : {}),
    at: Number(fields.at),
    until: Number(fields.until),
    reason: fields.reason ?? '',
  };
}
