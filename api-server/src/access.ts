// Who may call what: every route of the Aether API server names the Kubernetes resource and verb a
// caller needs, the same ones kubectl would need for the same act, so RBAC stays the single source of
// truth. The table is checked by a SubjectAccessReview per request (auth.ts) and published in the
// OpenAPI document as `x-aether-rbac` on each operation.
import { GROUP } from '../../api/v1alpha1/common.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/** A resource in group rpa.aether.dev, namespaced by the route's {namespace}. */
export interface Access {
  resource: 'rpajobs' | 'robotpools' | 'rpaqueues' | 'rpaworkflows';
  /** `items` on rpaqueues: the virtual subresource of queue items (rows in PostgreSQL, not objects). */
  subresource?: 'items';
  verb: Verb;
}

/** A route any authenticated caller may call (it answers only about the caller's own rights). */
export const AUTHENTICATED = 'authenticated' as const;
export type RouteAccess = Access | typeof AUTHENTICATED;

/** The resource attributes of a SubjectAccessReview for one request. */
export interface ResourceAttributes {
  group: string;
  resource: string;
  subresource?: string;
  verb: Verb;
  namespace: string;
  name?: string;
}

export function resourceAttributes(access: Access, namespace: string, name?: string): ResourceAttributes {
  return {
    group: GROUP,
    resource: access.resource,
    ...(access.subresource !== undefined && { subresource: access.subresource }),
    verb: access.verb,
    namespace,
    ...(name !== undefined && { name }),
  };
}

/** What `x-aether-rbac` says of an operation: `rpajobs create`, `rpaqueues/items list`. */
export function describeAccess(access: RouteAccess): { apiGroup: string; resource: string; verb: Verb } | { authenticated: true } {
  if (access === AUTHENTICATED) return { authenticated: true };
  return {
    apiGroup: GROUP,
    resource: access.subresource ? `${access.resource}/${access.subresource}` : access.resource,
    verb: access.verb,
  };
}
