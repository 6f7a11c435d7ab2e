// OpenTelemetry for the operator: off unless the standard OTEL_* variables ask for it. Each RpaJob
// reconcile is a span; the W3C traceparent of a job's trace goes into its queue payload and onto the
// RpaJob as an annotation, so the robot's job and step spans join the same trace.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { contextFromTraceparent, startOtelTracing, tracingEnabled, type Tracing } from '../../api/tracing.js';

export { contextFromTraceparent, tracingEnabled, type Tracing };

/**
 * Starts the SDK with an OTLP/HTTP exporter when `tracingEnabled(env)`, or with the given processors
 * (tests: an in-memory exporter). Otherwise a no-op tracer and no globals touched.
 */
export function startTracing(opts: { env: Record<string, string | undefined>; processors?: SpanProcessor[] }): Tracing {
  return startOtelTracing({ env: opts.env, name: 'aether-operator', ...(opts.processors && { processors: opts.processors }) });
}

const w3c = new W3CTraceContextPropagator();

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
