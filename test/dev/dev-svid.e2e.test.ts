import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { MANDATE_FROM_SOURCE } from '../support/mandate-command.js';
import { startTestBroker } from '../support/test-broker.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

describe('dev mode', () => {
  it('`mandate dev svid` prints a JWT-SVID that a dev-mode broker exchanges', async () => {
    const devDir = mkdtempSync(join(tmpdir(), 'mandate-dev-'));
    const t = await startTestBroker({
      config: { dev: { trust_domain: 'dev.mandate.local', dir: devDir } },
    });
    try {
      const { stdout } = await run(
        process.execPath,
        [
          ...MANDATE_FROM_SOURCE,
          'dev',
          'svid',
          'spiffe://dev.mandate.local/agent/triage',
          '--config',
          join(t.dir, 'mandate.yaml'),
        ],
        { cwd: ROOT },
      );
      const svid = stdout.trim();
      expect(decodeJwt(svid)).toMatchObject({
        sub: 'spiffe://dev.mandate.local/agent/triage',
        aud: 'mandate',
      });
      const res = await t.exchange({ subject_token: svid });
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token as string).sub).toBe(
        'spiffe://dev.mandate.local/agent/triage',
      );
    } finally {
      await t.close();
    }
  });

  it('refuses to sign for another trust domain', async () => {
    await expect(
      run(
        process.execPath,
        [...MANDATE_FROM_SOURCE, 'dev', 'svid', 'spiffe://prod.example/agent'],
        { cwd: ROOT },
      ),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('the dev trust domain is dev.mandate.local') as string,
    });
  });
});
