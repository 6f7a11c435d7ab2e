// The http step's client against real loopback servers: it connects to the address it checked (one
// resolution per hop, so a rebinding answer cannot move it), and checks every redirect hop.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../../api/log.js';
import { compileEgressPolicy } from './decide.js';
import { createEgressGuard, EgressRefusedError, type Resolver } from './guard.js';
import { guardedRequest } from './http.js';

let server: Server;
let port: number;
const seen: Array<{ url: string; host: string; auth?: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', host: req.headers.host ?? '', ...(req.headers.authorization && { auth: req.headers.authorization }) });
    if (req.url === '/hop') return res.writeHead(307, { location: `http://other.test:${port}/end` }).end();
    if (req.url === '/away') return res.writeHead(302, { location: `http://rebind.test:${port}/end` }).end();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`reached ${req.url}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((r) => server.close(r)));
beforeEach(() => (seen.length = 0));

const logger = createLogger({ name: 'http-test', level: 'silent' });

describe('guardedRequest', () => {
  it('connects to the checked address for a name no real DNS knows, and resolves once per hop', async () => {
    const asked: string[] = [];
    // The names stand for a pool's allowed internal services; the resolver answers loopback for both.
    const resolve: Resolver = async (host) => (asked.push(host), ['127.0.0.1']);
    const guard = createEgressGuard({
      policy: compileEgressPolicy({ allow: [`svc.test:${port}`, `other.test:${port}`] }),
      logger,
      resolve,
    });
    const res = await guardedRequest(guard, {
      url: `http://svc.test:${port}/hop`,
      method: 'GET',
      headers: { authorization: 'Bearer abc' },
      timeoutMs: 5000,
    });
    expect(res).toMatchObject({ status: 200, text: 'reached /end', url: `http://other.test:${port}/end` });
    expect(asked).toEqual(['svc.test', 'other.test']);
    // The Host header names the host the URL names; the authorization stays with its origin.
    expect(seen).toEqual([
      { url: '/hop', host: `svc.test:${port}`, auth: 'Bearer abc' },
      { url: '/end', host: `other.test:${port}` },
    ]);
  });

  it('refuses a redirect hop whose host resolves to a refused address, before connecting to it', async () => {
    const resolve: Resolver = async (host) => (host === 'rebind.test' ? ['169.254.169.254'] : ['127.0.0.1']);
    const guard = createEgressGuard({ policy: compileEgressPolicy({ allow: [`svc.test:${port}`] }), logger, resolve });
    const err = await guardedRequest(guard, { url: `http://svc.test:${port}/away`, method: 'GET', headers: {}, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EgressRefusedError);
    expect((err as EgressRefusedError).refusal).toEqual({
      purpose: 'http',
      rule: 'link-local',
      target: `rebind.test:${port}`,
      reason: 'rebind.test resolves to 169.254.169.254, in the link-local range 169.254.0.0/16',
    });
    expect(seen.map((s) => s.url)).toEqual(['/away']);
  });
});
