// OpenTelemetry SDK set-up shared by the operator and the robot: off unless the standard OTEL_*
// variables ask for it; the OTLP/HTTP exporter reads OTEL_EXPORTER_OTLP_* (endpoint, headers,
// timeouts) itself. Also the W3C traceparent reading both sides need.
import { ROOT_CONTEXT, context, trace, type Context, type Tracer } from '@opentelemetry/api';
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

export interface TracingOptions {
  env: Record<string, string | undefined>;
  /** The tracer's name; also service.name unless OTEL_SERVICE_NAME sets one. */
  name: string;
  /** Resource attributes besides service.name. */
  attributes?: Record<string, string>;
  /** Replace the OTLP exporter (tests: an in-memory exporter); tracing is then on whatever the env says. */
  processors?: SpanProcessor[];
  /** Also install the provider as the global one (and disable the globals again on shutdown). */
  setGlobalProvider?: boolean;
}

/** Starts the SDK when `tracingEnabled(env)` or processors are given; otherwise a no-op tracer, no globals touched. */
export function startOtelTracing(opts: TracingOptions): Tracing {
  const processors = opts.processors ?? (tracingEnabled(opts.env) ? [new BatchSpanProcessor(new OTLPTraceExporter())] : []);
  if (processors.length === 0) {
    return { enabled: false, tracer: trace.getTracer(opts.name), shutdown: async () => {} };
  }
  const resource = defaultResource().merge(
    resourceFromAttributes({ 'service.name': opts.env.OTEL_SERVICE_NAME?.trim() || opts.name, ...opts.attributes }),
  );
  const provider = new BasicTracerProvider({ resource, spanProcessors: processors });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  if (opts.setGlobalProvider) trace.setGlobalTracerProvider(provider);
  return {
    enabled: true,
    tracer: provider.getTracer(opts.name),
    async shutdown() {
      await provider.forceFlush();
      await provider.shutdown();
      if (opts.setGlobalProvider) {
        trace.disable();
        context.disable();
      }
    },
  };
}

const w3c = new W3CTraceContextPropagator();

/** The context carried by a W3C `traceparent` (and `tracestate`); the root context when absent or malformed. */
export function contextFromTraceparent(traceparent?: string, tracestate?: string): Context {
  if (!traceparent) return ROOT_CONTEXT;
  const carrier: Record<string, string> = { traceparent, ...(tracestate && { tracestate }) };
  return w3c.extract(ROOT_CONTEXT, carrier, {
    get: (c, key) => c[key],
    keys: (c) => Object.keys(c),
  });
}
