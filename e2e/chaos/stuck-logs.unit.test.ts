import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linesWorthPrinting, podOfRobot, stuckRunLogs } from './stuck-logs.js';

const UID = '0b5f2a8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

describe('stuck run logs', () => {
  it('maps a robot id to its pod', () => {
    expect(podOfRobot('chaos-robot-778968f56f-h42b8-a49c87')).toBe('chaos-robot-778968f56f-h42b8');
    expect(podOfRobot('chaos-robot-778968f56f-h42b8')).toBe('chaos-robot-778968f56f-h42b8');
  });

  it("keeps the run's lines, warnings, errors and restarts, and caps the rest", () => {
    const log = [
      '--- nodesim: starting … (restart 0)',
      '{"level":"info","msg":"robot started"}',
      `{"level":"info","jobUid":"${UID}","msg":"started the attempt"}`,
      '{"level":"info","jobUid":"other","msg":"started the attempt"}',
      '{"level":"warn","msg":"could not mark the run running"}',
      `{"level":"error","msg":"${'x'.repeat(700)}"}`,
    ].join('\n');
    const lines = linesWorthPrinting(log, [UID]);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^--- nodesim/);
    expect(lines[1]).toContain(UID);
    expect(lines[3]!.length).toBe(601);
    expect(linesWorthPrinting(log, [UID], 2)).toEqual(lines.slice(-2));
  });

  it("prints each holder's log once, with every run it holds, and says when a log is missing", () => {
    const dir = mkdtempSync(join(tmpdir(), 'stuck-logs-'));
    try {
      writeFileSync(join(dir, 'ns_pod-a.log'), `{"level":"info","jobUid":"${UID}","msg":"succeeded"}\n`);
      const text = stuckRunLogs({
        podsDir: dir,
        namespace: 'ns',
        stuck: [
          { name: 'j1', uid: UID, robot: 'pod-a-abc123', lockHolders: ['pod-a'] },
          { name: 'j2', uid: 'u2', robot: null, lockHolders: ['pod-b'] },
        ],
      });
      expect(text.match(/^--- pod-a/gm)).toHaveLength(1);
      expect(text).toContain(`--- pod-a (runs ${UID}):`);
      expect(text).toContain('"msg":"succeeded"');
      expect(text).toContain(`--- pod-b: no log at ${join(dir, 'ns_pod-b.log')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
