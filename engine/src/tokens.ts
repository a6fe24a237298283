// Task and page tokens: small JSON blobs (run id, scheduled event id, attempt; page offsets).
import { invalid, notFound } from './grpc.js';

export function token(o: any): Buffer {
  return Buffer.from(JSON.stringify(o));
}
export function parseToken(b: any): any {
  const buf = Buffer.from(b ?? []);
  if (!buf.length) throw invalid('task token is required');
  try {
    return JSON.parse(buf.toString());
  } catch {
    // Well formed for some server (e.g. a real Temporal token) but not one this
    // engine issued: like Temporal for a token naming an unknown task.
    throw notFound('task not found: the task token does not refer to a task of this server');
  }
}
