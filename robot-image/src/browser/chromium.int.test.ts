// Chromium's sandbox against the real binary: a launch that asks for it where the kernel or the user
// refuses it (tests run as root, where Chromium will not start sandboxed) falls back to --no-sandbox
// and logs why; the browser works either way.
import { Writable } from 'node:stream';
import { createLogger } from '../../../api/log.js';
import { decideSandbox, launchChromium, sandboxFacts } from './chromium.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.startsWith('{')) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: createLogger({ name: 'chromium-test', level: 'info', destination }) };
}

describe('launchChromium and the sandbox', () => {
  it('launches as decided for this process and logs whether the sandbox is on', async () => {
    const { lines, logger } = capture();
    const decision = decideSandbox(sandboxFacts());
    const browser = await launchChromium({ logger });
    try {
      const page = await browser.newPage();
      await page.setContent('<p id="p">ok</p>');
      expect(await page.textContent('#p')).toBe('ok');
    } finally {
      await browser.close();
    }
    const line = lines.find((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('launched Chromium'));
    expect(line).toMatchObject({ sandbox: decision.sandbox });
    if (!decision.sandbox) expect(line!.reason).toBe(decision.reason);
  });

  it('falls back to --no-sandbox when the sandbox is asked for but cannot start', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs a process Chromium refuses to sandbox (root)');
    const { lines, logger } = capture();
    const browser = await launchChromium({ logger, sandbox: { sandbox: true } });
    try {
      expect(browser.isConnected()).toBe(true);
    } finally {
      await browser.close();
    }
    expect(lines).toContainEqual(
      expect.objectContaining({ sandbox: false, reason: 'the kernel or the container runtime refused the sandbox (user namespaces)' }),
    );
  });
});
