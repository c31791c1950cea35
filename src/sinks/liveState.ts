import type { Ensemble, EngineOutput, Portfolio, Position, PositionSize } from '../domain/types.js';

/**
 * The latest positions, sizes, active ensembles and portfolio, folded from the engine's outputs:
 * what a WebSocket snapshot shows. O(1) per output.
 */
export class LiveState {
  private readonly positions = new Map<string, Position>();
  private readonly sizes = new Map<string, PositionSize>();
  private readonly ensembles = new Map<string, Ensemble>();
  private latestPortfolio: Portfolio | null = null;

  /** Folds one output in; outputs of other kinds are ignored. */
  apply(output: EngineOutput): void {
    switch (output.kind) {
      case 'position':
        if (output.status === 'open') this.positions.set(output.symbol, output);
        else this.positions.delete(output.symbol);
        break;
      case 'size':
        this.sizes.set(output.symbol, output);
        break;
      case 'ensemble':
        if (output.active) this.ensembles.set(output.symbol, output);
        else if (this.ensembles.get(output.symbol)?.id === output.id) this.ensembles.delete(output.symbol);
        break;
      case 'portfolio':
        this.latestPortfolio = output;
        break;
      default:
        break;
    }
  }

  /** Open positions, sizes and active ensembles by symbol (ascending), and the portfolio. */
  snapshot(): { positions: Position[]; sizes: PositionSize[]; ensembles: Ensemble[]; portfolio: Portfolio | null } {
    const bySymbol = <T extends { symbol: string }>(m: Map<string, T>) => [...m.values()].sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
    return { positions: bySymbol(this.positions), sizes: bySymbol(this.sizes), ensembles: bySymbol(this.ensembles), portfolio: this.latestPortfolio };
  }
}
