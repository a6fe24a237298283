/**
 * Per-request batching loaders: fields that name a person (timeline actors,
 * report authors, reviewers) load them in one query per request, not one per row.
 */
import type { PrismaClient } from '../prisma/client.ts';

export interface Person {
  id: string;
  displayName: string;
  role: string;
  departmentName: string | null;
}

export interface Loaders {
  person(id: string | null | undefined): Promise<Person | null>;
}

export function createLoaders(prisma: PrismaClient): Loaders {
  let pending: Map<string, ((p: Person | null) => void)[]> | null = null;
  const cache = new Map<string, Promise<Person | null>>();
  const flush = async (batch: Map<string, ((p: Person | null) => void)[]>) => {
    const users = await prisma.user.findMany({
      where: { id: { in: [...batch.keys()] } },
      include: { department: true },
    });
    const byId = new Map(users.map((u) => [u.id, u]));
    for (const [id, waiters] of batch) {
      const u = byId.get(id);
      const person = u
        ? { id: u.id, displayName: u.displayName, role: u.role, departmentName: u.department?.name ?? null }
        : null;
      for (const w of waiters) w(person);
    }
  };
  return {
    person(id) {
      if (!id) return Promise.resolve(null);
      let p = cache.get(id);
      if (!p) {
        p = new Promise((resolve) => {
          if (!pending) {
            const batch = new Map<string, ((p: Person | null) => void)[]>();
            pending = batch;
            // Collect every id asked for in this tick, then load them together.
            setImmediate(() => {
              pending = null;
              void flush(batch);
            });
          }
          pending.set(id, [...(pending.get(id) ?? []), resolve]);
        });
        cache.set(id, p);
      }
      return p;
    },
  };
}
