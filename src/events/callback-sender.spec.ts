import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { postJson } from './callback-sender';

describe('postJson', () => {
  let server: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits += 1;
      req.resume();
      req.on('end', () => res.writeHead(302, { Location: 'http://127.0.0.1:1/' }).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('never connects to a host name that resolves to a private address when the private network is off', async () => {
    const result = await postJson(new URL(`http://localhost:${port}/x`), '{}', {}, { timeoutMs: 2000, allowPrivateNetwork: false });
    expect(result).toEqual({ kind: 'error', message: expect.stringContaining('resolves only to private addresses') });
    expect(hits).toBe(0);
  });

  it('reports a redirect as its status without following it', async () => {
    const result = await postJson(new URL(`http://localhost:${port}/x`), '{}', {}, { timeoutMs: 2000, allowPrivateNetwork: true });
    expect(result).toEqual({ kind: 'status', status: 302 });
    expect(hits).toBe(1);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const result = await postJson(new URL(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`), '{}', {}, { timeoutMs: 200, allowPrivateNetwork: true });
    expect(result).toEqual({ kind: 'error', message: 'no complete answer within 200 ms' });
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
});
