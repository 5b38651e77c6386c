/**
 * `mandate`: build and run a broker from a config, as `mandate serve` does, inside your own
 * process. Downstream APIs that only accept the broker's tokens want `@mandate/verifier`.
 *
 * @example
 * const config = loadConfig('mandate.yaml', { PORT: process.env.PORT });
 * const running = await startServer(await buildBroker(config), config.server);
 * process.once('SIGTERM', () => void running.shutdown().then(() => process.exit(0)));
 */
// Cedar's wasm needs this V8 flag set before it first runs; buildBroker loads Cedar.
import './platform/v8-flags.js';

export { buildBroker, type Broker, type BrokerDeps } from './app/build-broker.js';
export { startServer, type RunningServer } from './app/start-server.js';
export type { DrainOutcome } from './app/drain-connections.js';
export {
  ConfigError,
  loadConfig,
  parseConfig,
  type Config,
  type ConfigEnv,
} from './config/load-config.js';
export { MandateError, type ErrorCode } from './errors.js';
