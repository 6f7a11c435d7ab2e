// OpenTelemetry for the robot: off unless the standard OTEL_* variables ask for it. A job's span
// continues the W3C trace context the operator put in the queue payload; each workflow step is a
// child span (step id, action, attempt, healed).
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

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

const TRACER_NAME = 'aether-robot';

/**
 * Starts the SDK when `tracingEnabled(env)`; the OTLP/HTTP exporter then reads its endpoint, headers
 * and timeouts from the OTEL_EXPORTER_OTLP_* variables itself. Off: a no-op tracer, no globals touched.
 */
export function startTracing(opts: {
  env: Record<string, string | undefined>;
  attributes: Record<string, string>;
}): Tracing {
  if (!tracingEnabled(opts.env)) {
    return { enabled: false, tracer: trace.getTracerProvider().getTracer(TRACER_NAME), shutdown: async () => {} };
  }
  const resource = defaultResource().merge(
    resourceFromAttributes({ 'service.name': opts.env.OTEL_SERVICE_NAME?.trim() || 'aether-robot', ...opts.attributes }),
  );
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return {
    enabled: true,
    tracer: provider.getTracer(TRACER_NAME),
    async shutdown() {
      await provider.forceFlush();
      await provider.shutdown();
      trace.disable();
      context.disable();
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

export interface StepRecord {
  stepId: string;
  action: string;
  attempt: number;
  startTime: Date;
  endTime: Date;
  healed?: boolean;
  /** The failure's message (already scrubbed of secrets) when the step failed. */
  error?: string;
}

export interface JobTrace {
  /** The job span's context: spans started in it are children of the job. */
  readonly context: Context;
  recordStep(step: StepRecord): void;
  end(outcome: { status: string; error?: string }): void;
}

export function startJobTrace(
  tracer: Tracer,
  job: { traceparent?: string; tracestate?: string; runUid: string; namespace: string; name: string; pool: string; attempt: number; robot: string },
): JobTrace {
  const parent = contextFromTraceparent(job.traceparent, job.tracestate);
  const span: Span = tracer.startSpan(
    'rpa.job',
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'aether.run_uid': job.runUid,
        'aether.job.namespace': job.namespace,
        'aether.job.name': job.name,
        'aether.pool': job.pool,
        'aether.attempt': job.attempt,
        'aether.robot': job.robot,
      },
    },
    parent,
  );
  const jobContext = trace.setSpan(parent, span);
  return {
    context: jobContext,
    recordStep(step) {
      const child = tracer.startSpan(
        `rpa.step ${step.action}`,
        {
          startTime: step.startTime,
          attributes: {
            'aether.step.id': step.stepId,
            'aether.step.action': step.action,
            'aether.attempt': step.attempt,
            'aether.step.healed': step.healed ?? false,
          },
        },
        jobContext,
      );
      if (step.error !== undefined) child.setStatus({ code: SpanStatusCode.ERROR, message: step.error });
      child.end(step.endTime);
    },
    end(outcome) {
      span.setAttribute('aether.outcome', outcome.status);
      if (outcome.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
      else span.setStatus({ code: SpanStatusCode.OK });
      span.end();
    },
  };
}
