import { startFakeRevocationFeed } from '../support/fake-revocation-feed.js';
import { describeRevocationLoop } from '../support/revocation-loop.js';

// The same scenario runs against the real broker once it serves the feed (see revocation-loop.ts).
describeRevocationLoop('the broker test double', async () => {
  const broker = await startFakeRevocationFeed({ heartbeatMs: 50 });
  return {
    issuer: broker.issuer,
    brokerUrl: broker.url,
    apiKey: broker.apiKey,
    maxStaleness: 0.3,
    getToken: async () => {
      const issued = await broker.issue();
      return { token: issued.token, taskId: issued.task, agentId: issued.sub };
    },
    revokeTask: async (agent, task) => {
      broker.revoke({ kind: 'task', agent, task });
      return Promise.resolve();
    },
    stopBroker: () => broker.stop(),
    startBroker: () => broker.start(),
    close: () => broker.close(),
  };
});
