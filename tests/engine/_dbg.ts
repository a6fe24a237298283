import { startEngine } from '/work/main/engine/src/index.ts';
import { Worker, Runtime, DefaultLogger, NativeConnection } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import * as wfs from '/work/main/tests/engine/workflows.ts';
Runtime.install({ logger: new DefaultLogger('WARN') });
const eng = await startEngine({ port: 0 });
const nc = await NativeConnection.connect({ address: eng.address });
const w = await Worker.create({ connection: nc, taskQueue: 'u', workflowsPath: '/work/main/tests/engine/workflows.ts', activities: await import('/work/main/tests/engine/activities.ts') });
const run = w.run();
const client = new Client({ connection: await Connection.connect({ address: eng.address }) });
const h = await client.workflow.start(wfs.updatable, { taskQueue: 'u', workflowId: 'u1' });
console.log('upd1', await h.executeUpdate(wfs.setValue, { args: [5] }));
const before = (await h.fetchHistory()).events!.length;
try { await h.executeUpdate(wfs.setValue, { args: [-1] }); } catch (e) { console.log('rejected', (e as Error).message); }
console.log('len', before, (await h.fetchHistory()).events!.length);
console.log('upd3', await h.executeUpdate(wfs.setValue, { args: [9] }));
await h.signal(wfs.finish);
console.log(await h.result());
w.shutdown(); await run; await eng.shutdown();
