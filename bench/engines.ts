import { performance } from 'node:perf_hooks';
import { Subject } from 'rxjs';
import type { EngineConfig } from '../config/engine.js';
import { ConfidenceStage } from '../src/domain/stages/confidenceStage.js';
import { EnsembleStage } from '../src/domain/stages/ensembleStage.js';
import { EvaluationStage } from '../src/domain/stages/evaluationStage.js';
import type { Frame } from '../src/domain/stages/frame.js';
import { RotationStage } from '../src/domain/stages/rotationStage.js';
import { TimeFilterStage } from '../src/domain/stages/timeFilterStage.js';
import { TradingStage } from '../src/domain/stages/tradingStage.js';
import type { InputEvent, OutputBatch } from '../src/domain/types.js';
import { tradingPipeline } from '../src/streams/tradingPipeline.js';
import { round } from './stats.js';

/** Something that takes one input and synchronously produces its outputs. */
export interface BenchEngine {
  readonly name: 'pipeline' | 'loop';
  /** Pushes one input; returns when its OutputBatch has come out. */
  push(event: InputEvent): void;
  /** Outputs produced so far (a checksum that the two engines did the same work). */
  outputs(): number;
  /** Seq of the last OutputBatch seen. */
  lastSeq(): number;
  /** Closes the engine (completes the Subject). */
  close(): void;
}

/** The real pipeline: inputs pushed into a Subject piped through tradingPipeline, a counting sink. */
export function pipelineEngine(cfg: EngineConfig): BenchEngine {
  const input = new Subject<InputEvent>();
  let outputs = 0;
  let last = 0;
  const subscription = input.pipe(tradingPipeline(cfg)).subscribe((batch: OutputBatch) => {
    outputs += batch.outputs.length;
    last = batch.seq;
  });
  return {
    name: 'pipeline',
    push: (event) => input.next(event),
    outputs: () => outputs,
    lastSeq: () => last,
    close: () => {
      input.complete();
      subscription.unsubscribe();
    },
  };
}

/** The pipeline's stages in phase order, as plain objects for a for loop (tradingPipeline's order). */
export function phaseStages(cfg: EngineConfig): { evaluation: EvaluationStage; stages: { step(frame: Frame): Frame }[] } {
  return {
    evaluation: new EvaluationStage(cfg.evaluation),
    stages: [
      new ConfidenceStage(cfg.confidence, cfg.evaluation),
      new TimeFilterStage(cfg.timeFilter),
      new EnsembleStage(cfg.ensembles),
      new RotationStage(cfg.rotation, cfg.ensembles),
      new TradingStage(cfg),
    ],
  };
}

/** The phases of `phaseStages`, in order: live evaluation, then phases 1–5 (tradingPipeline's order). */
export const PHASES = ['evaluation', 'confidence', 'timeFilter', 'ensembles', 'rotation', 'trading'] as const;

/** Time spent per phase while `timing` is on: ms[i] is PHASES[i]'s total, in milliseconds. */
export interface PhaseTimes {
  timing: boolean;
  readonly ms: Float64Array;
}

/** One phase's share of the timed candles: per strategy-candle evaluation, per candle, and of the total (null when nothing was timed). */
export interface PhaseFigures {
  readonly phase: (typeof PHASES)[number];
  readonly nsPerEvaluation: number | null;
  readonly msPerCandle: number | null;
  readonly share: number | null;
}

/** The figures of each phase from `times` over `candles` candles and `evaluations` strategy-candles. */
export function phaseFigures(times: PhaseTimes, candles: number, evaluations: number): PhaseFigures[] {
  const total = times.ms.reduce((acc, x) => acc + x, 0);
  return PHASES.map((phase, i) => {
    const spent = times.ms[i] as number;
    return { phase, nsPerEvaluation: round((spent / evaluations) * 1e6, 0), msPerCandle: round(spent / candles, 3), share: round(spent / total, 3) };
  });
}

/**
 * The baseline: the same stage classes stepped in a plain for loop, phase order, no RxJS, no sink.
 * Exposes the evaluation stage so the bench can count strategies per symbol, and can time each
 * phase (`phases.timing`; off by default: a clock read per phase per input, about 0.3 µs an
 * input, which only the candle path, at about 1 ms a candle, can afford to carry).
 */
export function loopEngine(cfg: EngineConfig): BenchEngine & { readonly evaluation: EvaluationStage; readonly phases: PhaseTimes } {
  const { evaluation, stages } = phaseStages(cfg);
  const phases: PhaseTimes = { timing: false, ms: new Float64Array(PHASES.length) };
  let outputs = 0;
  let last = 0;
  const timed = (event: InputEvent): Frame => {
    const ms = phases.ms;
    let t = performance.now();
    let frame = evaluation.step(event);
    let now = performance.now();
    ms[0] = (ms[0] as number) + now - t;
    for (let i = 0; i < stages.length; i++) {
      t = now;
      frame = (stages[i] as { step(frame: Frame): Frame }).step(frame);
      now = performance.now();
      ms[i + 1] = (ms[i + 1] as number) + now - t;
    }
    return frame;
  };
  return {
    name: 'loop',
    evaluation,
    phases,
    push(event) {
      let frame: Frame;
      if (phases.timing) frame = timed(event);
      else {
        frame = evaluation.step(event);
        for (let i = 0; i < stages.length; i++) frame = (stages[i] as { step(frame: Frame): Frame }).step(frame);
      }
      outputs += frame.outputs.length;
      last = frame.seq;
    },
    outputs: () => outputs,
    lastSeq: () => last,
    close: () => {},
  };
}
