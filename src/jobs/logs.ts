/**
 * Pod logs interleave stdout with the scanner's stderr (kube-bench's glog warnings, Kubescape's progress
 * lines): extract the JSON document the scanner printed, so the parsers see what `--json` wrote.
 */

/**
 * The JSON document in a pod log: the longest line that parses as a JSON object or array (kube-bench
 * prints its JSON on one line), else the span from the first line starting with `{`/`[` to the last line
 * ending with `}`/`]` (pretty-printed output) when it parses. Returns the log unchanged otherwise
 * (kube-bench's text output is parsed as text).
 */
export function extractJson(log: string): string {
  const lines = log.split(/\r?\n/);
  let best: string | undefined;
  for (const line of lines) {
    const s = line.trim();
    if (!(s.startsWith('{') || s.startsWith('['))) continue;
    if (best !== undefined && s.length <= best.length) continue;
    try {
      JSON.parse(s);
      best = s;
    } catch {
      // not a whole document on this line
    }
  }
  if (best !== undefined) return best;
  const first = lines.findIndex((l) => /^\s*[{[]/.test(l));
  let last = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/[}\]]\s*$/.test(lines[i]!)) {
      last = i;
      break;
    }
  }
  if (first >= 0 && last >= first) {
    const span = lines.slice(first, last + 1).join('\n');
    try {
      JSON.parse(span);
      return span;
    } catch {
      // fall through: not JSON
    }
  }
  return log;
}
