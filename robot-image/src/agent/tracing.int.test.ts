// The real SDK and OTLP/HTTP exporter, sending to a collector endpoint served by this test.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startJobTrace, startTracing } from './tracing.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  status?: { code?: number };
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

function attr(span: OtlpSpan, key: string): unknown {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v ? Object.values(v)[0] : undefined;
}

describe('tracing to an OTLP/HTTP endpoint', () => {
  let collector: Server;
  const received: Array<{ path: string; body: { resourceSpans: Array<{ resource: OtlpSpan; scopeSpans: Array<{ spans: OtlpSpan[] }> }> } }> = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    collector = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(body) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  });

  afterAll(async () => {
    process.env = saved;
    await new Promise((r) => collector.close(r));
  });

  it('exports a job span continuing the payload trace, with a child span per step', async () => {
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    // The exporter reads the standard variables itself.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'robot-under-test' };
    const tracing = startTracing({ env, attributes: { 'k8s.pod.name': 'robot-1' } });
    expect(tracing.enabled).toBe(true);

    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentSpanId = '00f067aa0ba902b7';
    const job = startJobTrace(tracing.tracer, {
      traceparent: `00-${traceId}-${parentSpanId}-01`,
      runUid: 'uid-1',
      namespace: 'finance',
      name: 'invoice-42',
      pool: 'invoices',
      attempt: 2,
      robot: 'robot-1',
    });
    const t0 = Date.now();
    job.recordStep({ stepId: 'login', action: 'fill', attempt: 2, startTime: new Date(t0), endTime: new Date(t0 + 5), healed: true });
    job.recordStep({ stepId: 'submit', action: 'click', attempt: 2, startTime: new Date(t0 + 5), endTime: new Date(t0 + 9), error: 'timeout' });
    job.end({ status: 'failed', error: 'step submit failed' });
    await tracing.shutdown();

    expect(received.map((r) => r.path)).toEqual(['/v1/traces']);
    const resourceSpans = received[0]!.body.resourceSpans;
    const spans = resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans));
    const resourceAttrs = resourceSpans[0]!.resource.attributes;
    expect(resourceAttrs).toEqual(expect.arrayContaining([{ key: 'service.name', value: { stringValue: 'robot-under-test' } }]));
    expect(resourceAttrs).toEqual(expect.arrayContaining([{ key: 'k8s.pod.name', value: { stringValue: 'robot-1' } }]));

    const jobSpan = spans.find((s) => s.name === 'rpa.job')!;
    expect(jobSpan.traceId).toBe(traceId);
    expect(jobSpan.parentSpanId).toBe(parentSpanId);
    expect(attr(jobSpan, 'aether.job.name')).toBe('invoice-42');
    expect(attr(jobSpan, 'aether.outcome')).toBe('failed');
    expect(jobSpan.status?.code).toBe(2); // ERROR

    const steps = spans.filter((s) => s.name.startsWith('rpa.step'));
    expect(steps.map((s) => [s.name, attr(s, 'aether.step.id'), attr(s, 'aether.step.healed'), s.parentSpanId, s.traceId])).toEqual([
      ['rpa.step fill', 'login', true, jobSpan.spanId, traceId],
      ['rpa.step click', 'submit', false, jobSpan.spanId, traceId],
    ]);
    expect(attr(steps[0]!, 'aether.attempt')).toBe(2);
    expect(steps[1]!.status?.code).toBe(2);
  });

  it('stays off, exporting nothing, when no OTEL_* variable asks for it', async () => {
    const before = received.length;
    const tracing = startTracing({ env: {}, attributes: {} });
    expect(tracing.enabled).toBe(false);
    const job = startJobTrace(tracing.tracer, { runUid: 'u', namespace: 'n', name: 'j', pool: 'p', attempt: 1, robot: 'r' });
    job.recordStep({ stepId: 's', action: 'goto', attempt: 1, startTime: new Date(), endTime: new Date() });
    job.end({ status: 'succeeded' });
    await tracing.shutdown();
    expect(received.length).toBe(before);
  });
});
