/**
 * A worker in its own process for crash tests: connects to the given engine,
 * runs the real activities, and — when told — dies with SIGKILL the moment a
 * notification activity is about to hand its first email to SMTP.
 */
import { NativeConnection, bundleWorkflowCode } from '@temporalio/worker';
import { createActivities } from '../../activities/index.ts';
import { createMailer } from '../../activities/mailer.ts';
import { createPrisma } from '../../prisma/client.ts';
import { loadConfig } from '../../temporal.config.ts';
import { bundleOptions, createWorker } from '../../runtime/worker.ts';

const [address, dataDir, smtpUrl, taskQueue, mode] = process.argv.slice(2) as [string, string, string, string, string];
const config = loadConfig({ DATA_DIR: dataDir, SMTP_URL: smtpUrl });
const prisma = createPrisma(config.databaseUrl);
const real = createMailer(smtpUrl, config.mail.from)!;
const mailer = {
  async send(msg: Parameters<typeof real.send>[0]) {
    if (mode === 'crash-on-send') {
      process.stdout.write('CRASHING\n');
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => {});
    }
    await real.send(msg);
  },
  close: () => real.close(),
};
const connection = await NativeConnection.connect({ address });
const worker = await createWorker({
  connection,
  taskQueue,
  workflowBundle: await bundleWorkflowCode(bundleOptions()),
  activities: createActivities({ prisma, config, mailer }),
});
process.stdout.write('READY\n');
await worker.run();
