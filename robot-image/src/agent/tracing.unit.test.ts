import { trace } from '@opentelemetry/api';
import { contextFromTraceparent, tracingEnabled } from './tracing.js';

describe('tracingEnabled', () => {
  it.each<[string, Record<string, string>, boolean]>([
    ['nothing set', {}, false],
    ['an OTLP endpoint', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    ['a traces endpoint', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    ['blank endpoint', { OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }, false],
    ['exporter otlp (default endpoint)', { OTEL_TRACES_EXPORTER: 'otlp' }, true],
    ['exporter none wins over an endpoint', { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, false],
    ['exporter console only', { OTEL_TRACES_EXPORTER: 'console' }, false],
    ['SDK disabled', { OTEL_SDK_DISABLED: 'TRUE', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, false],
    ['SDK disabled false', { OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, true],
    ['only a service name', { OTEL_SERVICE_NAME: 'robot' }, false],
  ])('%s -> %s', (_n, env, want) => {
    expect(tracingEnabled(env)).toBe(want);
  });
});

describe('contextFromTraceparent', () => {
  it('continues a valid W3C traceparent as a remote parent', () => {
    const ctx = contextFromTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(trace.getSpanContext(ctx)).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
    });
  });

  it.each([undefined, '', 'garbage', '00-00000000000000000000000000000000-b7ad6b7169203331-01'])('starts a new trace for %p', (tp) => {
    expect(trace.getSpanContext(contextFromTraceparent(tp))).toBeUndefined();
  });
});
