import { describe, expect, it } from 'vitest';
import { AckQueue } from '../../src/sources/jetstreamAcks.js';

describe('AckQueue', () => {
  it('acks only the last message of the committed prefix, by its reply subject', () => {
    const sent: string[] = [];
    const queue = new AckQueue(0, (reply, verdict) => sent.push(`${verdict} ${reply}`));
    for (const seq of [1, 2, 3]) queue.push(seq, `$JS.ACK.s.c.1.${seq}`, false);
    expect(queue.ackUpTo(2)).toBe(2);
    expect(sent).toEqual(['ack $JS.ACK.s.c.1.2']);
    expect(queue.floor).toBe(2);
    expect(queue.pending).toBe(1);
  });

  it('terminates a rejected message at once when nothing before it waits, and after the commit otherwise', () => {
    const sent: string[] = [];
    const queue = new AckQueue(0, (reply, verdict) => sent.push(`${verdict} ${reply}`));
    queue.push(1, 'r1', true);
    expect(sent).toEqual(['term r1']);
    queue.push(2, 'r2', false);
    queue.push(3, 'r3', true);
    expect(sent).toHaveLength(1);
    // Committing input 2 settles the rejected 3 behind it as well: one term for both.
    queue.ackUpTo(2);
    expect(sent).toEqual(['term r1', 'term r3']);
    expect(queue.floor).toBe(3);
  });

  it('falls back to the message object when no reply subject was readable', () => {
    const calls: string[] = [];
    const queue = new AckQueue(0, () => calls.push('by subject'));
    queue.push(1, { ack: () => calls.push('ack 1'), term: () => calls.push('term 1') }, false);
    queue.ackUpTo(1);
    expect(calls).toEqual(['ack 1']);
  });
});
