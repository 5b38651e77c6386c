import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { ERROR_CODES, MandateError } from '../../src/errors.js';
import { wireError } from '../../src/http/error-responses.js';

const openapi = parse(readFileSync(resolve(import.meta.dirname, '../../openapi.yaml'), 'utf8')) as {
  components: { schemas: { Error: { properties: { error: { enum: string[] } } } } };
};
const DOCUMENTED = openapi.components.schemas.Error.properties.error.enum;

describe('the error table', () => {
  it('answers every code with a documented wire error, a 4xx/5xx status and no-store', () => {
    for (const code of ERROR_CODES) {
      const answer = wireError(new MandateError(code, 'why'));
      expect([code, DOCUMENTED.includes(answer.body.error)]).toEqual([code, true]);
      expect([code, answer.status >= 400 && answer.status < 600]).toEqual([code, true]);
      expect(answer.headers['Cache-Control']).toBe('no-store');
      expect(answer.body.error_description).toBe('why');
    }
  });

  it('sends the codes RFC 6749 lacks as invalid_request, with their own status', () => {
    const answers = (['conflict', 'payload_too_large', 'unsupported_media_type'] as const).map(
      (code) => wireError(new MandateError(code, 'why')),
    );
    expect(answers.map((a) => [a.status, a.body.error])).toEqual([
      [409, 'invalid_request'],
      [413, 'invalid_request'],
      [415, 'invalid_request'],
    ]);
  });

  it('says when to retry, for a temporary refusal that knows', () => {
    const limited = wireError(new MandateError('rate_limited', 'slow down', { retryAfter: 8 }));
    expect(limited.status).toBe(429);
    expect(limited.headers['Retry-After']).toBe('8');
    const down = wireError(new MandateError('temporarily_unavailable', 'retry', { retryAfter: 1 }));
    expect([down.status, down.headers['Retry-After']]).toEqual([503, '1']);
  });

  it('challenges with the operator-key scheme only where an operator key was refused', () => {
    const missing = new MandateError('invalid_token', 'an operator API key is required');
    expect(wireError(missing, { operatorRole: 'viewer' }).headers['WWW-Authenticate']).toBe(
      'Bearer realm="mandate", error="invalid_token"',
    );
    const lacking = new MandateError('insufficient_scope', 'this action needs the admin role');
    expect(wireError(lacking, { operatorRole: 'admin' }).headers['WWW-Authenticate']).toBe(
      'Bearer realm="mandate", error="insufficient_scope", scope="admin"',
    );
    // an agent's bad bearer token (task completion) names no realm to log in to
    expect(wireError(missing).headers['WWW-Authenticate']).toBeUndefined();
  });

  it('puts the details beside the code and the description', () => {
    const halted = new MandateError('task_halted', 'halted', { details: { rule: 'max_grants' } });
    expect(wireError(halted).body).toEqual({
      error: 'task_halted',
      error_description: 'halted',
      rule: 'max_grants',
    });
  });
});
