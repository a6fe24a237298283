// Namespaces and system info: GetSystemInfo, Describe/Register/ListNamespaces, cluster info.
import type { temporal } from '@temporalio/proto';
import * as grpc from '@grpc/grpc-js';
import { durMs } from './proto.js';
import { RpcError, invalid, unimplemented } from './grpc.js';
import type { Engine } from './engine.js';
import { ArchivalState, NamespaceState, saTypeNum } from './enums.js';

/** NOT_FOUND with the NamespaceNotFoundFailure detail clients turn into NamespaceNotFoundError. */
export function namespaceNotFound(name: string): RpcError {
  return new RpcError(grpc.status.NOT_FOUND, `Namespace ${name} is not found.`, {
    typeName: 'temporal.api.errordetails.v1.NamespaceNotFoundFailure',
    value: { namespace: name },
  });
}

export interface Namespace {
  name: string;
  id: string;
  description?: string;
  retentionDays: number;
}

export function getSystemInfo(eng: Engine, _r: any, call?: grpc.ServerUnaryCall<any, any>) {
  // Per-message gzip costs more engine CPU than the whole state machine on
  // loopback. SDK core negotiates: if GetSystemInfo sent gzip-compressed is
  // refused as UNIMPLEMENTED naming grpc-encoding, it reconnects uncompressed.
  const enc = call?.metadata.get('x-duban-grpc-encoding')?.[0];
  if (enc && enc !== 'identity' && process.env.DUBAN_TEMPORAL_ALLOW_GZIP !== '1') {
    throw unimplemented(
      `grpc-encoding ${String(enc)} is not accepted by duban-temporal: the compressor is disabled, use identity`,
    );
  }
  return {
    serverVersion: '1.29.0-duban',
    capabilities: {
      signalAndQueryHeader: true,
      internalErrorDifferentiation: true,
      activityFailureIncludeHeartbeat: true,
      encodedFailureAttributes: true,
      upsertMemo: true,
      sdkMetadata: true,
      countGroupByExecutionStatus: true,
      // Build ids are recorded (WorkflowTaskCompleted.workerVersion, the BuildIds
      // search attribute); task routing by build id (versioning) is not.
      buildIdBasedVersioning: true,
    },
  };
}

export function nsInfo(eng: Engine, n: Namespace) {
  return {
    namespaceInfo: {
      name: n.name,
      state: NamespaceState.NAMESPACE_STATE_REGISTERED,
      description: n.description,
      id: n.id,
      capabilities: { syncUpdate: true, asyncUpdate: true, eagerWorkflowStart: true },
      supportsSchedules: false,
      // SDK core enforces these on its completions (unless the worker opts out).
      limits: { blobSizeLimitError: eng.limits.blobSizeError, memoSizeLimitError: eng.limits.memoSizeError },
    },
    config: {
      workflowExecutionRetentionTtl: { seconds: n.retentionDays * 86400 },
      historyArchivalState: ArchivalState.ARCHIVAL_STATE_ENABLED,
      visibilityArchivalState: ArchivalState.ARCHIVAL_STATE_ENABLED,
    },
    isGlobalNamespace: false,
  };
}

export function describeNamespace(eng: Engine, r: temporal.api.workflowservice.v1.IDescribeNamespaceRequest) {
  const n = r.id
    ? [...eng.namespaces.values()].find((x) => x.id === r.id)
    : eng.namespaces.get(r.namespace || 'default');
  if (!n) throw namespaceNotFound(r.namespace || r.id || '');
  return nsInfo(eng, n);
}

export function registerNamespace(eng: Engine, r: temporal.api.workflowservice.v1.IRegisterNamespaceRequest) {
  if (!r.namespace) throw invalid('namespace name is required');
  if (eng.namespaces.has(r.namespace))
    throw new RpcError(grpc.status.ALREADY_EXISTS, `namespace ${r.namespace} already exists`);
  eng.registerNs(
    r.namespace,
    r.description ?? '',
    Math.max(1, Math.round(durMs(r.workflowExecutionRetentionPeriod) / 86400000)),
  );
  return {};
}

export function listNamespaces(eng: Engine) {
  return { namespaces: [...eng.namespaces.values()].map((n) => nsInfo(eng, n)) };
}

export function getClusterInfo() {
  return {
    clusterName: 'duban',
    serverVersion: '1.29.0-duban',
    historyShardCount: 1,
    persistenceStore: 'sqlite',
    visibilityStore: 'memory',
  };
}

export function getSearchAttributes(eng: Engine) {
  const keys: Record<string, number> = {};
  for (const [k, v] of eng.saTypes) keys[k] = saTypeNum(v);
  return { keys };
}
