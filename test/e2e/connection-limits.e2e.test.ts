import { openRaw, rawRequest, type RawConnection } from '../support/raw-http.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';

/** Small limits, so a test sees them act; the defaults are in src/config/defaults.ts. */
const SERVER = {
  host: '127.0.0.1',
  port: 0,
  headers_timeout: '1s',
  request_timeout: '2s',
  keep_alive_timeout: '1s',
  max_connections: 8,
};

/** A GET of /healthz on a connection of its own: what a new client gets. */
async function newClientGetsHealth(url: string): Promise<number> {
  const client = await openRaw(url);
  client.write(rawRequest('GET', '/healthz', { Connection: 'close' }));
  const answer = await client.nextResponse();
  client.destroy();
  return answer.status;
}

/** Open connections of the listener, as the server counts them. */
function openConnections(t: TestBroker): Promise<number> {
  return new Promise((resolve, reject) =>
    t.running.server.getConnections((err, count) => (err ? reject(err) : resolve(count))),
  );
}

// Finding: sockets that never finished a request line stayed open; enough of them took every
// descriptor. Each wait below is for an event (a close, an answer); jest's timeout only bounds a
// failing test.
describe('connections a client holds without finishing a request', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker({ config: { server: SERVER } });
  });
  afterAll(() => t.close());

  it('closes silent and byte-by-byte connections after the headers timeout, serving others meanwhile', async () => {
    const silent = await Promise.all([1, 2, 3].map(() => openRaw(t.url)));
    const dripping = await Promise.all([1, 2].map(() => openRaw(t.url)));
    const endless = rawRequest('GET', '/healthz', { 'X-Padding': 'a'.repeat(4000) });
    for (const c of dripping) c.drip(endless, 50);

    expect(await newClientGetsHealth(t.url)).toBe(200);

    const received = await Promise.all([...silent, ...dripping].map((c) => c.closed));
    // Node answers a request it never got whole with 408 and closes the connection.
    expect(received).toEqual(
      Array(5).fill('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n'),
    );
    expect(await newClientGetsHealth(t.url)).toBe(200);
  }, 30_000);

  it('closes a connection whose body does not arrive within the request timeout', async () => {
    const slow = await openRaw(t.url);
    slow.write(
      rawRequest('POST', '/revoke', {
        'Content-Type': 'application/x-www-form-urlencoded',
        'Content-Length': '100',
      }),
    );
    slow.drip('token=' + 'x'.repeat(94), 200);
    await slow.closed;
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const client = await openRaw(t.url);
    client.write(rawRequest('GET', '/healthz'));
    const answer = await client.nextResponse();
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('keep-alive');
    await client.closed;
    expect(client.isClosed()).toBe(true);
  }, 30_000);

  it('refuses connections beyond max_connections, and serves a client once they are gone', async () => {
    const held: RawConnection[] = [];
    for (let i = 0; i < SERVER.max_connections; i += 1) held.push(await openRaw(t.url));
    // Accepted in order: once the server counts them all, the next one is over the bound.
    await waitFor(async () => (await openConnections(t)) === SERVER.max_connections);
    const refused = await openRaw(t.url);
    refused.write(rawRequest('GET', '/healthz'));
    expect(await refused.closed).toBe('');
    expect(held.some((c) => c.isClosed())).toBe(false);

    await Promise.all(held.map((c) => c.closed));
    expect(await newClientGetsHealth(t.url)).toBe(200);
  }, 30_000);
});

/** Polls `condition` until it holds (jest's timeout bounds a failing test). */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}
