/**
 * Every tag `key=value` is a slice (DESIGN.md §4.1). Groups items by the slices their tags put
 * them in — an item with two tags is in two slices — with slices in sorted key order, so
 * scorecards, comparisons and calibration reports list slices alike.
 */
export function groupBySlice<T>(
  items: Iterable<T>,
  tagsOf: (item: T) => Record<string, string> | undefined,
): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    for (const [k, v] of Object.entries(tagsOf(item) ?? {})) {
      const key = `${k}=${v}`;
      const list = map.get(key);
      if (list) list.push(item);
      else map.set(key, [item]);
    }
  }
  return new Map([...map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}
