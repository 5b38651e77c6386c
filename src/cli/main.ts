import '../platform/v8-flags.js';
import { Command, InvalidArgumentError } from 'commander';
import { buildBroker } from '../app/build-broker.js';
import { startServer } from '../app/start-server.js';
import { DEFAULTS } from '../config/defaults.js';
import { parseDuration } from '../config/duration.js';
import { ConfigError, loadConfig, type Config } from '../config/load-config.js';
import { ensureDevTrustDomain, issueDevSvid } from '../dev/dev-trust-domain.js';
import { parseSpiffeId } from '../identity/spiffe-id.js';
import { generateApiKey } from '../operators/api-keys.js';
import { OPERATOR_ROLES, type OperatorRole } from '../operators/operator.js';
import { createLogger } from '../platform/logger.js';
import { PolicyLoadError } from '../policy/load-policy-set.js';
import { addPolicyCommands } from './policy-commands.js';

const DEFAULT_CONFIG = 'config/mandate.yaml';

/** The config file: `--config`, else `MANDATE_CONFIG`, else config/mandate.yaml. */
function readConfig(file: string | undefined): Config {
  return loadConfig(file ?? process.env.MANDATE_CONFIG ?? DEFAULT_CONFIG, {
    PORT: process.env.PORT,
    REDIS_URL: process.env.REDIS_URL,
    MANDATE_ISSUER: process.env.MANDATE_ISSUER,
  });
}

function seconds(value: string): number {
  const parsed = parseDuration(value);
  if (parsed === undefined) throw new InvalidArgumentError('use a duration such as 30s, 10m or 1h');
  return parsed;
}

async function serve(options: { config?: string }): Promise<void> {
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });
  const config = readConfig(options.config);
  const broker = await buildBroker(config, { logger });
  const running = await startServer(broker, config.server);
  logger.info(
    { url: running.url, issuer: config.issuer, store: config.store.redis_url ? 'redis' : 'memory' },
    'mandate listening',
  );
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // SIGHUP re-reads the policy folder; a broken set is logged and the serving one kept.
  process.on('SIGHUP', () => broker.policy.reload());
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

const program = new Command()
  .name('mandate')
  .description('Just-in-time credential broker for AI agents')
  .showHelpAfterError();

program
  .command('serve', { isDefault: true })
  .description('run the broker')
  .option('-c, --config <file>', `config file (default: $MANDATE_CONFIG or ${DEFAULT_CONFIG})`)
  .action(serve);

program
  .command('dev')
  .description('dev-mode helpers')
  .command('svid')
  .description('print a JWT-SVID signed by the dev trust domain')
  .argument('<spiffe-id>', `e.g. spiffe://${DEFAULTS.devTrustDomain}/agent/triage`)
  .option('-a, --audience <aud>', 'aud of the SVID', DEFAULTS.subjectAudience)
  .option('-t, --ttl <duration>', 'lifetime', seconds, 600)
  .option('-c, --config <file>', 'config file')
  .action(devSvid);

program
  .command('operator')
  .description('operator helpers')
  .command('key')
  .description('generate an operator API key and print the config entry holding its sha256')
  .requiredOption('-n, --name <name>', 'who holds the key (appears in logs)')
  .option('-r, --role <role...>', `roles: ${OPERATOR_ROLES.join(', ')}`, ['viewer'])
  .action((options: { name: string; role: string[] }) => {
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
  });

addPolicyCommands(program, readConfig);

program.parseAsync().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof PolicyLoadError)
    process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`mandate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
