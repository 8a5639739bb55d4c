/** Worker thread entry: reads one byte range of a large audit log (see readParallel in read.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { readRange, type RangeJob } from './read.ts';

const result = await readRange(workerData as RangeJob);
parentPort?.postMessage(result);
