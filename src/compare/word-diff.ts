/**
 * Word-level diff (LCS over whitespace-separated tokens, whitespace kept with its word). Long
 * outputs are cut so a diff costs at most MAX_TOKENS² steps.
 */
const MAX_TOKENS = 400;

export function wordDiff(a: string, b: string): Array<[-1 | 0 | 1, string]> {
  const x = tokens(a);
  const y = tokens(b);
  const n = x.length;
  const m = y.length;
  // lcs[i][j] = LCS length of x[i..] and y[j..], in one flat array
  const lcs = new Uint16Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] =
        x[i] === y[j]
          ? lcs[(i + 1) * (m + 1) + j + 1] + 1
          : Math.max(lcs[(i + 1) * (m + 1) + j], lcs[i * (m + 1) + j + 1]);
    }
  }
  const out: Array<[-1 | 0 | 1, string]> = [];
  const push = (op: -1 | 0 | 1, t: string) => {
    const last = out[out.length - 1];
    if (last && last[0] === op) last[1] += t;
    else out.push([op, t]);
  };
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      push(0, x[i++]);
      j++;
    } else if (lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) push(-1, x[i++]);
    else push(1, y[j++]);
  }
  while (i < n) push(-1, x[i++]);
  while (j < m) push(1, y[j++]);
  return out;
}

function tokens(text: string): string[] {
  const all = text.match(/\S+\s*|\s+/g) ?? [];
  if (all.length <= MAX_TOKENS) return all;
  return [...all.slice(0, MAX_TOKENS), "…"];
}
