// The API clients and informer sources the controllers use, in one place.
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { JsonApi } from '../runtime/json-api.js';
import type { CustomResourceRef } from '../runtime/status.js';
import type { KindSource } from './cache.js';
import { API, LABELS, PLURALS, type AetherKind } from './names.js';

export interface KubeClients {
  custom: CustomObjectsApi;
  apps: AppsV1Api;
  core: CoreV1Api;
  /** The lean client of the per-job writes (status patches, metadata patches). */
  json: JsonApi;
}

export function makeClients(kc: KubeConfig): KubeClients {
  return { custom: kc.makeApiClient(CustomObjectsApi), apps: kc.makeApiClient(AppsV1Api), core: kc.makeApiClient(CoreV1Api), json: new JsonApi(kc) };
}

export function crRef(kind: AetherKind, namespace: string, name: string): CustomResourceRef {
  return { ...API, plural: PLURALS[kind], namespace, name };
}

export function customSource<T extends KubernetesObject>(custom: CustomObjectsApi, kind: AetherKind): KindSource<T> {
  const plural = PLURALS[kind];
  return {
    name: plural,
    path: (ns) => (ns ? `/apis/${API.group}/${API.version}/namespaces/${ns}/${plural}` : `/apis/${API.group}/${API.version}/${plural}`),
    list: async (ns) =>
      (ns
        ? await custom.listNamespacedCustomObject({ ...API, plural, namespace: ns })
        : await custom.listClusterCustomObject({ ...API, plural })) as KubernetesListObject<T>,
  };
}

/** Robot Pods and Deployments carry these labels; the informers see only them. */
export const ROBOT_SELECTOR = `${LABELS.partOf}=aether,${LABELS.component}=robot`;

export function deploymentSource(apps: AppsV1Api): KindSource<V1Deployment> {
  return {
    name: 'deployments',
    path: (ns) => (ns ? `/apis/apps/v1/namespaces/${ns}/deployments` : '/apis/apps/v1/deployments'),
    list: (ns) =>
      ns ? apps.listNamespacedDeployment({ namespace: ns, labelSelector: ROBOT_SELECTOR }) : apps.listDeploymentForAllNamespaces({ labelSelector: ROBOT_SELECTOR }),
    labelSelector: ROBOT_SELECTOR,
  };
}

export function podSource(core: CoreV1Api): KindSource<V1Pod> {
  return {
    name: 'pods',
    path: (ns) => (ns ? `/api/v1/namespaces/${ns}/pods` : '/api/v1/pods'),
    list: (ns) => (ns ? core.listNamespacedPod({ namespace: ns, labelSelector: ROBOT_SELECTOR }) : core.listPodForAllNamespaces({ labelSelector: ROBOT_SELECTOR })),
    labelSelector: ROBOT_SELECTOR,
  };
}
