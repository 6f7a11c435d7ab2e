// OpenTelemetry for the robot: off unless the standard OTEL_* variables ask for it. A job's span
// continues the W3C trace context the operator put in the queue payload; each workflow step is a
// child span (step id, action, attempt, healed).
import { SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { contextFromTraceparent, startOtelTracing, tracingEnabled, type Tracing } from '../../../api/tracing.js';

export { contextFromTraceparent, tracingEnabled, type Tracing };

/** Starts the SDK when `tracingEnabled(env)` and installs it globally; off: a no-op tracer, no globals touched. */
export function startTracing(opts: { env: Record<string, string | undefined>; attributes: Record<string, string> }): Tracing {
  return startOtelTracing({ env: opts.env, name: 'aether-robot', attributes: opts.attributes, setGlobalProvider: true });
}

export interface StepRecord {
  stepId: string;
  action: string;
  attempt: number;
  startTime: Date;
  endTime: Date;
  healed?: boolean;
  /** The failure's message when the step failed (redacted again by the trace). */
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
  /** Every free-text attribute (error messages) goes through it: the job's redactor. */
  redact: (s: string) => string = (s) => s,
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
      if (step.error !== undefined) child.setStatus({ code: SpanStatusCode.ERROR, message: redact(step.error) });
      child.end(step.endTime);
    },
    end(outcome) {
      span.setAttribute('aether.outcome', outcome.status);
      if (outcome.error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: redact(outcome.error) });
      else span.setStatus({ code: SpanStatusCode.OK });
      span.end();
    },
  };
}
