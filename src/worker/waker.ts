/**
 * A background loop's idle wait: sleep(ms) resolves after `ms`, or at once when wake() is called
 * (a notification, a finished send). A wake() with nobody sleeping is dropped: the loop looks for
 * work before it sleeps again.
 */
export interface Waker {
  sleep(ms: number): Promise<void>;
  wake(): void;
}

/** Creates a waker for one loop. */
export function createWaker(): Waker {
  let wakeUp: (() => void) | undefined;
  return {
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          wakeUp = undefined;
          resolve();
        }, ms);
        wakeUp = () => {
          clearTimeout(timer);
          wakeUp = undefined;
          resolve();
        };
      }),
    wake: () => wakeUp?.(),
  };
}
