/**
 * Phase 5, risk-adjusted sizing (DESIGN.md): a stateless calculator. From each symbol's active
 * ensemble, its pooled live trades and the symbols' per-candle returns it computes three sizes
 * (fractional Kelly, risk parity, volatility targeting), combines them by the configured method, then
 * applies the hard limits (riskLimits.ts) and reports each symbol's share of portfolio variance.
 *
 * Sizes are fractions of equity before the pipeline multiplies in the ensemble's exposure; the limits
 * assume full exposure, so they hold for any exposure <= 1. The covariance matrix is built once per
 * call and shared by every step: the cost is O(n² · window) for n symbols, nothing per strategy.
 */
import type { SizingConfig } from '../../config/engine.js';
import { CovarianceMatrix, type PairStatsCache } from './covarianceMatrix.js';
import type { BreakerStatus } from './drawdownBreaker.js';
import type { ReturnWindow } from './returnWindow.js';
import { decimal } from './riskFormat.js';
import { applyHardLimits, type LimitCandidate, type LimitedSize } from './riskLimits.js';
import { kellySize, type TradeStats } from './kellySize.js';
import type { Millis, PositionSize } from './types.js';

// Kelly lives in its own file to keep this one readable; the pipeline imports it from here.
export { kellySize, type TradeStats } from './kellySize.js';

export interface SymbolRiskInput {
  readonly symbol: string;
  /** Active ensemble total, or null when the symbol has no active usable ensemble (size 0, binding 'noEnsemble', excluded from the risk-parity universe). */
  readonly ensembleTotal: number | null;
  /** Largest member weight of the active ensemble (for the per-strategy limit), in [0, 1]. */
  readonly maxMemberWeight: number;
  /** Pooled live trades of the active ensemble's members. */
  readonly pooled: TradeStats;
  /** The symbol's per-candle price returns (timestamps = candle open times). */
  readonly returns: ReturnWindow;
  /** True when the symbol holds an open position (for the correlation limit). */
  readonly held: boolean;
  /** An open position's distance from its mark down to its stop, as a fraction of the mark; absent when flat (riskLimits.riskDistance). */
  readonly stopDistance?: number;
}

export interface SizingContext {
  /** Event time stamped on every PositionSize. */
  readonly time: Millis;
  readonly breaker: BreakerStatus;
  /** Stop-loss distance below entry (fraction, PositionConfig.stopLoss). */
  readonly stopLoss: number;
  /** Candles per year, to annualize the portfolio volatility. */
  readonly periodsPerYear: number;
  /** Pair statistics kept between sizing passes (the engine's); without it every pair is computed. */
  readonly pairCache?: PairStatsCache;
}

/**
 * Inverse-volatility weights: w_i = budget · (1/σ_i) / Σ_j (1/σ_j). Returns fractions of equity that
 * sum to `budget`; every σ (per candle, fraction) must be > 0.
 */
export function riskParityWeights(vols: readonly number[], budget: number): number[] {
  const inverse = vols.map((v) => {
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`riskParityWeights: volatility must be finite and > 0 (was ${v})`);
    return 1 / v;
  });
  const total = inverse.reduce((acc, x) => acc + x, 0);
  return inverse.map((x) => (budget * x) / total);
}

/**
 * Scales `weights` so the portfolio's annualized volatility, σ_p = sqrt(wᵀΣw · periodsPerYear),
 * equals `target` (annualized fraction). Returns the scaled weights (fractions of equity), all 0 when
 * the portfolio has no variance: there is no volatility to scale.
 */
export function volTargetWeights(weights: readonly number[], cov: CovarianceMatrix, periodsPerYear: number, target: number): number[] {
  const variance = cov.variance(weights);
  if (!hasVariance(variance, weights, cov)) return weights.map(() => 0);
  const scale = target / Math.sqrt(variance * periodsPerYear);
  return weights.map((w) => w * scale);
}

/**
 * Each asset's share of portfolio variance, w_i (Σw)_i / wᵀΣw. Returns fractions that sum to 1, or
 * all 0 when the portfolio has no variance. A share is negative for an asset that hedges the rest.
 */
export function riskContributions(weights: readonly number[], cov: CovarianceMatrix): number[] {
  const sigmaW = cov.times(weights);
  const variance = weights.reduce((acc, w, i) => acc + w * (sigmaW[i] as number), 0);
  if (!hasVariance(variance, weights, cov)) return weights.map(() => 0);
  return weights.map((w, i) => (w * (sigmaW[i] as number)) / variance);
}

/** The three sizes of one symbol, in fractions of equity. */
export interface MethodSizes {
  readonly kelly: number;
  readonly riskParity: number;
  readonly volTarget: number;
}

/**
 * Combines the three sizes by cfg.method: `blend` (weights kellyBlend, riskParityBlend,
 * volTargetBlend, which must sum to 1), `kelly`, `riskParity`, `volTarget`, or `min` of the three.
 * Returns the combined size (fraction of equity) and a reason that shows the arithmetic.
 */
export function combineSizes(sizes: MethodSizes, cfg: SizingConfig): { readonly combined: number; readonly reason: string } {
  const { kelly, riskParity, volTarget } = sizes;
  switch (cfg.method) {
    case 'blend': {
      checkBlendWeights(cfg);
      const combined = cfg.kellyBlend * kelly + cfg.riskParityBlend * riskParity + cfg.volTargetBlend * volTarget;
      return {
        combined,
        reason: `blend ${cfg.kellyBlend}×kelly ${decimal(kelly)} + ${cfg.riskParityBlend}×riskParity ${decimal(riskParity)} + ${cfg.volTargetBlend}×volTarget ${decimal(volTarget)} = ${decimal(combined)}`,
      };
    }
    case 'kelly':
      return { combined: kelly, reason: `kelly ${decimal(kelly)}` };
    case 'riskParity':
      return { combined: riskParity, reason: `riskParity ${decimal(riskParity)}` };
    case 'volTarget':
      return { combined: volTarget, reason: `volTarget ${decimal(volTarget)}` };
    case 'min': {
      const combined = Math.min(kelly, riskParity, volTarget);
      return { combined, reason: `min(kelly ${decimal(kelly)}, riskParity ${decimal(riskParity)}, volTarget ${decimal(volTarget)}) = ${decimal(combined)}` };
    }
  }
}

/**
 * Sizes every symbol. Returns one PositionSize per input, ordered by symbol, in fractions of equity
 * before the ensemble exposure is applied:
 * - no active usable ensemble: size 0, binding 'noEnsemble';
 * - fewer than minVolSamples returns, or no volatility: size 0 (binding 'warmup', the reason says
 *   which), outside the risk-parity universe, because neither its volatility nor its correlations
 *   can be trusted yet;
 * - otherwise Kelly, risk parity over the universe, volatility targeting of the risk-parity weights,
 *   combined by cfg.method, then the hard limits (position risk, strategy concentration, correlation,
 *   drawdown). `binding` names the last limit that cut the size.
 * Risk contributions are computed on the sizes after every limit, i.e. on the portfolio that will
 * actually be held at full exposure. Throws on malformed input (NaN, duplicate symbols, blend
 * weights that do not sum to 1).
 */
export function sizePositions(inputs: readonly SymbolRiskInput[], ctx: SizingContext, cfg: SizingConfig): PositionSize[] {
  checkContext(ctx);
  if (cfg.method === 'blend') checkBlendWeights(cfg);
  const sorted = [...inputs].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if ((sorted[i] as SymbolRiskInput).symbol === (sorted[i - 1] as SymbolRiskInput).symbol) {
      throw new RangeError(`sizePositions: symbol ${(sorted[i] as SymbolRiskInput).symbol} given twice`);
    }
  }

  const universe: SymbolRiskInput[] = [];
  const universeKelly: number[] = [];
  const excluded = new Map<string, { kelly: number; binding: 'noEnsemble' | 'warmup'; reason: string }>();
  for (const input of sorted) {
    if (input.ensembleTotal === null) {
      excluded.set(input.symbol, { kelly: 0, binding: 'noEnsemble', reason: 'no active usable ensemble: size 0' });
      continue;
    }
    if (!Number.isFinite(input.ensembleTotal)) throw new RangeError(`sizePositions: ${input.symbol} ensembleTotal is not finite (was ${input.ensembleTotal})`);
    const kelly = kellySize(input.pooled, cfg);
    if (input.returns.length < cfg.minVolSamples) {
      excluded.set(input.symbol, {
        kelly,
        binding: 'warmup',
        reason: `warming up: ${input.returns.length} of ${cfg.minVolSamples} returns needed before sizing: size 0`,
      });
    } else if (input.returns.stdDev() <= 0) {
      excluded.set(input.symbol, { kelly, binding: 'warmup', reason: `no volatility in ${input.returns.length} returns, risk cannot be sized: size 0` });
    } else {
      universe.push(input);
      universeKelly.push(kelly);
    }
  }

  const cov = CovarianceMatrix.of(
    universe.map((u) => u.returns),
    ctx.pairCache,
  );
  const riskParity = riskParityWeights(
    universe.map((u) => u.returns.stdDev()),
    cfg.grossBudget,
  );
  const volTarget = volTargetWeights(riskParity, cov, ctx.periodsPerYear, cfg.volTarget);
  const methods = universe.map((_, i) => ({ kelly: universeKelly[i] as number, riskParity: riskParity[i] as number, volTarget: volTarget[i] as number }));
  const combined = methods.map((m) => combineSizes(m, cfg));
  const candidates: LimitCandidate[] = universe.map((u, i) => ({
    symbol: u.symbol,
    ensembleTotal: u.ensembleTotal as number,
    maxMemberWeight: u.maxMemberWeight,
    held: u.held,
    combined: (combined[i] as { combined: number }).combined,
    stopDistance: u.stopDistance,
  }));
  const limited = applyHardLimits(candidates, cov, ctx.breaker, ctx.stopLoss, cfg);
  const contributions = riskContributions(
    limited.map((l) => l.size),
    cov,
  );

  let k = 0;
  return sorted.map((input): PositionSize => {
    const out = excluded.get(input.symbol);
    if (out !== undefined) {
      return {
        kind: 'size',
        time: ctx.time,
        symbol: input.symbol,
        kelly: out.kelly,
        riskParity: 0,
        volTarget: 0,
        combined: 0,
        size: 0,
        binding: out.binding,
        riskContribution: 0,
        reason: out.reason,
      };
    }
    const i = k++;
    const m = methods[i] as MethodSizes;
    const c = combined[i] as { combined: number; reason: string };
    const l = limited[i] as LimitedSize;
    return {
      kind: 'size',
      time: ctx.time,
      symbol: input.symbol,
      kelly: m.kelly,
      riskParity: m.riskParity,
      volTarget: m.volTarget,
      combined: c.combined,
      size: l.size,
      binding: l.binding,
      riskContribution: contributions[i] as number,
      reason: `${c.reason}; ${l.cuts.length === 0 ? 'within limits' : l.cuts.join('; ')}`,
    };
  });
}

/**
 * A variance this small next to the undiversified one, (Σ|w_i|σ_i)², is rounding left over from
 * perfectly offsetting assets; dividing by it would turn noise into enormous sizes.
 */
function hasVariance(variance: number, weights: readonly number[], cov: CovarianceMatrix): boolean {
  let undiversified = 0;
  weights.forEach((w, i) => {
    undiversified += Math.abs(w) * Math.sqrt(cov.covariance(i, i));
  });
  return variance > 1e-12 * undiversified * undiversified && variance > 0;
}

function checkBlendWeights(cfg: SizingConfig): void {
  const sum = cfg.kellyBlend + cfg.riskParityBlend + cfg.volTargetBlend;
  if (Math.abs(sum - 1) > 1e-9) {
    throw new RangeError(
      `sizing blend weights must sum to 1 (kelly ${cfg.kellyBlend} + riskParity ${cfg.riskParityBlend} + volTarget ${cfg.volTargetBlend} = ${sum})`,
    );
  }
}

function checkContext(ctx: SizingContext): void {
  if (!Number.isFinite(ctx.time)) throw new RangeError(`sizePositions: time is not finite (was ${ctx.time})`);
  if (!(ctx.stopLoss >= 0 && ctx.stopLoss <= 1)) throw new RangeError(`sizePositions: stopLoss must be a fraction in [0, 1] (was ${ctx.stopLoss})`);
  if (!(ctx.periodsPerYear > 0 && Number.isFinite(ctx.periodsPerYear)))
    throw new RangeError(`sizePositions: periodsPerYear must be > 0 (was ${ctx.periodsPerYear})`);
}
