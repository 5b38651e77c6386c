/** What an exchange answered: status, JSON body and headers. */
export interface ExchangeAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Headers;
}

/**
 * POSTs an RFC 8693 exchange as JSON to the broker at `url`: a valid request for one read of
 * ticket T-1, with `fields` laid over it (`undefined` removes a field).
 */
export async function postExchange(
  url: string,
  subjectToken: string,
  fields: Record<string, unknown> = {},
): Promise<ExchangeAnswer> {
  const res = await fetch(`${url}/token-exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(exchangeBody(subjectToken, fields)),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    headers: res.headers,
  };
}

/**
 * POSTs an RFC 7523 jwt-bearer grant as a form (as OAuth clients send it) to the broker at
 * `url`: `assertion`, the same request for one read of ticket T-1 as {@link postExchange}, with
 * `fields` laid over it (`undefined` removes a field; objects are sent as JSON text).
 */
export async function postJwtBearer(
  url: string,
  assertion: string,
  fields: Record<string, unknown> = {},
): Promise<ExchangeAnswer> {
  const all: Record<string, unknown> = {
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion,
    audience: 'tickets',
    scope: 'tickets:read',
    intent: { purpose: 'triage ticket T-1', targets: ['T-1'] },
    ...fields,
  };
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(all)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) && name === 'resource' ? value : [value];
    for (const v of values) form.append(name, typeof v === 'string' ? v : JSON.stringify(v));
  }
  const res = await fetch(`${url}/token-exchange`, { method: 'POST', body: form });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    headers: res.headers,
  };
}

/** {@link postExchange}, throwing unless a token was issued; returns the token and its task. */
export async function exchangeOrThrow(
  url: string,
  subjectToken: string,
  fields: Record<string, unknown> = {},
): Promise<{ token: string; taskId: string }> {
  const res = await postExchange(url, subjectToken, fields);
  if (res.status !== 200) {
    throw new Error(`exchange answered ${res.status}: ${String(res.body.error)}`);
  }
  return { token: res.body.access_token as string, taskId: res.body.task_id as string };
}

/** A valid token-exchange body for `tickets:read` with an intent; `fields` override it. */
export function exchangeBody(
  subjectToken: string,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: subjectToken,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    audience: 'tickets',
    scope: 'tickets:read',
    intent: { purpose: 'triage ticket T-1', targets: ['T-1'] },
    ...fields,
  };
}
