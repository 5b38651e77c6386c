import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { testPolicies, validatePolicies } from '../../src/cli/policy-commands.js';
import { loadConfig } from '../../src/config/load-config.js';
import { MANDATE_FROM_SOURCE } from '../support/mandate-command.js';

const ROOT = resolve(import.meta.dirname, '../..');
const devConfig = loadConfig(join(ROOT, 'config/mandate.yaml'));

function capture() {
  const lines: string[] = [];
  return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) } };
}

/** A test file whose one case expects the wrong answer. */
function failingTestFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mandate-ptest-')), 'wrong.test.yaml');
  writeFileSync(
    file,
    `cases:
  - name: triage may delete (it may not)
    principal: { spiffe_id: spiffe://dev.mandate.local/agent/triage }
    request: { audience: tickets, scope: tickets:read tickets:delete }
    expect: { tickets:read: allow, tickets:delete: allow }
`,
  );
  return file;
}

describe('mandate policy validate / test', () => {
  it('passes every case of the shipped example tests', () => {
    const { lines, io } = capture();
    expect(testPolicies(devConfig, {}, io)).toBe(0);
    expect(lines.at(-1)).toMatch(/^\d+ passed, 0 failed$/);
    expect(lines.filter((l) => l.includes('PASS')).length).toBeGreaterThanOrEqual(10);
  });

  it('reports a mismatch with the deciding policies and fails', () => {
    const { lines, io } = capture();
    expect(testPolicies(devConfig, { file: failingTestFile() }, io)).toBe(1);
    expect(lines).toContain('  FAIL  triage may delete (it may not)');
    expect(lines.join('\n')).toMatch(
      /tickets:delete: expected allow, got deny \(by .*triage-never-deletes/,
    );
    expect(lines.at(-1)).toBe('0 passed, 1 failed');
  });

  it('lists the policies of a valid folder with their file and line', () => {
    const { lines, io } = capture();
    expect(validatePolicies(devConfig, undefined, io)).toBe(0);
    expect(lines).toContain('  triage-never-deletes  (triage.cedar:10)');
  });

  it('exits non-zero from the command line on a failing case', async () => {
    const run = promisify(execFile)(
      process.execPath,
      [...MANDATE_FROM_SOURCE, 'policy', 'test', failingTestFile()],
      { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    await expect(run).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining('FAIL  triage may delete') as string,
    });
  });
});
