import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../temporal.config.ts';

describe('loadConfig', () => {
  it('defaults to ./data, port 3000, the embedded engine and the demo', () => {
    const c = loadConfig({}, '/srv/duban');
    expect(c.dataDir).toBe('/srv/duban/data');
    expect(c.databaseUrl).toBe('file:/srv/duban/data/duban.db');
    expect(c.port).toBe(3000);
    expect(c.temporal.address).toBeUndefined();
    expect(c.temporal.namespace).toBe('default');
    expect(c.temporal.taskQueue).toBe('duban');
    expect(c.temporal.engine.dbFile).toBe(path.join('/srv/duban/data', 'temporal.db'));
    expect(c.demo).toEqual({ enabled: true, password: 'duban-demo' });
    expect(c.mail.smtpUrl).toBeUndefined();
    expect(c.temporal.worker.workflowThreadPoolSize).toBe(1);
    expect(c.heapGrowingPercent).toBe(25);
  });

  it('lets environment variables override', () => {
    const c = loadConfig(
      {
        DATA_DIR: '/var/lib/duban',
        PORT: '8080',
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
        TEMPORAL_NAMESPACE: 'county',
        DATABASE_URL: 'file:/tmp/x.db',
        DUBAN_DEMO: '0',
        DUBAN_DEMO_PASSWORD: 'secret',
        SMTP_URL: 'smtp://mail:25',
        WORKER_MAX_ACTIVITIES: '4',
        WORKER_WORKFLOW_THREADS: '2',
        DUBAN_HEAP_GROWING_PERCENT: '0',
      },
      '/srv/duban',
    );
    expect(c.dataDir).toBe('/var/lib/duban');
    expect(c.port).toBe(8080);
    expect(c.temporal.address).toBe('temporal.internal:7233');
    expect(c.temporal.namespace).toBe('county');
    expect(c.databaseUrl).toBe('file:/tmp/x.db');
    expect(c.temporal.engine.dbFile).toBe('/var/lib/duban/temporal.db');
    expect(c.demo).toEqual({ enabled: false, password: 'secret' });
    expect(c.mail.smtpUrl).toBe('smtp://mail:25');
    expect(c.temporal.worker.maxConcurrentActivityTaskExecutions).toBe(4);
    expect(c.temporal.worker.workflowThreadPoolSize).toBe(2);
    expect(c.heapGrowingPercent).toBe(0);
  });

  it('rejects malformed values with a message naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT must be a non-negative integer, got "eighty"/);
    expect(() => loadConfig({ TEMPORAL_ADDRESS: 'no-port' })).toThrow(/TEMPORAL_ADDRESS must be host:port/);
    expect(() => loadConfig({ DUBAN_DEMO: 'maybe' })).toThrow(/DUBAN_DEMO must be a boolean/);
  });
});
