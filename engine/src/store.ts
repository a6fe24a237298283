// Persistence. Per-execution state lives in memory; the engine's group commit
// (durability.ts) writes every execution changed in one event-loop turn in one
// SQLite transaction, shared by the RPCs and timer firings of that turn, before
// any of those RPCs answers. Events are stored as encoded protobuf HistoryEvents,
// mutable state as JSON (binary payloads through Buffer#toJSON). Loading reads
// every execution's state but only the size of its history: events are read
// back one execution at a time when the engine needs them (historyCache.ts).
import Database from 'better-sqlite3';

export interface StoredExecution {
  runId: string;
  state: any;
  /** Events in the store and their encoded size (the events themselves: loadEvents). */
  eventCount: number;
  historyBytes: number;
  buffered: any[];
}

export interface CommitRow {
  runId: string;
  ns: string;
  workflowId: string;
  state: any;
  newEvents: { id: number; data: Uint8Array }[];
  /** Buffered (not yet in history) events: rewrite all when `resetBuffered`, else append. */
  resetBuffered: boolean;
  newBuffered: { seq: number; item: any }[];
}

export interface Store {
  loadNamespaces(): any[];
  saveNamespace(name: string, data: any): void;
  loadExecutions(): StoredExecution[];
  /** One execution's encoded events, in order. */
  loadEvents(runId: string): Uint8Array[];
  /** Writes state rows and appended events atomically. */
  commit(rows: CommitRow[]): void;
  close(): void;
}

// Binary payloads (protobufjs decodes bytes as Buffer) go through Buffer#toJSON;
// a replacer function would be called for every key and costs more than the
// write itself on hot paths.
export function jsonEncode(v: any): string {
  return JSON.stringify(v);
}
export function jsonDecode(s: string): any {
  return JSON.parse(s, (_k, v) => {
    if (v && typeof v === 'object') {
      if (v.type === 'Buffer' && Array.isArray(v.data)) return Buffer.from(v.data);
      if (typeof v.$b === 'string') return Buffer.from(v.$b, 'base64');
    }
    return v;
  });
}

/** The database file is held by another engine process. */
export class DbLockedError extends Error {
  readonly code = 'DB_LOCKED';
}

export class MemoryStore implements Store {
  loadNamespaces() {
    return [];
  }
  saveNamespace() {}
  loadExecutions() {
    return [];
  }
  loadEvents(): Uint8Array[] {
    return [];
  }
  commit() {}
  close() {}
}

export class SqliteStore implements Store {
  private db: Database.Database;
  private upsertExec: Database.Statement;
  private insertEvent: Database.Statement;
  private insertBuffered: Database.Statement;
  private clearBuffered: Database.Statement;
  private selectEvents: Database.Statement;
  private tx: (rows: CommitRow[]) => void;

  constructor(file: string) {
    // One engine per file: EXCLUSIVE locking mode takes an OS-level lock on the
    // database file at the first write below and keeps it until the connection
    // closes (or the process dies: the OS drops the lock, so kill -9 never leaves
    // a stale lock behind). A second engine fails at once instead of waiting.
    this.db = new Database(file, { timeout: 0 });
    try {
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      this.db.exec('BEGIN IMMEDIATE; COMMIT');
    } catch (err) {
      this.db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY')
        throw new DbLockedError(`database file ${file} is in use by another duban-temporal (it holds the file lock)`);
      throw err;
    }
    // NORMAL in WAL mode: a committed transaction survives a process crash
    // (kill -9); only an OS crash/power loss can lose the last commits.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS namespaces (name TEXT PRIMARY KEY, data TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS executions (run_id TEXT PRIMARY KEY, ns TEXT NOT NULL, workflow_id TEXT NOT NULL, state TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS events (run_id TEXT NOT NULL, event_id INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (run_id, event_id)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS buffered (run_id TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
    `);
    // Buffered events live in their own table so a burst of signals during a
    // long workflow task appends rows instead of rewriting the state blob.
    this.insertBuffered = this.db.prepare('INSERT OR REPLACE INTO buffered (run_id, seq, data) VALUES (?, ?, ?)');
    this.clearBuffered = this.db.prepare('DELETE FROM buffered WHERE run_id = ?');
    this.upsertExec = this.db.prepare(
      'INSERT INTO executions (run_id, ns, workflow_id, state) VALUES (?, ?, ?, ?) ON CONFLICT(run_id) DO UPDATE SET state = excluded.state',
    );
    this.insertEvent = this.db.prepare('INSERT OR REPLACE INTO events (run_id, event_id, data) VALUES (?, ?, ?)');
    this.selectEvents = this.db.prepare('SELECT data FROM events WHERE run_id = ? ORDER BY event_id').pluck();
    this.tx = this.db.transaction((rows: CommitRow[]) => {
      for (const r of rows) {
        this.upsertExec.run(r.runId, r.ns, r.workflowId, jsonEncode(r.state));
        for (const e of r.newEvents) this.insertEvent.run(r.runId, e.id, e.data);
        if (r.resetBuffered) this.clearBuffered.run(r.runId);
        for (const b of r.newBuffered) this.insertBuffered.run(r.runId, b.seq, jsonEncode(b.item));
      }
    });
  }

  loadNamespaces(): any[] {
    return (this.db.prepare('SELECT data FROM namespaces').all() as { data: string }[]).map((r) => JSON.parse(r.data));
  }
  saveNamespace(name: string, data: any): void {
    this.db.prepare('INSERT OR REPLACE INTO namespaces (name, data) VALUES (?, ?)').run(name, JSON.stringify(data));
  }
  loadExecutions(): StoredExecution[] {
    const byRun = new Map<string, StoredExecution>();
    for (const r of this.db.prepare('SELECT run_id, state FROM executions').iterate() as Iterable<{
      run_id: string;
      state: string;
    }>) {
      byRun.set(r.run_id, {
        runId: r.run_id,
        state: jsonDecode(r.state),
        eventCount: 0,
        historyBytes: 0,
        buffered: [],
      });
    }
    for (const r of this.db.prepare('SELECT run_id, data FROM buffered ORDER BY run_id, seq').iterate() as Iterable<{
      run_id: string;
      data: string;
    }>) {
      byRun.get(r.run_id)?.buffered.push(jsonDecode(r.data));
    }
    for (const r of this.db
      .prepare('SELECT run_id, count(*) AS n, sum(length(data)) AS bytes FROM events GROUP BY run_id')
      .iterate() as Iterable<{ run_id: string; n: number; bytes: number }>) {
      const x = byRun.get(r.run_id);
      if (x) {
        x.eventCount = r.n;
        x.historyBytes = r.bytes;
      }
    }
    return [...byRun.values()];
  }
  loadEvents(runId: string): Uint8Array[] {
    return this.selectEvents.all(runId) as Buffer[];
  }
  commit(rows: CommitRow[]): void {
    if (rows.length) this.tx(rows);
  }
  close(): void {
    this.db.close();
  }
}
