// The OCI runtime configuration (config.json of a bundle) for running an image like a robot pod does:
// starts from the spec `umoci unpack` derived from the image config (user, env, entrypoint, cwd) and
// changes only what the run needs. Pure: the caller reads and writes the file.

/** The parts of an OCI runtime spec this module touches; the rest is passed through unchanged. */
export interface RuntimeSpec {
  ociVersion: string;
  process: {
    terminal?: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    [k: string]: unknown;
  };
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts?: Array<{ destination: string; type?: string; source?: string; options?: string[] }>;
  linux?: { namespaces?: Array<{ type: string; path?: string }>; [k: string]: unknown };
  [k: string]: unknown;
}

export interface RunOptions {
  /** Variables added to (or replacing) the image's environment. */
  env?: Record<string, string>;
  /** Replaces the image's CMD: args = entrypoint from the image + these. */
  cmd?: string[];
  /** Host files or directories mounted read-only at a path in the container. */
  readOnlyMounts?: Array<{ source: string; destination: string }>;
  /** Share the host's network namespace (so 127.0.0.1 reaches services on the host). */
  hostNetwork?: boolean;
  hostname?: string;
}

/** Mounts every robot pod has: an emptyDir at /tmp (HOME, Chromium's profile) and a memory-backed /dev/shm. */
const POD_MOUNTS = [
  { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] },
  { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777'] },
];

/**
 * The spec to run: read-only root file system with the pod's writable mounts, no terminal, the given
 * environment on top of the image's, optional read-only bind mounts and host networking.
 */
export function runtimeSpec(fromImage: RuntimeSpec, entrypoint: string[], opts: RunOptions = {}): RuntimeSpec {
  const env = new Map(
    fromImage.process.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as const),
  );
  for (const [k, v] of Object.entries(opts.env ?? {})) env.set(k, v);
  const replaced = new Set([
    ...POD_MOUNTS.map((m) => m.destination),
    ...(opts.readOnlyMounts ?? []).map((m) => m.destination),
  ]);
  const mounts = [
    ...(fromImage.mounts ?? []).filter((m) => !replaced.has(m.destination)),
    ...POD_MOUNTS,
    ...(opts.readOnlyMounts ?? []).map((m) => ({
      destination: m.destination,
      type: 'bind',
      source: m.source,
      options: ['rbind', 'ro', 'nosuid', 'nodev'],
    })),
  ];
  const namespaces = (fromImage.linux?.namespaces ?? []).filter((n) => !(opts.hostNetwork && n.type === 'network'));
  return {
    ...fromImage,
    process: {
      ...fromImage.process,
      terminal: false,
      args: opts.cmd ? [...entrypoint, ...opts.cmd] : fromImage.process.args,
      env: [...env].map(([k, v]) => `${k}=${v}`),
    },
    root: { ...fromImage.root, readonly: true },
    ...(opts.hostname !== undefined && { hostname: opts.hostname }),
    mounts,
    linux: { ...fromImage.linux, namespaces },
  };
}
