import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { issuanceRules } from '../app/issuance-rules.js';
import type { Config } from '../config/load-config.js';
import { Catalogue } from '../intent/catalogue.js';
import { CedarEngine } from '../policy/cedar-engine.js';
import { loadPolicySet } from '../policy/load-policy-set.js';
import { runPolicyTests } from '../policy/policy-test.js';

/** Where the CLI writes; injected so tests read what a user would see. */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

/** `mandate policy validate [dir]`: loads and validates a policy folder; exit code 1 if broken. */
export function validatePolicies(config: Config, dir: string | undefined, io: CliOutput): number {
  const folder = resolve(dir ?? config.policy.dir);
  const catalogue = Catalogue.fromConfig(config.resources);
  const set = loadPolicySet(folder, catalogue, { claims: config.policy.claims });
  const ids = Object.keys(set.policies);
  io.out(`ok: ${ids.length} policies in ${folder} validate against the schema`);
  for (const id of ids) io.out(`  ${id}  (${set.origins[id]})`);
  return 0;
}

/**
 * `mandate policy test [file]`: runs a YAML test file (default: every `*.test.yaml` of the
 * policy folder) against the policy set; exit code 1 on any failing case, like `opa test`.
 */
export function testPolicies(
  config: Config,
  options: { file?: string; dir?: string; now?: number },
  io: CliOutput,
): number {
  const folder = resolve(options.dir ?? config.policy.dir);
  const catalogue = Catalogue.fromConfig(config.resources);
  const claims = config.policy.claims;
  const policy = new CedarEngine({ set: loadPolicySet(folder, catalogue, { claims }), claims });
  const files =
    options.file !== undefined
      ? [resolve(options.file)]
      : readdirSync(folder)
          .filter((f) => f.endsWith('.test.yaml') || f.endsWith('.test.yml'))
          .sort()
          .map((f) => join(folder, f));
  if (files.length === 0) {
    io.err(`no *.test.yaml files in ${folder}`);
    return 1;
  }
  const context = {
    policy,
    catalogue,
    rules: issuanceRules(config),
    now: options.now ?? Date.now(),
  };
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    io.out(`${relative(process.cwd(), file)}:`);
    for (const result of runPolicyTests(file, context)) {
      if (result.ok) passed += 1;
      else failed += 1;
      io.out(`  ${result.ok ? 'PASS' : 'FAIL'}  ${result.name}`);
      for (const failure of result.failures) io.out(`        ${failure}`);
    }
  }
  io.out(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

/** Adds `policy validate` and `policy test` to the CLI. */
export function addPolicyCommands(program: Command, readConfig: (file?: string) => Config): void {
  const io: CliOutput = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  const policy = program.command('policy').description('write, check and test Cedar policy');
  policy
    .command('validate')
    .description('validate the policy folder against its schema and the catalogue')
    .argument('[dir]', 'policy folder (default: policy.dir of the config)')
    .option('-c, --config <file>', 'config file (for the catalogue and policy.claims)')
    .action((dir: string | undefined, options: { config?: string }) => {
      process.exitCode = validatePolicies(readConfig(options.config), dir, io);
    });
  policy
    .command('test')
    .description('run policy test cases (YAML) and report each; exit 1 on a failure')
    .argument('[file]', 'test file (default: every *.test.yaml in the policy folder)')
    .option('-d, --dir <dir>', 'policy folder (default: policy.dir of the config)')
    .option('-c, --config <file>', 'config file (for the catalogue and tiers)')
    .action((file: string | undefined, options: { dir?: string; config?: string }) => {
      process.exitCode = testPolicies(
        readConfig(options.config),
        { ...(file !== undefined ? { file } : {}), ...(options.dir ? { dir: options.dir } : {}) },
        io,
      );
    });
}
