// client-node 1.x builds a new https.Agent for every request, so every API call pays a TCP and TLS
// handshake (client certificates included) on both ends: the dominant cost of an operator writing
// thousands of objects. This makes a KubeConfig reuse one keep-alive agent for as long as the TLS
// material stays the same (a rotated certificate gets a new agent). No cap on sockets: every informer's
// watch holds one for minutes, one per kind and watched namespace, and a capped pool (it was 32) once
// they filled it queued every other request — status writes, lists — behind watches that never end.
import http from 'node:http';
import https, { type Agent } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

type AgentOptions = { ca?: unknown; cert?: unknown; key?: unknown; pfx?: unknown; rejectUnauthorized?: boolean; servername?: string };
type CreateAgent = (cluster: { server?: string } | null, options: AgentOptions & Record<string, unknown>) => Agent;

const same = (a: unknown, b: unknown): boolean => (Buffer.isBuffer(a) && Buffer.isBuffer(b) ? a.equals(b) : a === b);

const agents = new WeakMap<KubeConfig, () => Agent | undefined>();

/** Mutates `kc` so that its API clients share keep-alive connections; returns it. */
export function withKeepAlive(kc: KubeConfig): KubeConfig {
  if (agents.has(kc)) return kc;
  const target = kc as unknown as { createAgent: CreateAgent };
  const original = target.createAgent.bind(kc);
  let current: { server?: string; options: AgentOptions; agent: Agent } | undefined;
  agents.set(kc, () => current?.agent);
  target.createAgent = (cluster, options) => {
    const reuse =
      current !== undefined &&
      current.server === cluster?.server &&
      (['ca', 'cert', 'key', 'pfx', 'rejectUnauthorized', 'servername'] as const).every((k) => same(current!.options[k], options[k]));
    if (!reuse) current = { server: cluster?.server, options: { ...options }, agent: withShortPoolNames(original(cluster, { ...options, keepAlive: true, maxSockets: Infinity })) };
    return current!.agent;
  };
  return kc;
}

type PoolNameOptions = http.ClientRequestArgs & { rejectUnauthorized?: boolean; servername?: string };

/**
 * https.Agent names its connection pools after every TLS option, the PEM buffers included, and builds
 * and hashes that name (kilobytes) several times per request. An agent made here carries its TLS
 * material in its own options, which override a request's, so host, port, local address and family,
 * plus certificate checking and the SNI name, tell its pools apart as well.
 */
function withShortPoolNames(agent: Agent): Agent {
  if (!(agent instanceof https.Agent)) return agent; // a proxy agent names its own pools
  const httpName = http.Agent.prototype.getName as (this: Agent, options?: PoolNameOptions) => string;
  agent.getName = function (options?: PoolNameOptions) {
    return `${httpName.call(this, options)}:${String(options?.rejectUnauthorized)}:${options?.servername ?? ''}`;
  };
  return agent;
}

/** Closes the idle keep-alive connections of `kc` (on shutdown, so they do not hold the process open). */
export function closeKeepAlive(kc: KubeConfig): void {
  agents.get(kc)?.()?.destroy();
}
