// gRPC wiring: builds grpc-js service definitions by hand from the protobufjs
// service reflection, so the real SDK (Rust core via tonic, and the Node client)
// talks to us over the exact wire paths of a real Temporal frontend.
import * as grpc from '@grpc/grpc-js';
import type * as protobuf from 'protobufjs';
import { root, decode, encode, type, anyPack } from './proto.js';

export type Handler = (req: any, call: grpc.ServerUnaryCall<any, any>) => Promise<any> | any;

/** An error carrying a gRPC status code and optional google.rpc.Status details. */
export class RpcError extends Error {
  constructor(
    public code: grpc.status,
    message: string,
    public detail?: { typeName: string; value: any },
  ) {
    super(message);
  }
}
export const notFound = (m: string) => new RpcError(grpc.status.NOT_FOUND, m);
export const invalid = (m: string) => new RpcError(grpc.status.INVALID_ARGUMENT, m);
export const unimplemented = (m: string) => new RpcError(grpc.status.UNIMPLEMENTED, m);
export const failedPrecondition = (m: string) => new RpcError(grpc.status.FAILED_PRECONDITION, m);

function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof RpcError) {
    const metadata = new grpc.Metadata();
    if (err.detail) {
      const status = {
        code: err.code,
        message: err.message,
        details: [anyPack(err.detail.typeName, err.detail.value)],
      };
      metadata.set('grpc-status-details-bin', encode(type('google.rpc.Status'), status));
    }
    return { code: err.code, details: err.message, metadata };
  }
  const e = err as Error;
  console.error('[duban-temporal] internal error', e?.stack ?? e);
  return { code: grpc.status.INTERNAL, details: String(e?.message ?? e) };
}

/**
 * Registers every method of `serviceName`: implemented ones dispatch to
 * `handlers[Method]`, the rest answer UNIMPLEMENTED with the method name.
 */
export function addService(
  server: grpc.Server,
  serviceName: string,
  handlers: Record<string, Handler>,
  /** Runs before answering UNIMPLEMENTED (e.g. to report an unknown namespace first, like Temporal). */
  beforeUnimplemented?: (req: any) => void,
): void {
  const svc = root.lookupService(serviceName);
  const def: Record<string, grpc.MethodDefinition<any, any>> = {};
  const impl: grpc.UntypedServiceImplementation = {};
  for (const m of Object.values(svc.methods) as protobuf.Method[]) {
    const reqT = type(m.resolvedRequestType ? m.resolvedRequestType.fullName.slice(1) : m.requestType);
    const resT = type(m.resolvedResponseType ? m.resolvedResponseType.fullName.slice(1) : m.responseType);
    def[m.name] = {
      path: `/${serviceName}/${m.name}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: (o: any) => encode(reqT, o),
      requestDeserialize: (b: Buffer) => decode(reqT, b),
      responseSerialize: (o: any) => encode(resT, o ?? {}),
      responseDeserialize: (b: Buffer) => decode(resT, b),
    };
    const h = handlers[m.name];
    impl[m.name] = (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      if (!h) {
        try {
          beforeUnimplemented?.(call.request);
          throw unimplemented(`${m.name} is not supported by duban-temporal (see engine/README.md)`);
        } catch (e) {
          cb(toServiceError(e) as grpc.ServiceError);
        }
        return;
      }
      let p: Promise<any>;
      try {
        p = Promise.resolve(h(call.request, call));
      } catch (e) {
        p = Promise.reject(e);
      }
      p.then(
        (res) => cb(null, res ?? {}),
        (e) => cb(toServiceError(e) as grpc.ServiceError),
      );
    };
  }
  server.addService(def, impl);
}

export function healthService(server: grpc.Server): void {
  // grpc.health.v1 is not in the Temporal root; encode the tiny response by hand
  // (field 1, varint SERVING=1) so health probes succeed.
  const def: grpc.ServiceDefinition = {
    Check: {
      path: '/grpc.health.v1.Health/Check',
      requestStream: false,
      responseStream: false,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    },
  };
  server.addService(def, { Check: (_c: any, cb: any) => cb(null, Buffer.from([8, 1])) });
}
