import test from 'ava';
import { memoryLogger } from '../../src/util/log.ts';
import { barLine, createProgress } from '../../src/util/progress.ts';

test('a bar is redrawn on a terminal, and fits its width', (t) => {
  const out: string[] = [];
  const p = createProgress({
    total: 4,
    label: 'kube-bench Jobs',
    log: memoryLogger(),
    stream: { isTTY: true, columns: 80, write: (s) => out.push(s) },
  });
  p.tick('worker-1 ok');
  p.tick('worker-2 timeout');
  p.done();
  p.done();
  t.is(out[0], '\rkube-bench Jobs [--------------------] 0/4');
  t.is(out[2], '\r\x1b[2Kkube-bench Jobs [##########----------] 2/4 worker-2 timeout');
  t.is(out.at(-1), '\n');
  t.is(out.length, 4);
  t.is(barLine('x', 1, 2, 12), 'x [########…');
  t.is(barLine('x', 1, 2, 12).length, 12);
});

test('without a terminal (JSON logs in the cluster) each step is one structured log line', (t) => {
  const log = memoryLogger();
  const written: string[] = [];
  const p = createProgress({
    total: 2,
    label: 'kube-bench Jobs',
    log,
    stream: { isTTY: false, write: (s) => written.push(s) },
  });
  p.tick('cp-1 ok');
  p.tick('worker-1 ok');
  p.done();
  t.deepEqual(written, []);
  const lines = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  t.like(lines[1], { msg: 'kube-bench Jobs: 2/2 (worker-1 ok)', done: 2, total: 2, level: 'info' });
});
