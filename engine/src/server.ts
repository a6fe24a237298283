// Server assembly: engine + store + gRPC services on one port.
import * as grpc from '@grpc/grpc-js';
import { Engine, workflowServiceHandlers, type Limits } from './engine.js';
import { saTypeName, saTypeNum } from './enums.js';
import { MemoryStore, SqliteStore } from './store.js';
import { addService, healthService, type Handler } from './grpc.js';
import { testServiceHandlers } from './testservice.js';

export interface StartOptions {
  port: number;
  host?: string;
  dbFile?: string;
  timeSkipping?: boolean;
  namespaces?: string[];
  searchAttributes?: Record<string, string>;
  /** Test-server mode: the virtual clock's start (epoch ms). */
  initialTime?: number;
  /** Payload size limits (`--dynamic-config-value limit.blobSize.error=N` etc.). */
  limits?: Partial<Limits>;
  /** MiB of encoded history kept decoded in memory with a db file (default 4; 0 decodes on every use). */
  historyCacheMb?: number;
}

export interface RunningEngine {
  address: string;
  port: number;
  engine: Engine;
  shutdown(): Promise<void>;
}

export async function startEngine(opts: StartOptions): Promise<RunningEngine> {
  const store = opts.dbFile ? new SqliteStore(opts.dbFile) : new MemoryStore();
  const engine = new Engine({
    store,
    timeSkipping: !!opts.timeSkipping,
    namespaces: opts.namespaces,
    searchAttributes: opts.searchAttributes,
    limits: opts.limits,
    historyCacheBytes: opts.historyCacheMb === undefined ? undefined : opts.historyCacheMb * 1024 * 1024,
  });
  if (opts.initialTime !== undefined) engine.clock.startAt(opts.initialTime);
  // grpc-js strips grpc-encoding from the metadata handlers see; surface it for
  // GetSystemInfo so the engine can ask SDK core to drop per-message gzip.
  const encodingProbe: grpc.ServerInterceptor = (method, call) => {
    if (!method.path.endsWith('/GetSystemInfo')) return new grpc.ServerInterceptingCall(call);
    return new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (md, nxt) => {
            const enc = (call as any).incomingEncoding;
            if (enc) md.set('x-duban-grpc-encoding', String(enc));
            nxt(md);
          },
        }),
    });
  };
  const server = new grpc.Server({
    interceptors: [encodingProbe],
    'grpc.max_receive_message_length': 128 * 1024 * 1024,
    'grpc.max_send_message_length': 128 * 1024 * 1024,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 1000,
  });
  const handlers: Record<string, Handler> = {};
  for (const [name, h] of Object.entries(workflowServiceHandlers(engine)))
    handlers[name] = async (req, call) => {
      try {
        return await h(req, call);
      } finally {
        // Answer (or fail) only once every accepted change is durable.
        await engine.committed();
      }
    };
  addService(server, 'temporal.api.workflowservice.v1.WorkflowService', handlers, (req) => {
    if (typeof req?.namespace === 'string') engine.checkNamespace(req.namespace);
  });
  if (opts.timeSkipping) addService(server, 'temporal.api.testservice.v1.TestService', testServiceHandlers(engine));
  // OperatorService: only search attribute registration, which the SDK test
  // environment and apps use; everything else answers UNIMPLEMENTED.
  addService(server, 'temporal.api.operatorservice.v1.OperatorService', {
    AddSearchAttributes: (r: any) => {
      for (const [k, v] of Object.entries<number>(r.searchAttributes ?? {})) engine.saTypes.set(k, saTypeName(v));
      return {};
    },
    ListSearchAttributes: () => {
      const keys: Record<string, number> = {};
      for (const [k, v] of engine.saTypes) keys[k] = saTypeNum(v);
      return { customAttributes: keys, systemAttributes: {}, storageSchema: {} };
    },
  });
  healthService(server);
  const host = opts.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  let closed = false;
  return {
    address: `${host}:${port}`,
    port,
    engine,
    async shutdown() {
      if (closed) return;
      closed = true;
      engine.matching.close();
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      });
      engine.close();
    },
  };
}
