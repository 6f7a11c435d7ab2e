// RpaNotification: outbound webhooks. Each event of the namespace's jobs, queue items and queues that
// matches the notification becomes one delivery row (migrations/sql/0015_notifications.sql) which the
// operator POSTs to `url`, signed with the key in `secretRef` (HMAC-SHA256, as inbound webhooks), retried
// with exponential back-off up to retry.maxAttempts. See README "Notifications".
import { z } from 'zod';
import { dnsSubdomain, resource, statusBase, timestamp } from './common.js';
import { withCel, withRules } from './rules.js';

export const NOTIFICATION_EVENTS = [
  'JobSucceeded',
  'JobFailed',
  'JobCancelled',
  'ItemSuccessful',
  'ItemFailed',
  'ItemAbandoned',
  'QueueSlaBreached',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

const HOUR = 3600;

export const NotificationRetry = withRules(
  z.strictObject({
    /** Attempts per delivery, the first included; then it is Failed. */
    maxAttempts: z.int().min(1).max(50).default(8),
    /** Delay before the second attempt; each further one doubles it (with jitter) up to maxSeconds. */
    backoff: z
      .strictObject({
        initialSeconds: z.int().min(1).max(HOUR).default(5),
        maxSeconds: z.int().min(1).max(24 * HOUR).default(3600),
      })
      .default({ initialSeconds: 5, maxSeconds: 3600 }),
  }),
  [
    {
      cel: 'self.backoff.maxSeconds >= self.backoff.initialSeconds',
      message: 'backoff.maxSeconds must be at least backoff.initialSeconds',
      fieldPath: '.backoff',
      holds: (r) => r.backoff.maxSeconds >= r.backoff.initialSeconds,
    },
  ],
);

const names = () => z.array(dnsSubdomain()).min(1).max(64);

export const RpaNotificationSpec = z.strictObject({
  /**
   * Where deliveries are POSTed: https, or http to a host the operator's chart value
   * notifications.allowedHosts lists. Hosts resolving to loopback, link-local or private addresses are
   * refused unless the chart allows them.
   */
  url: withCel(
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2048)
      .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), { message: 'must not carry credentials (user:password@)' }),
    [{ rule: "self.startsWith('https://') || self.startsWith('http://')", message: 'must be an http(s) URL' }],
  ),
  /** The Secret (in the notification's namespace) and key holding the HMAC key. */
  secretRef: z.strictObject({ name: dnsSubdomain(), key: z.string().min(1).max(253).regex(/^[-._a-zA-Z0-9]+$/, 'must be a Secret key') }),
  /** Which events are delivered. */
  events: z
    .array(z.enum(NOTIFICATION_EVENTS))
    .min(1)
    .max(NOTIFICATION_EVENTS.length)
    .refine((e) => new Set(e).size === e.length, { message: 'must not repeat an event' })
    .meta({ 'x-kubernetes-list-type': 'set' }),
  /**
   * Filters (absent: any). Every list given must name the event's workflow, queue or pool: a job has no
   * queue, so a notification with `queues` never fires for jobs.
   */
  workflows: names().optional(),
  queues: names().optional(),
  pools: names().optional(),
  retry: NotificationRetry.default({ maxAttempts: 8, backoff: { initialSeconds: 5, maxSeconds: 3600 } }),
});
export type RpaNotificationSpec = z.output<typeof RpaNotificationSpec>;
export type RpaNotificationSpecInput = z.input<typeof RpaNotificationSpec>;

export const NotificationDelivery = z.strictObject({
  time: timestamp(),
  /** The receiver's HTTP status; absent when no answer came (refused, timed out, unreachable). */
  httpStatus: z.int().min(100).max(599).optional(),
  /** Delivered or Failed (attempts left: the next one is scheduled). */
  outcome: z.enum(['Delivered', 'Retrying', 'Failed']),
});

export const RpaNotificationStatus = z.strictObject({
  ...statusBase,
  delivered: z.int().min(0).optional(),
  failed: z.int().min(0).optional(),
  pending: z.int().min(0).optional(),
  lastDelivery: NotificationDelivery.optional(),
  /** When the counts were last written (at most once a second). */
  countsTime: timestamp().optional(),
});
export type RpaNotificationStatus = z.infer<typeof RpaNotificationStatus>;

export const RpaNotification = resource('RpaNotification', RpaNotificationSpec, RpaNotificationStatus);
export type RpaNotification = z.output<typeof RpaNotification>;
