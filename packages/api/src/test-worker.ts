// The worker thread a conversation test run or chat happens in (issue 15; started by
// `test-run.ts`): the simulator, the bot's regexes and the QuickJS sandbox run here, so that a bot
// regex that does not finish stalls this thread, which the server terminates, never the server's
// own. It posts each test's start and result as they happen, so a run stopped part-way keeps the
// tests it finished.
import { parentPort, workerData } from 'node:worker_threads';
import {
  quickJs,
  runOne,
  simulate,
  unfinished,
  type WorkerJob,
  type WorkerMessage,
} from './test-run.js';

const job = workerData as WorkerJob;
const post = (m: WorkerMessage) => parentPort?.postMessage(m);
const sandbox = await quickJs();

if (job.kind === 'chat') {
  post({ type: 'start', index: 0 });
  post({
    type: 'chat',
    sim: simulate(job.content, job.messages, { env: job.env, sandbox }, job.testBudgetMs),
  });
} else {
  const started = Date.now();
  job.suite.tests.forEach((test, index) => {
    if (Date.now() - started > job.runBudgetMs) {
      post({
        type: 'test',
        index,
        sim: null,
        result: unfinished(
          test.name,
          `Not run: the run's time budget of ${job.runBudgetMs / 1000} s was spent.`,
        ),
      });
      return;
    }
    post({ type: 'start', index });
    const { result, sim } = runOne(job.content, test, { env: job.env, sandbox }, job.testBudgetMs);
    post({ type: 'test', index, result, sim });
  });
}
post({ type: 'end' });
