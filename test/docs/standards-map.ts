/** The frameworks docs/standards.md maps, each with every row it must have, in order. */
export const FRAMEWORKS: Readonly<Record<string, readonly string[]>> = {
  'OWASP Top 10 for Agentic Applications (2026)': [
    'ASI01 Agent Goal Hijack',
    'ASI02 Tool Misuse and Exploitation',
    'ASI03 Identity and Privilege Abuse',
    'ASI04 Agentic Supply Chain Vulnerabilities',
    'ASI05 Unexpected Code Execution (RCE)',
    'ASI06 Memory & Context Poisoning',
    'ASI07 Insecure Inter-Agent Communication',
    'ASI08 Cascading Failures',
    'ASI09 Human-Agent Trust Exploitation',
    'ASI10 Rogue Agents',
  ],
  'CSA MAESTRO': [
    'Layer 1: Foundation Models',
    'Layer 2: Data Operations',
    'Layer 3: Agent Frameworks',
    'Layer 4: Deployment and Infrastructure',
    'Layer 5: Evaluation and Observability',
    'Layer 6: Security and Compliance',
    'Layer 7: Agent Ecosystem',
  ],
  'NIST AI RMF': ['GOVERN', 'MAP', 'MEASURE', 'MANAGE'],
};

/** What a row says when Mandate does nothing about it, and so may name no test. */
export const DOES_NOTHING = 'Mandate does nothing';

/** A test a row names: a file, and maybe the title of one test in it. */
export interface TestRef {
  readonly file: string;
  readonly title?: string;
}

/** One row: its heading, its text, and the tests under its `Tests:`. */
export interface MapRow {
  readonly heading: string;
  readonly text: string;
  readonly tests: readonly TestRef[];
  /** Lines under `Tests:` that do not have the form of a test reference. */
  readonly malformed: readonly string[];
}

const TEST_LINE = /^- `(test\/[^`]+\.test\.ts)`(?: › (.+))?$/;

/** The map's rows by framework (`## ` heading), each row a `### ` heading. */
export function parseStandardsMap(markdown: string): Map<string, MapRow[]> {
  const frameworks = new Map<string, MapRow[]>();
  let rows: MapRow[] | undefined;
  let row: { heading: string; text: string[]; tests: TestRef[]; malformed: string[] } | undefined;
  let inTests = false;
  const close = () => {
    if (row && rows) rows.push({ ...row, text: row.text.join('\n') });
    row = undefined;
  };
  for (const line of markdown.split('\n')) {
    if (line.startsWith('## ')) {
      close();
      rows = [];
      frameworks.set(line.slice(3).trim(), rows);
    } else if (line.startsWith('### ')) {
      close();
      row = { heading: line.slice(4).trim(), text: [], tests: [], malformed: [] };
      inTests = false;
    } else if (row && line.trim() === 'Tests:') {
      inTests = true;
    } else if (row && inTests && line.startsWith('- ')) {
      const match = TEST_LINE.exec(line);
      if (!match) row.malformed.push(line);
      else row.tests.push(match[2] ? { file: match[1]!, title: match[2] } : { file: match[1]! });
    } else if (row) {
      row.text.push(line);
    }
  }
  close();
  return frameworks;
}

/** Whether `source` holds `title` as a string literal (any quote; `'` escaped or not). */
export function hasTitle(source: string, title: string): boolean {
  const escaped = title.replaceAll("'", "\\'");
  return [`'${escaped}'`, `"${title}"`, `\`${title}\``].some((quoted) => source.includes(quoted));
}

/**
 * Everything wrong with the map: a framework or row missing, a row naming no test that does not
 * say Mandate does nothing, a reference not in the form, a file that does not exist, a title
 * not in its file. `read` returns a file's text, or undefined when there is none.
 */
export function mapProblems(
  markdown: string,
  read: (file: string) => string | undefined,
): string[] {
  const problems: string[] = [];
  const frameworks = parseStandardsMap(markdown);
  for (const [framework, expected] of Object.entries(FRAMEWORKS)) {
    const rows = frameworks.get(framework);
    if (!rows) {
      problems.push(`missing framework "${framework}"`);
      continue;
    }
    for (const heading of expected) {
      if (!rows.some((r) => r.heading === heading)) problems.push(`missing row "${heading}"`);
    }
    for (const row of rows) {
      if (!expected.includes(row.heading))
        problems.push(`row "${row.heading}" is not one of ${framework}`);
      if (row.tests.length === 0 && !row.text.includes(DOES_NOTHING))
        problems.push(`row "${row.heading}" names no test and does not say "${DOES_NOTHING}"`);
      for (const line of row.malformed) problems.push(`row "${row.heading}": malformed "${line}"`);
      for (const ref of row.tests) {
        const source = read(ref.file);
        if (source === undefined) problems.push(`row "${row.heading}": no file ${ref.file}`);
        else if (ref.title !== undefined && !hasTitle(source, ref.title))
          problems.push(`row "${row.heading}": no test "${ref.title}" in ${ref.file}`);
      }
    }
  }
  return problems;
}
