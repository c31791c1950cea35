import { describe, expect, it } from 'vitest';
import { AckQueue } from '../../src/sources/jetstreamAcks.js';

describe('AckQueue', () => {
  it('acks only the last message of the committed prefix', () => {
    const sent: string[] = [];
    const queue = new AckQueue(0, (seq, verdict) => sent.push(`${verdict} ${seq}`));
    for (const seq of [1, 2, 3]) queue.push(seq, false);
    expect(queue.ackUpTo(2)).toBe(2);
    expect(sent).toEqual(['ack 2']);
    expect(queue.floor).toBe(2);
    expect(queue.pending).toBe(1);
  });

  it('terminates a rejected message at once when nothing before it waits, and after the commit otherwise', () => {
    const sent: string[] = [];
    const queue = new AckQueue(0, (seq, verdict) => sent.push(`${verdict} ${seq}`));
    queue.push(1, true);
    expect(sent).toEqual(['term 1']);
    queue.push(2, false);
    queue.push(3, true);
    expect(sent).toHaveLength(1);
    // Committing input 2 settles the rejected 3 behind it as well: one term for both.
    queue.ackUpTo(2);
    expect(sent).toEqual(['term 1', 'term 3']);
    expect(queue.floor).toBe(3);
  });

  it('acks past a rejected message once the inputs after it are committed, and sends nothing when no input is', () => {
    const sent: string[] = [];
    const queue = new AckQueue(5, (seq, verdict) => sent.push(`${verdict} ${seq}`));
    queue.push(6, false);
    queue.push(7, true);
    queue.push(8, false);
    expect(queue.ackUpTo(5)).toBe(0);
    expect(sent).toEqual([]);
    expect(queue.ackUpTo(8)).toBe(3);
    expect(sent).toEqual(['ack 8']);
    expect(queue.floor).toBe(8);
    expect(queue.pending).toBe(0);
  });
});
