/**
 * When a failed delivery is tried again: exponential from WEBHOOK_RETRY_BASE_MS (10 s), doubling per
 * attempt up to WEBHOOK_RETRY_MAX_MS (20 min, Close's "up to every 20 minutes"), with "equal jitter"
 * (a random point in the upper half of the step), so receivers coming back from an outage are not
 * hit by every subscription in the same second, while the delay still grows with each attempt.
 * With the defaults a delivery is tried about 290 times within WEBHOOK_RETRY_WINDOW_SECONDS (72 h).
 *
 * @example retryDelayMs(1, { retryBaseMs: 10_000, retryMaxMs: 1_200_000 }) // 5,000 to 10,000
 */
export function retryDelayMs(attempt: number, settings: { readonly retryBaseMs: number; readonly retryMaxMs: number }, random: () => number = Math.random): number {
  const step = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.round(step / 2 + random() * (step / 2));
}
