/**
 * @module
 * Runs a simulation on a worker thread, so that a server in the same process (the demo) and the sender do
 * not share one event loop. The plan comes in `workerData`; progress, the backfill's end and the report
 * go back as messages; the message `stop` ends the run (as the AbortSignal would).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runSimulation, type SimulatePlan } from './simulate.js';

if (parentPort) {
  const port = parentPort;
  const controller = new AbortController();
  port.on('message', (message: unknown) => {
    if (message === 'stop') controller.abort();
  });
  const report = await runSimulation(workerData as SimulatePlan, controller.signal, {
    onBackfillProgress: (tally) => port.postMessage({ type: 'progress', tally }),
    onBackfillDone: (tally) => port.postMessage({ type: 'backfill-done', tally }),
  });
  port.postMessage({ type: 'done', report });
  port.close();
}
