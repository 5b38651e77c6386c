import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { packageVersion } from '../../src/cli/package-version.js';
import { buildProgram } from '../../src/cli/program.js';
import { ROOT, runCli } from './run-cli.js';

/** Every command of the real program with its path of names, the program itself first. */
function allCommands(
  command: Command,
  path: string[] = [],
): { path: string[]; command: Command }[] {
  return [
    { path, command },
    ...command.commands.flatMap((sub) => allCommands(sub, [...path, sub.name()])),
  ];
}

const commands = allCommands(buildProgram());

describe('mandate --help', () => {
  it('finds every command of the program, so a new one is covered here', () => {
    expect(commands.map((c) => c.path.join(' '))).toEqual(
      expect.arrayContaining(['', 'serve', 'dev svid', 'operator key', 'policy test']),
    );
  });

  it('describes every command, argument and option', () => {
    for (const { path, command } of commands) {
      const where = `mandate ${path.join(' ')}`;
      expect({ where, description: command.description() }).toEqual({
        where,
        description: expect.stringMatching(/\w/) as string,
      });
      for (const option of command.options)
        expect({ where, option: option.flags, description: option.description }).toEqual({
          where,
          option: option.flags,
          description: expect.stringMatching(/\w/) as string,
        });
      for (const argument of command.registeredArguments)
        expect({ where, argument: argument.name(), description: argument.description }).toEqual({
          where,
          argument: argument.name(),
          description: expect.stringMatching(/\w/) as string,
        });
    }
  });

  it('answers --help on every command with exit 0 and its usage line', async () => {
    // Two at a time: each run starts node and compiles the sources, and the machine has 2 cores.
    const runs: Awaited<ReturnType<typeof runCli>>[] = [];
    for (let i = 0; i < commands.length; i += 2)
      runs.push(
        ...(await Promise.all(
          commands.slice(i, i + 2).map(({ path }) => runCli([...path, '--help'])),
        )),
      );
    const seen = runs.map((run, i) => ({
      command: commands[i]!.path.join(' '),
      code: run.code,
      usage: run.stdout.split('\n')[0],
    }));
    expect(seen).toEqual(
      commands.map(({ path }) => ({
        command: path.join(' '),
        code: 0,
        usage: expect.stringMatching(
          new RegExp(`^Usage: ${['mandate', ...path].join(' ')}( |$)`),
        ) as string,
      })),
    );
  }, 120_000);

  it('names the environment serve reads', async () => {
    const { stdout } = await runCli(['serve', '--help']);
    for (const name of ['MANDATE_CONFIG', 'PORT', 'REDIS_URL', 'MANDATE_ISSUER', 'LOG_LEVEL'])
      expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(stdout).toContain('fatal, error, warn, info, debug, trace, silent (default: info)');
  });
});

describe('mandate --version', () => {
  it("prints the version of the package's package.json", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const runs = await Promise.all([runCli(['--version']), runCli(['-V'])]);
    const printed = { code: 0, stdout: `${pkg.version}\n`, stderr: '' };
    expect(runs).toEqual([printed, printed]);
  });

  it('finds package.json from the build as from the sources, skipping any not named mandate', () => {
    const root = mkdtempSync(join(tmpdir(), 'mandate-pkg-'));
    writeFileSync(join(root, 'package.json'), '{"name":"mandate","version":"9.8.7"}');
    mkdirSync(join(root, 'dist/src/cli'), { recursive: true });
    writeFileSync(join(root, 'dist/package.json'), '{"type":"module"}');
    const fromBuild = pathToFileURL(join(root, 'dist/src/cli/main.js'));
    expect(packageVersion(fromBuild)).toBe('9.8.7');
    expect(packageVersion(pathToFileURL(join(root, 'src/cli/main.ts')))).toBe('9.8.7');
  });
});

describe('mistakes on the command line', () => {
  it('refuses an unknown command, naming it, with exit 1', async () => {
    const [top, nested] = await Promise.all([runCli(['polcy']), runCli(['policy', 'tst'])]);
    expect(top.code).toBe(1);
    expect(top.stderr).toMatch(
      /^error: unknown command 'polcy' \(commands: serve, dev, operator, policy, aws, audit\)/,
    );
    expect(nested.code).toBe(1);
    expect(nested.stderr).toMatch(/^error: unknown command 'tst'/);
  });

  it('refuses an unknown option and a stray argument of serve, with exit 1', async () => {
    const [option, argument] = await Promise.all([
      runCli(['serve', '--bogus']),
      runCli(['serve', 'now']),
    ]);
    expect(option.code).toBe(1);
    expect(option.stderr).toMatch(/^error: unknown option '--bogus'/);
    expect(argument.code).toBe(1);
    expect(argument.stderr).toMatch(/^error: serve takes no arguments; got 'now'/);
  });

  it('refuses an invalid LOG_LEVEL at start, before serving anything', async () => {
    expect(await runCli(['serve'], { LOG_LEVEL: 'verbose' })).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'mandate: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "verbose"\n',
    });
  });
});
