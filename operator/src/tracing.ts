// OpenTelemetry for the operator: off unless the standard OTEL_* variables ask for it. Each RpaJob
// reconcile is a span; the W3C traceparent of a job's trace goes into its queue payload and onto the
// RpaJob as an annotation, so the robot's job and step spans join the same trace.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface Tracing {
  enabled: boolean;
  tracer: Tracer;
  /** Sends what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

const TRACER_NAME = 'aether-operator';

/** On when an OTLP endpoint or exporter is configured, unless the SDK or trace export is disabled. */
export function tracingEnabled(env: Record<string, string | undefined>): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  if (exporters.length > 0) return exporters.includes('otlp');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/**
 * Starts the SDK with an OTLP/HTTP exporter (which reads OTEL_EXPORTER_OTLP_* itself) when
 * `tracingEnabled(env)`, or with the given processors (tests: an in-memory exporter). Otherwise a no-op
 * tracer and no globals touched.
 */
export function startTracing(opts: { env: Record<string, string | undefined>; processors?: SpanProcessor[] }): Tracing {
  const processors = opts.processors ?? (tracingEnabled(opts.env) ? [new BatchSpanProcessor(new OTLPTraceExporter())] : []);
  if (processors.length === 0) {
    return { enabled: false, tracer: trace.getTracer(TRACER_NAME), shutdown: async () => {} };
  }
  const resource = defaultResource().merge(resourceFromAttributes({ 'service.name': opts.env.OTEL_SERVICE_NAME?.trim() || 'aether-operator' }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: processors });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return {
    enabled: true,
    tracer: provider.getTracer(TRACER_NAME),
    async shutdown() {
      await provider.forceFlush();
      await provider.shutdown();
    },
  };
}

const w3c = new W3CTraceContextPropagator();
const getter = { get: (c: Record<string, string>, k: string) => c[k], keys: (c: Record<string, string>) => Object.keys(c) };

/** The context a traceparent carries; the root context when absent or malformed. */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  return traceparent ? w3c.extract(ROOT_CONTEXT, { traceparent }, getter) : ROOT_CONTEXT;
}

/** The W3C traceparent of a span, or undefined for a no-op (non-recording, invalid) span. */
export function traceparentOf(span: Span): string | undefined {
  const ctx = span.spanContext();
  if (!trace.isSpanContextValid(ctx)) return undefined;
  const carrier: Record<string, string> = {};
  w3c.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, { set: (c, k, v) => (c[k] = v) });
  return carrier.traceparent;
}

/** Runs `fn` inside a span, ending it with the outcome (an error marks the span and is rethrown). */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  opts: { parent?: Context; attributes?: Record<string, string | number | boolean> },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes: opts.attributes }, opts.parent ?? ROOT_CONTEXT);
  try {
    return await context.with(trace.setSpan(opts.parent ?? ROOT_CONTEXT, span), () => fn(span));
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}
