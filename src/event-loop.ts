/**
 * Cooperative yielding for loops that do synchronous work per item on the event loop (parsing
 * phone numbers of thousands of contacts, say): after `budgetMs` of work the loop lets other
 * requests run before going on, so one large request costs time, not everyone's latency.
 */

/**
 * Returns a function to await once per item: it resolves at once while the slice's budget lasts,
 * and after a turn of the event loop when it is spent.
 * @example const pause = yielder(); for (const item of items) { work(item); await pause(); }
 */
export function yielder(budgetMs = 10): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (performance.now() - sliceStart < budgetMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    sliceStart = performance.now();
  };
}
