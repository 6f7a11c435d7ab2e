// RobotPool: a Deployment of robots, sized by queue depth (HPA v2 semantics) or by `replicas`.
import { z } from 'zod';
import { dnsSubdomain, Quantity, resource, statusBase, timestamp } from './common.js';
import { withRules } from './rules.js';
import { boundedRecord, boundedString } from './bounds.js';
import { NetworkSpec } from './network.js';
import { ArtifactSettings } from './artifacts.js';

export const MAX_REPLICAS = 1000;

export const ScalingPolicy = z.strictObject({
  type: z.enum(['Pods', 'Percent']),
  value: z.int().min(1).max(10000),
  periodSeconds: z.int().min(1).max(1800),
});

export const ScalingRules = z.strictObject({
  stabilizationWindowSeconds: z.int().min(0).max(3600).optional(),
  selectPolicy: z.enum(['Max', 'Min', 'Disabled']).optional(),
  policies: z.array(ScalingPolicy).max(10).optional(),
});
export type ScalingRules = z.infer<typeof ScalingRules>;

export const Autoscaling = withRules(
  z.strictObject({
    /** Off: `replicas` (or `kubectl scale`, or your own HPA/KEDA through the scale subresource) decides. */
    enabled: z.boolean().default(true),
    minReplicas: z.int().min(0).max(MAX_REPLICAS).default(0),
    maxReplicas: z.int().min(1).max(MAX_REPLICAS),
    /** Jobs one robot takes at once for the sizing formula; defaults to concurrencyPerRobot. */
    jobsPerRobot: z.int().min(1).max(64).optional(),
    /** Relative change of load ignored as noise (HPA's tolerance), 0..1; default 0.1. */
    tolerance: z.number().min(0).max(1).optional(),
    behavior: z
      .strictObject({
        scaleUp: ScalingRules.optional(),
        scaleDown: ScalingRules.optional(),
      })
      .optional(),
  }),
  [
    {
      cel: 'self.minReplicas <= self.maxReplicas',
      message: 'minReplicas must not exceed maxReplicas',
      fieldPath: '.minReplicas',
      holds: (a) => a.minReplicas <= a.maxReplicas,
    },
  ],
);
export type Autoscaling = z.output<typeof Autoscaling>;

export const ResourceRequirements = z.strictObject({
  requests: boundedRecord(boundedString(63), Quantity, 16).optional(),
  limits: boundedRecord(boundedString(63), Quantity, 16).optional(),
});

export const Toleration = z.strictObject({
  key: boundedString(316).optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: boundedString(63).optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.int().optional(),
});

const KeyRef = z.strictObject({
  name: dnsSubdomain(),
  key: boundedString(253).min(1),
  optional: z.boolean().optional(),
});

/** A container env var: a literal value, or a reference (secrets stay in Secrets). */
export const EnvVar = withRules(
  z.strictObject({
    name: boundedString(256)
      .min(1)
      .regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/),
    value: boundedString(32768).optional(),
    valueFrom: z
      .strictObject({
        secretKeyRef: KeyRef.optional(),
        configMapKeyRef: KeyRef.optional(),
      })
      .optional(),
  }),
  [
    {
      cel: '!(has(self.value) && has(self.valueFrom))',
      message: 'value and valueFrom are mutually exclusive',
      fieldPath: '.valueFrom',
      holds: (e) => !(e.value !== undefined && e.valueFrom !== undefined),
    },
  ],
);

export const RobotPoolSpec = z.strictObject({
  image: boundedString(1024).min(1),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  imagePullSecrets: z
    .array(z.strictObject({ name: dnsSubdomain() }))
    .max(8)
    .optional(),
  serviceAccountName: dnsSubdomain().optional(),
  /** Used when autoscaling is off (ignored while it is on); the scale subresource reads and writes it. */
  replicas: z.int().min(0).max(MAX_REPLICAS).default(1),
  autoscaling: Autoscaling.optional(),
  /** Jobs one robot runs at the same time (one browser context each). */
  concurrencyPerRobot: z.int().min(1).max(32).default(1),
  resources: ResourceRequirements.optional(),
  terminationGracePeriodSeconds: z.int().min(0).max(3600).optional(),
  nodeSelector: boundedRecord(boundedString(316), boundedString(63), 32).optional(),
  tolerations: z.array(Toleration).max(32).optional(),
  env: z.array(EnvVar).max(64).optional(),
  /** Egress exceptions for this pool's robots (see api/v1alpha1/network.ts and README "Egress"). */
  network: NetworkSpec.optional(),
  /** Caps on the files the pool's jobs store (download steps); see api/v1alpha1/artifacts.ts. */
  artifacts: ArtifactSettings.optional(),
});
export type RobotPoolSpec = z.output<typeof RobotPoolSpec>;
export type RobotPoolSpecInput = z.input<typeof RobotPoolSpec>;

export const QueueDepth = z.strictObject({
  ready: z.int().min(0),
  delayed: z.int().min(0),
  running: z.int().min(0),
});
export type QueueDepth = z.infer<typeof QueueDepth>;

export const RobotPoolStatus = z.strictObject({
  ...statusBase,
  replicas: z.int().min(0).optional(),
  readyReplicas: z.int().min(0).optional(),
  desiredReplicas: z.int().min(0).optional(),
  queue: QueueDepth.optional(),
  lastScaleTime: timestamp().optional(),
  /** Label selector of the robot pods, as a string (for the scale subresource). */
  selector: boundedString(1024).optional(),
});
export type RobotPoolStatus = z.infer<typeof RobotPoolStatus>;

export const RobotPool = resource('RobotPool', RobotPoolSpec, RobotPoolStatus);
export type RobotPool = z.output<typeof RobotPool>;
