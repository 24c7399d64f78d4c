/**
 * A serial lane: tasks run one after another, in submission order, each to completion
 * (including its awaits) before the next starts. The durable store runs every group commit and
 * the export step of a snapshot on one lane, so an export never sees a half-applied batch.
 */

/** Runs async tasks one at a time. */
export interface Lane {
  run<T>(task: () => Promise<T> | T): Promise<T>;
}

/** Creates an empty lane. A failing task does not stop later ones. */
export function createLane(): Lane {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(task: () => Promise<T> | T): Promise<T> {
      const result = tail.then(task);
      tail = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
  };
}
