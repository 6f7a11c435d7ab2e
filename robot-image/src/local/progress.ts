// The terminal as the robot's status sink: the same StatusReporter interface the robot uses to patch
// an RpaJob's status in a cluster, drawn as a progress bar on a terminal or as plain lines otherwise.
import type { JobRef, JobReporter, StatusReporter } from '../agent/reporter.js';
import type { StatusPatch } from '../agent/status.js';

export interface TerminalOut {
  write(text: string): void;
  /** A terminal: the bar is redrawn in place. Otherwise one line per event. */
  isTTY: boolean;
  columns?: number;
}

/** `[#####-----]` for done of total, `width` characters between the brackets. */
export function progressBar(done: number, total: number, width = 24): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const full = Math.round(ratio * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
}

/** "3/7" -> {done: 3, total: 7}. */
export function parseProgress(text: string | null | undefined): { done: number; total: number } | null {
  const m = /^(\d+)\/(\d+)$/.exec(text ?? '');
  return m ? { done: Number(m[1]), total: Number(m[2]) } : null;
}

/**
 * What one status patch means on the terminal: a progress update (the bar), or a line of its own.
 * Progress k/n names the step that is starting, so the bar shows k-1 steps done.
 */
export function describePatch(patch: StatusPatch): {
  progress?: { step: number; total: number; stepId: string };
  line?: string;
} {
  if (patch.phase === 'Running')
    return { line: `running on robot ${patch.robot ?? '?'} (attempt ${patch.attempts ?? '?'})` };
  const p = parseProgress(patch.progress);
  if (p && patch.currentStep) return { progress: { step: p.done, total: p.total, stepId: patch.currentStep } };
  if (!patch.phase && patch.error) {
    const at = patch.error.stepId ? ` at step ${patch.error.stepId}` : '';
    return { line: `attempt failed${at}: ${patch.error.message} (retrying)` };
  }
  return {};
}

export function progressText(p: { step: number; total: number; stepId: string }, tty: boolean, columns = 80): string {
  if (!tty) return `step ${p.step}/${p.total}: ${p.stepId}`;
  const head = `${progressBar(p.step - 1, p.total)} step ${p.step}/${p.total} `;
  const room = Math.max(8, columns - head.length - 1);
  const id = p.stepId.length > room ? `${p.stepId.slice(0, room - 1)}…` : p.stepId;
  return head + id;
}

export interface TerminalReporter extends StatusReporter {
  /** Ends the in-place bar line, so the next output starts on a line of its own. */
  endLine(): void;
}

export function terminalReporter(out: TerminalOut): TerminalReporter {
  let barShown = false;
  const endLine = () => {
    if (barShown) out.write('\n');
    barShown = false;
  };
  const line = (text: string) => {
    endLine();
    out.write(`${text}\n`);
  };
  const forJob = (_ref: JobRef): JobReporter => ({
    update(patch) {
      const d = describePatch(patch);
      if (d.line) line(d.line);
      if (d.progress) {
        const text = progressText(d.progress, out.isTTY, out.columns);
        if (out.isTTY) {
          out.write(`\r\x1b[2K${text}`);
          barShown = true;
        } else {
          out.write(`${text}\n`);
        }
      }
    },
    flush: () => Promise.resolve(),
    gone: false,
  });
  return { forJob, drain: () => Promise.resolve(true), endLine };
}
