import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

interface Stage {
  readonly name: string | undefined;
  readonly image: string;
  /** Instructions after FROM, continuation lines joined, comments dropped. */
  readonly lines: string[];
}

/** The Dockerfile's stages, in order. */
function stages(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const out: { name: string | undefined; image: string; lines: string[] }[] = [];
  for (const line of lines) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line);
    if (from) out.push({ image: from[1]!, name: from[2], lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

const dockerfile = stages(readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8'));
const final = dockerfile.at(-1)!;
const instruction = (stage: Stage, name: string) =>
  stage.lines.filter((l) => l.toUpperCase().startsWith(`${name} `));

describe('the shipped Dockerfile', () => {
  it('builds and runs on a maintained Node LTS (22 or 24), the same in every stage', () => {
    const majors = dockerfile.map((s) => /^node:(\d+)[-.]/.exec(s.image)?.[1]);
    expect(majors).not.toContain(undefined);
    expect(new Set(majors)).toEqual(new Set([majors[0]]));
    expect(['22', '24']).toContain(majors[0]);
  });

  it('runs as a numeric non-root user and group, which runAsNonRoot can verify', () => {
    const users = instruction(final, 'USER');
    expect(users).toHaveLength(1);
    const [, uid, gid] = /^USER\s+(\d+):(\d+)$/.exec(users[0]!) ?? [];
    expect(Number(uid)).toBeGreaterThan(0);
    expect(Number(gid)).toBeGreaterThan(0);
  });

  it('checks its health on /healthz', () => {
    const checks = instruction(final, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    expect(checks[0]).toContain('/healthz');
  });

  it('installs nothing in the final stage and takes node_modules from a production-only install', () => {
    expect(final.lines.filter((l) => /^RUN\b/i.test(l))).toEqual([]);
    const modules = instruction(final, 'COPY').filter((l) => /\bnode_modules\b/.test(l));
    expect(modules).toHaveLength(1);
    const from = /--from=(\S+)/.exec(modules[0]!)?.[1];
    const source = dockerfile.find((s) => s.name === from);
    const installs = source?.lines.filter((l) => /^RUN\s+npm\s+(ci|install)\b/i.test(l)) ?? [];
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(/--omit=dev\b/);
  });

  it('gives every install the manifest of each workspace, and the final stage its build', () => {
    const { workspaces } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    for (const stage of dockerfile.filter((s) => s.lines.some((l) => /npm\s+ci\b/.test(l))))
      for (const ws of workspaces)
        expect(instruction(stage, 'COPY')).toContainEqual(
          expect.stringContaining(`${ws}/package.json`),
        );
    const copies = instruction(final, 'COPY').join('\n');
    for (const ws of workspaces) {
      expect(copies).toContain(`${ws}/package.json`);
      expect(copies).toContain(`${ws}/dist`);
    }
  });
});
