import { connect, createServer } from 'node:net';

// `npm run test:unit` promises no Redis and no server: the unit project refuses sockets.
describe('the unit test project', () => {
  it('refuses a connection, so no unit test can reach Redis', () => {
    expect(() => connect(6379, '127.0.0.1')).toThrow(/belong to the e2e project/);
  });

  it('refuses to listen, so no unit test can start a server', () => {
    expect(() => createServer().listen(0, '127.0.0.1')).toThrow(/belong to the e2e project/);
  });
});
