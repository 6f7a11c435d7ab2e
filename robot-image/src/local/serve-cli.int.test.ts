// `aether serve` as a user runs it: a child process serving the example's demo portal until Ctrl-C.
import { runCli } from '../../../e2e/local/cli.js';
import { freePort } from '../../../e2e/harness/ports.js';

describe('aether serve', () => {
  it('serves the demo portal and its POST sink on the address given, and stops on Ctrl-C', async () => {
    const port = await freePort();
    const run = runCli(['serve', 'examples/site/public', '--host', '0.0.0.0', '--port', String(port)]);
    try {
      await run.stderrContains(`at http://127.0.0.1:${port} (listening on 0.0.0.0)`);
      const login = await fetch(`http://127.0.0.1:${port}/login`);
      expect([login.status, await login.text()]).toEqual([200, expect.stringContaining('<form')]);
      const post = await fetch(`http://127.0.0.1:${port}/api/invoices`, { method: 'POST', body: '[]', headers: { 'idempotency-key': 'k1' } });
      expect([post.status, await post.json()]).toEqual([201, { accepted: true, bytes: 2, repeated: false }]);
    } finally {
      run.child.kill('SIGINT');
    }
    expect((await run.done).code).toBe(0);
  }, 60_000);

  it('exits 2 naming every problem', async () => {
    const { code, stderr } = await runCli(['serve', '--port', 'x']).done;
    expect(code).toBe(2);
    expect(stderr).toContain('aether: --port x: expected a port number (0-65535)\naether: serve needs the DIR to serve');
  });
});
