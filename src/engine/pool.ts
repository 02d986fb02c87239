/**
 * Runs `work` over items pulled lazily from an async iterator with at most `concurrency` in
 * flight. Items are pulled only when a worker is free, so memory stays flat however long the
 * stream is. Stops pulling once `signal` aborts.
 */
export async function forEachConcurrent<T>(
  items: AsyncIterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const iterator = items[Symbol.asyncIterator]();
  let pulling: Promise<unknown> = Promise.resolve();
  let finished = false;
  // Async generators queue concurrent next() calls, but an explicit chain keeps order obvious.
  const next = (): Promise<IteratorResult<T>> => {
    const p = pulling.then(() => iterator.next());
    pulling = p.catch(() => undefined);
    return p;
  };
  let failure: unknown;
  const worker = async () => {
    while (!finished && !signal?.aborted && failure === undefined) {
      let r: IteratorResult<T>;
      try {
        r = await next();
      } catch (err) {
        failure ??= err;
        return;
      }
      if (r.done) {
        finished = true;
        return;
      }
      try {
        await work(r.value);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  if (!finished) await iterator.return?.(undefined);
  if (failure !== undefined) throw failure;
}
