import { defer, map, type OperatorFunction } from 'rxjs';

/** A phase's state machine: one input in, one output out, synchronously. */
export interface Stage<In, Out> {
  step(input: In): Out;
}

/**
 * Runs a stage as an operator. The stage (and so all of its state) is created per subscription,
 * inside `defer`, so two subscriptions never share state and a replay starts clean.
 * Emits one value per input, in order; completes when the source completes; errors when the source
 * errors or the stage throws (a broken invariant: crash-only, recover by restart and replay).
 */
export function runStage<In, Out>(create: () => Stage<In, Out>): OperatorFunction<In, Out> {
  return (source) =>
    defer(() => {
      const stage = create();
      return source.pipe(map((input) => stage.step(input)));
    });
}
