import test from 'ava';
import { benchKubeList } from '../../bench/kube-list.ts';

test('bench/kube-list lists every generated pod in the expected number of pages and reports figures', async (t) => {
  const r = await benchKubeList({ pods: 1234, pageSize: 500 });
  t.is(r.pods, 1234);
  t.is(r.pages, 3);
  t.true(r.ms > 0);
  t.true(r.rssPeakMb >= r.rssBaseMb);
});
