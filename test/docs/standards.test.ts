import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FRAMEWORKS, mapProblems, parseStandardsMap } from './standards-map.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MAP = readFileSync(resolve(ROOT, 'docs/standards.md'), 'utf8');

/** A repository file's text, or undefined when it does not exist. */
const readRepoFile = (file: string): string | undefined => {
  const path = resolve(ROOT, file);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
};

describe('docs/standards.md', () => {
  it('maps every row of the three frameworks, each to tests that exist, by file and title', () => {
    expect(mapProblems(MAP, readRepoFile)).toEqual([]);
  });

  it('names at least one test in every row but those where Mandate does nothing', () => {
    const frameworks = parseStandardsMap(MAP);
    const rows = [...frameworks.values()].flat();
    expect(rows.map((r) => r.heading)).toEqual(Object.values(FRAMEWORKS).flat());
    const named = rows.filter((r) => r.tests.length > 0).map((r) => r.heading);
    expect(named).toEqual(
      rows.map((r) => r.heading).filter((h) => h !== 'Layer 1: Foundation Models'),
    );
  });
});

describe('the standards map check fails', () => {
  it('on a missing row of each framework, and a missing framework', () => {
    const without = (heading: string) => MAP.replace(`### ${heading}\n`, '### Something else\n');
    expect(mapProblems(without('ASI05 Unexpected Code Execution (RCE)'), readRepoFile)).toContain(
      'missing row "ASI05 Unexpected Code Execution (RCE)"',
    );
    expect(mapProblems(without('Layer 7: Agent Ecosystem'), readRepoFile)).toContain(
      'missing row "Layer 7: Agent Ecosystem"',
    );
    expect(mapProblems(without('MEASURE'), readRepoFile)).toContain('missing row "MEASURE"');
    expect(mapProblems(MAP.replace('## NIST AI RMF\n', '## NIST\n'), readRepoFile)).toContain(
      'missing framework "NIST AI RMF"',
    );
  });

  it('on a test file that does not exist and a title not in its file', () => {
    const gone = MAP.replace('`test/e2e/loops.e2e.test.ts`', '`test/e2e/loopz.e2e.test.ts`');
    expect(mapProblems(gone, readRepoFile)).toContainEqual(
      expect.stringContaining('no file test/e2e/loopz.e2e.test.ts'),
    );
    const renamed = MAP.replace('› still redacts tokens', '› still redacts every token');
    expect(mapProblems(renamed, readRepoFile)).toEqual([
      'row "Layer 6: Security and Compliance": no test "still redacts every token" in test/platform/logger.test.ts',
    ]);
  });

  it('on a row with no test that does not say Mandate does nothing, and a malformed reference', () => {
    const silent = MAP.replace('Mandate does nothing at this layer', 'Mandate is not concerned');
    expect(mapProblems(silent, readRepoFile)).toEqual([
      'row "Layer 1: Foundation Models" names no test and does not say "Mandate does nothing"',
    ]);
    const malformed = MAP.replace(
      '- `test/e2e/openid-client.e2e.test.ts`',
      '- test/e2e/openid-client.e2e.test.ts',
    );
    expect(mapProblems(malformed, readRepoFile)).toEqual([
      'row "Layer 3: Agent Frameworks": malformed "- test/e2e/openid-client.e2e.test.ts"',
    ]);
  });
});
