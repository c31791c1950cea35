import { describe, expect, it } from 'vitest';
import { decimal, money, percent } from '../../src/domain/riskFormat.js';

describe('the numbers phase 5 writes into reasons', () => {
  it('prints money to the cent, never rounded to four significant digits', () => {
    // Found by a bug hunt: a high-water mark of 100,024.03 was printed as 100000.
    expect(money(100_024.03)).toBe('100024.03');
    expect(money(100_100.374)).toBe('100100.37');
    expect(money(99_990)).toBe('99990.00');
    expect(money(-0.001)).toBe('0.00');
  });

  it('prints fractions as percentages and factors to four significant digits', () => {
    expect(percent(0.07500000000000007)).toBe('7.5%');
    expect(decimal(0.0666666)).toBe('0.06667');
    expect(decimal(-0.00001)).toBe('-0.00001');
  });
});
