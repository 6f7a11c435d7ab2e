// The one status write of a reconcile: the desired status fields and condition updates become a JSON
// merge patch of what differs from the status the pass observed (observedGeneration stamped on the
// object and on every condition), sent to /status once, and skipped when nothing differs. Events of
// the pass: those of an action taken in the pass always (before the write), those of a status change
// only once the write went out.
import type { KubernetesObject } from '@kubernetes/client-node';
import { setCondition, type Condition, type ConditionUpdate } from './conditions.js';
import type { EventInput, EventRecorder } from './events.js';
import type { JsonApi } from './json-api.js';
import { patchStatus, type CustomResourceRef } from './status.js';
import { statusDelta } from './status-delta.js';

/** What a reconcile wants its object's status to say. */
export interface StatusReport {
  /** Status fields to set; `null` deletes one, `undefined` leaves it as it is. */
  fields?: Record<string, unknown>;
  /** Conditions to set (lastTransitionTime moves only when a condition's status changes). */
  conditions?: ConditionUpdate[];
  /** Events of the status change: recorded only when the write went out. */
  events?: EventInput[];
  /** Events of what the pass did (created, scaled, queued): recorded whether or not the status changed. */
  actionEvents?: EventInput[];
}

export interface ReportedObject extends KubernetesObject {
  metadata: KubernetesObject['metadata'] & { generation?: number; resourceVersion?: string };
  status?: { conditions?: readonly Condition[] } | object;
}

export interface ReportDeps {
  api: JsonApi;
  events: EventRecorder;
  now: () => number;
}

/** The status patch a report makes of the observed status, or undefined when it changes nothing. Pure. */
export function statusPatchOf(observed: ReportedObject, report: StatusReport, now: Date): Record<string, unknown> | undefined {
  const status = observed.status as (Record<string, unknown> & { conditions?: Condition[] }) | undefined;
  const generation = observed.metadata?.generation;
  let conditions = status?.conditions ?? [];
  for (const u of report.conditions ?? []) conditions = setCondition(conditions, u, { generation, now });
  return statusDelta(status, {
    ...report.fields,
    ...(report.conditions && report.conditions.length > 0 ? { conditions } : {}),
    observedGeneration: generation,
  });
}

/**
 * Writes the report: one patch of /status, or none when nothing differs. Returns the updated object,
 * or undefined when no write was needed. `ifUnchangedSince` (a resourceVersion) makes the write
 * conditional: it fails with 409 when someone else wrote the object since the pass read it.
 */
export async function reportStatus<T extends ReportedObject>(
  deps: ReportDeps,
  observed: T,
  ref: CustomResourceRef,
  report: StatusReport,
  opts: { ifUnchangedSince?: string; signal?: AbortSignal } = {},
): Promise<T | undefined> {
  // The action happened whatever becomes of the write (a conditional one may lose to another writer).
  for (const e of report.actionEvents ?? []) void deps.events.record(observed, e);
  const patch = statusPatchOf(observed, report, new Date(deps.now()));
  if (!patch) return undefined;
  const updated = await patchStatus<T>(deps.api, ref, patch, {
    ...(opts.ifUnchangedSince === undefined ? {} : { resourceVersion: opts.ifUnchangedSince }),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  for (const e of report.events ?? []) void deps.events.record(observed, e);
  return updated;
}
