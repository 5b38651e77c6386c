// The unit project's promise: no Redis, no server, no socket of any kind. Every unit test file
// runs with TCP connects and listens refused, so a test that needs the network fails here with
// a message saying where it belongs, rather than passing only on a machine that has Redis.
import { Server, Socket } from 'node:net';

const connect = Socket.prototype.connect;
const listen = Server.prototype.listen;

function refuse(what: string): never {
  throw new Error(
    `a unit test tried to ${what}; tests that need Redis or a server belong to the e2e ` +
      'project (name them *.e2e.test.ts or list them in E2E in jest.config.js)',
  );
}

Socket.prototype.connect = function () {
  refuse('open a connection');
};
Server.prototype.listen = function () {
  refuse('listen on a port');
} as typeof listen;

// Jest may run e2e files in this worker afterwards: give the real methods back.
afterAll(() => {
  Socket.prototype.connect = connect;
  Server.prototype.listen = listen;
});
