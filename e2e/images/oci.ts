// The OCI image layout (one folder, a tag per image), assembled with umoci: the base layer (cached in the
// layout under a tag named by its cache key), the application layers, then the image config.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Layer } from './app.js';
import { exec } from './exec.js';
import { umociConfigArgs, type OciImageConfig } from './recipe.js';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export function blobPath(layout: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  return join(layout, 'blobs', alg!, hex!);
}

/** The tags of a layout (org.opencontainers.image.ref.name of index.json's manifests). */
export function layoutTags(layout: string): string[] {
  if (!existsSync(join(layout, 'index.json'))) return [];
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] | null };
  return (index.manifests ?? []).flatMap((m) => m.annotations?.['org.opencontainers.image.ref.name'] ?? []);
}

export function manifestOf(layout: string, tag: string): { config: Descriptor; layers: Descriptor[] } {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] | null };
  const desc = (index.manifests ?? []).find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!desc) throw new Error(`the layout ${layout} has no tag ${tag}`);
  return JSON.parse(readFileSync(blobPath(layout, desc.digest), 'utf8')) as {
    config: Descriptor;
    layers: Descriptor[];
  };
}

export interface AssembleOptions {
  layout: string;
  tag: string;
  /** Tag the base layer is kept under between runs (derived from its cache key). */
  baseTag: string;
  /** Made only when the base tag is missing. */
  baseTar: () => Promise<string>;
  /** Application layers, in order. */
  appLayers: Layer[];
  config: OciImageConfig;
  logFile: string;
}

/** Makes (or replaces) `tag` in the layout; returns whether the base layer came from the layout. */
export async function assembleImage(o: AssembleOptions): Promise<{ baseReused: boolean }> {
  const log = { logFile: o.logFile };
  if (!existsSync(join(o.layout, 'index.json'))) await exec('umoci', ['init', '--layout', o.layout], log);
  const tags = layoutTags(o.layout);
  const baseReused = tags.includes(o.baseTag);
  if (!baseReused) {
    const tar = await o.baseTar();
    const staging = `${o.baseTag}-wip`;
    if (tags.includes(staging)) await exec('umoci', ['rm', '--image', `${o.layout}:${staging}`], log);
    await exec('umoci', ['new', '--image', `${o.layout}:${staging}`], log);
    await exec(
      'umoci',
      [
        'raw',
        'add-layer',
        '--image',
        `${o.layout}:${staging}`,
        '--tag',
        o.baseTag,
        '--history.created_by=mmdebstrap + Dockerfile RUN',
        tar,
      ],
      log,
    );
    await exec('umoci', ['rm', '--image', `${o.layout}:${staging}`], log);
  }
  // Base tags of older cache keys for this image go; `umoci gc` then drops their blobs.
  const prefix = o.baseTag.replace(/-[0-9a-f]+$/, '-');
  for (const t of layoutTags(o.layout)) {
    if ((t.startsWith(prefix) && t !== o.baseTag) || t === o.tag)
      await exec('umoci', ['rm', '--image', `${o.layout}:${t}`], log);
  }
  for (const [i, layer] of o.appLayers.entries()) {
    const from =
      i === 0 ? ['--image', `${o.layout}:${o.baseTag}`, '--tag', o.tag] : ['--image', `${o.layout}:${o.tag}`];
    await exec('umoci', ['raw', 'add-layer', ...from, `--history.created_by=${layer.createdBy}`, layer.tar], log);
  }
  await exec(
    'umoci',
    [
      'config',
      '--image',
      `${o.layout}:${o.tag}`,
      '--history.created_by=Dockerfile ENV/WORKDIR/USER/ENTRYPOINT/CMD/EXPOSE',
      ...umociConfigArgs(o.config),
    ],
    log,
  );
  await exec('umoci', ['gc', '--layout', o.layout], log);
  return { baseReused };
}

/** Compressed size (manifest, config and layer blobs, as a registry would store them). */
export function imageSize(layout: string, tag: string): { compressed: number; layers: number[] } {
  const m = manifestOf(layout, tag);
  const layers = m.layers.map((l) => l.size);
  return { compressed: layers.reduce((a, b) => a + b, 0) + m.config.size, layers };
}

export function fileSize(path: string): number {
  return statSync(path).size;
}
