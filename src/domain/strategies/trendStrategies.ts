import { parabolicSar } from '../indicators/directional.js';
import { decimal, num, type StrategyDefinition } from './definition.js';

/** Trend-following and stop-and-reverse strategies. STRATEGIES.md row 6. */
export const trendStrategies: readonly StrategyDefinition[] = [
  {
    type: 'PARABOLIC_SAR',
    parameters: [
      decimal('accelerationFactorStart', 0.01, 0.05, 0.02),
      decimal('accelerationFactorIncrement', 0.01, 0.05, 0.02),
      decimal('accelerationFactorMax', 0.1, 0.5, 0.2),
    ],
    build(p, { use }) {
      const sar = use(parabolicSar(num(p, 'accelerationFactorStart'), num(p, 'accelerationFactorIncrement'), num(p, 'accelerationFactorMax')));
      return { entry: (c) => c.close > sar.value, exit: (c) => c.close < sar.value };
    },
  },
];
