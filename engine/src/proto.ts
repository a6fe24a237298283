// Protobuf plumbing: the Temporal API root shipped with @temporalio/proto, plus
// small helpers for the conversions the engine does everywhere (Long/number,
// Duration/ms, Timestamp/ms). Requests are decoded to plain objects with int64
// as JS numbers (safe: ids and times stay far below 2^53) and responses are
// encoded straight from plain objects, which protobufjs accepts.
import { createRequire } from 'node:module';
import type * as protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
// The unpatched json-module root: lookups by fully-qualified name work on it.
export const root: protobuf.Root = require('@temporalio/proto/protos/json-module.js');

const typeCache = new Map<string, protobuf.Type>();
export function type(name: string): protobuf.Type {
  let t = typeCache.get(name);
  if (!t) {
    t = root.lookupType(name.startsWith('temporal.') || name.startsWith('google.') ? name : `temporal.api.${name}`);
    typeCache.set(name, t);
  }
  return t;
}

const toObjectOpts = { longs: Number, enums: Number, defaults: false } as const;
export function decode(t: protobuf.Type, buf: Uint8Array): any {
  return compactBytes(t.toObject(t.decode(buf), toObjectOpts));
}

/**
 * protobufjs returns bytes fields as views into the whole received buffer (an
 * HTTP/2 chunk). Payloads kept in history would pin those chunks for the life
 * of the workflow, so copy each one into its own exactly-sized buffer.
 */
function compactBytes(o: any): any {
  if (!o || typeof o !== 'object') return o;
  if (o instanceof Uint8Array) {
    if (o.byteLength === o.buffer.byteLength) return o;
    const copy = new Uint8Array(o.byteLength);
    copy.set(o);
    return Buffer.from(copy.buffer, 0, copy.byteLength);
  }
  if (Array.isArray(o)) {
    for (let i = 0; i < o.length; i++) o[i] = compactBytes(o[i]);
    return o;
  }
  for (const k in o) {
    const v = o[k];
    if (v && typeof v === 'object') o[k] = compactBytes(v);
  }
  return o;
}
export function encode(t: protobuf.Type, obj: any): Buffer {
  return Buffer.from(t.encode(obj).finish());
}

export function num(v: any): number {
  if (v == null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  if (typeof v.toNumber === 'function') return v.toNumber();
  return Number(v);
}
export function durMs(d: any): number {
  if (!d) return 0;
  return num(d.seconds) * 1000 + Math.floor(num(d.nanos) / 1e6);
}
export function msDur(ms: number): { seconds: number; nanos: number } | undefined {
  if (!ms || ms <= 0) return undefined;
  return { seconds: Math.floor(ms / 1000), nanos: Math.round(ms % 1000) * 1e6 };
}
export function ts(ms: number): { seconds: number; nanos: number } {
  return { seconds: Math.floor(ms / 1000), nanos: Math.round(((ms % 1000) + 1000) % 1000) * 1e6 };
}
export function tsMs(t: any): number {
  if (!t) return 0;
  return num(t.seconds) * 1000 + Math.floor(num(t.nanos) / 1e6);
}

// Named enums: enums.ts.
const EventType = (root.lookup('temporal.api.enums.v1.EventType') as protobuf.Enum).values;

/** Attribute field name on HistoryEvent for an event type number. */
const attrNameCache = new Map<number, string>();
export function attrField(eventType: number): string {
  let n = attrNameCache.get(eventType);
  if (!n) {
    const key = Object.entries(EventType)
      .find(([, v]) => v === eventType)![0]
      .replace('EVENT_TYPE_', '');
    n = key.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) + 'EventAttributes';
    attrNameCache.set(eventType, n);
  }
  return n;
}

export const T = {
  HistoryEvent: () => type('history.v1.HistoryEvent'),
  Payloads: () => type('common.v1.Payloads'),
  Failure: () => type('failure.v1.Failure'),
};

// google.protobuf.Any keeps its snake_case field name (type_url) in this root.
export function anyPack(typeName: string, obj: any): { type_url: string; value: Buffer } {
  return { type_url: `type.googleapis.com/${typeName}`, value: encode(type(typeName), obj) };
}
export function anyUnpack(any: any): { typeName: string; value: any } | undefined {
  const url = any?.type_url ?? any?.typeUrl;
  if (!url) return undefined;
  const typeName = String(url).split('/').pop()!;
  return { typeName, value: decode(type(typeName), any.value ?? new Uint8Array()) };
}
