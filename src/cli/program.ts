import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULTS } from '../config/defaults.js';
import { parseDuration } from '../config/duration.js';
import { loadConfig, type Config } from '../config/load-config.js';
import { ensureDevTrustDomain, issueDevSvid } from '../dev/dev-trust-domain.js';
import { parseSpiffeId } from '../identity/spiffe-id.js';
import { generateApiKey } from '../operators/api-keys.js';
import { OPERATOR_ROLES, type OperatorRole } from '../operators/operator.js';
import { addAwsCommands } from './aws-credential-process.js';
import { packageVersion } from './package-version.js';
import { addAuditCommands } from './audit-commands.js';
import { addPolicyCommands } from './policy-commands.js';
import { SERVE_ENVIRONMENT_HELP, serve, type ServeOptions } from './serve.js';

const DEFAULT_CONFIG = 'config/mandate.yaml';

/** What every `--config` option says. */
export const CONFIG_OPTION_HELP = `config file (default: $MANDATE_CONFIG, else ${DEFAULT_CONFIG})`;

/** The config file: `--config`, else `MANDATE_CONFIG`, else config/mandate.yaml. */
export function readConfig(file: string | undefined): Config {
  return loadConfig(file ?? process.env.MANDATE_CONFIG ?? DEFAULT_CONFIG, {
    PORT: process.env.PORT,
    REDIS_URL: process.env.REDIS_URL,
    MANDATE_ISSUER: process.env.MANDATE_ISSUER,
  });
}

function workerCount(value: string): number {
  if (!/^[1-9][0-9]{0,3}$/.test(value.trim()))
    throw new InvalidArgumentError('use a whole number of workers, 1 or more');
  return Number(value.trim());
}

function seconds(value: string): number {
  const parsed = parseDuration(value);
  if (parsed === undefined) throw new InvalidArgumentError('use a duration such as 30s, 10m or 1h');
  return parsed;
}

async function devSvid(
  spiffeId: string,
  options: { audience: string; ttl: number; config?: string },
): Promise<void> {
  const config = readConfig(options.config);
  if (!config.dev)
    throw new Error('the config has no dev: section, so there is no dev trust domain to sign with');
  const parsed = parseSpiffeId(spiffeId);
  if (!parsed.ok) throw new Error(`not a SPIFFE ID: ${parsed.reason}`);
  if (parsed.id.trustDomain !== config.dev.trust_domain) {
    throw new Error(
      `the dev trust domain is ${config.dev.trust_domain}; use spiffe://${config.dev.trust_domain}/...`,
    );
  }
  const dev = await ensureDevTrustDomain(config.dev.dir, config.dev.trust_domain);
  process.stdout.write(
    `${await issueDevSvid(dev, { spiffeId, audience: options.audience, ttlSeconds: options.ttl })}\n`,
  );
}

function operatorKey(options: { name: string; role: string[] }): void {
  const roles = options.role.filter((r): r is OperatorRole =>
    (OPERATOR_ROLES as readonly string[]).includes(r),
  );
  if (roles.length !== options.role.length)
    throw new Error(`roles are ${OPERATOR_ROLES.join(', ')}`);
  const { key, sha256 } = generateApiKey();
  process.stderr.write('Give the key to its holder; put only the entry below in the config.\n');
  process.stdout.write(
    `key: ${key}\n\noperators:\n  api_keys:\n    - name: ${options.name}\n      sha256: ${sha256}\n      roles: [${roles.join(', ')}]\n`,
  );
}

/**
 * `serve` is the default command, so commander hands it any word that names no command:
 * answer that as the unknown command it is, not as an argument `serve` does not take.
 */
function refuseStrayArguments(serveCommand: Command): void {
  const program = serveCommand.parent!;
  const [word] = serveCommand.args;
  if (word === undefined) return;
  if (program.args[0] === 'serve')
    serveCommand.error(`error: serve takes no arguments; got '${word}'`);
  const names = program.commands.map((c) => c.name()).filter((n) => n !== 'help');
  program.error(`error: unknown command '${word}' (commands: ${names.join(', ')})`, {
    code: 'commander.unknownCommand',
  });
}

/**
 * The `mandate` command line: every command and option with its help text. Built by a function
 * so tests can walk every command of the real program.
 *
 * @example
 * await buildProgram().parseAsync(process.argv);
 */
export function buildProgram(): Command {
  const program = new Command()
    .name('mandate')
    .description('Just-in-time credential broker for AI agents')
    .version(packageVersion(import.meta.url), '-V, --version', 'print the version of mandate')
    .helpOption('-h, --help', 'show help for a command')
    .helpCommand('help [command]', 'show help for a command')
    .showHelpAfterError();

  program
    .command('serve', { isDefault: true })
    .description('run the broker (the default command)')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .addOption(
      new Option(
        '-w, --workers <n>',
        'processes serving on the same ports (default: one per core with the Redis store, else 1)',
      )
        .env('MANDATE_WORKERS')
        .argParser(workerCount),
    )
    .allowExcessArguments(true)
    .addHelpText('after', SERVE_ENVIRONMENT_HELP)
    .action(async (options: ServeOptions, command: Command) => {
      refuseStrayArguments(command);
      await serve(readConfig, options);
    });

  program
    .command('dev')
    .description('dev-mode helpers (need the dev: section of the config)')
    .command('svid')
    .description('print a JWT-SVID signed by the dev trust domain')
    .argument('<spiffe-id>', `e.g. spiffe://${DEFAULTS.devTrustDomain}/agent/triage`)
    .option('-a, --audience <aud>', 'aud of the SVID', DEFAULTS.subjectAudience)
    .addOption(
      new Option('-t, --ttl <duration>', 'lifetime, e.g. 30s, 10m or 1h')
        .argParser(seconds)
        .default(600, '10m'),
    )
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .action(devSvid);

  program
    .command('operator')
    .description('operator helpers')
    .command('key')
    .description('generate an operator API key and print the config entry holding its sha256')
    .requiredOption('-n, --name <name>', 'who holds the key (appears in logs)')
    .option('-r, --role <role...>', `roles: ${OPERATOR_ROLES.join(', ')}`, ['viewer'])
    .action(operatorKey);

  addPolicyCommands(program, readConfig);
  addAwsCommands(program);
  addAuditCommands(program);
  return program;
}
