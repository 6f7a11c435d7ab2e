// Artifacts: files a job's `download` steps saved (issue 16). Their bytes stay in PostgreSQL
// (aether.artifacts); the RpaJob's status lists only what identifies them. A RobotPool caps them.
import { z } from 'zod';
import { boundedString } from './bounds.js';

/** Artifact names: a file name without a path (no `/`, no leading dot), so a CLI may write it into a folder. */
export const ARTIFACT_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export const MiB = 1024 * 1024;
export const DEFAULT_ARTIFACT_CAPS = { maxFileBytes: 10 * MiB, maxJobBytes: 50 * MiB } as const;
/** The largest caps a pool may set: a file is held in memory once while it is stored or uploaded. */
export const MAX_ARTIFACT_CAPS = { maxFileBytes: 200 * MiB, maxJobBytes: 1024 * MiB } as const;
export type ArtifactCaps = { maxFileBytes: number; maxJobBytes: number };

/** Most artifacts a status lists (the rest stay in PostgreSQL: `aether artifacts list`). */
export const MAX_STATUS_ARTIFACTS = 50;

/** A problem with an artifact name, or null. Pure: also used for rendered templates. */
export function artifactNameProblem(name: string): string | null {
  if (ARTIFACT_NAME_PATTERN.test(name)) return null;
  return `artifact name ${JSON.stringify(name.slice(0, 140))} must be 1-128 letters, digits, '.', '_' or '-', not starting with '.' or '-'`;
}

const capField = (key: keyof ArtifactCaps, what: string) =>
  z
    .int()
    .min(1)
    .max(MAX_ARTIFACT_CAPS[key])
    .optional()
    .meta({ description: `${what} (default ${DEFAULT_ARTIFACT_CAPS[key]}, at most ${MAX_ARTIFACT_CAPS[key]}).` });

/** RobotPool spec.artifacts: caps on what the pool's jobs may store. */
export const ArtifactSettings = z.strictObject({
  maxFileBytes: capField('maxFileBytes', 'Largest file one download step may store, in bytes'),
  maxJobBytes: capField('maxJobBytes', 'Largest sum of the artifacts of one job, in bytes'),
});
export type ArtifactSettings = z.infer<typeof ArtifactSettings>;

export function artifactCaps(s: ArtifactSettings | undefined): ArtifactCaps {
  return {
    maxFileBytes: s?.maxFileBytes ?? DEFAULT_ARTIFACT_CAPS.maxFileBytes,
    maxJobBytes: s?.maxJobBytes ?? DEFAULT_ARTIFACT_CAPS.maxJobBytes,
  };
}

/** What identifies a stored artifact: the step's output and the status entry (never the content). */
export const ArtifactSummary = z.strictObject({
  name: boundedString(128),
  size: z.int().min(0),
  sha256: boundedString(64),
  contentType: boundedString(255),
});
export type ArtifactSummary = z.infer<typeof ArtifactSummary>;

export const StatusArtifacts = z.array(ArtifactSummary).max(MAX_STATUS_ARTIFACTS);
