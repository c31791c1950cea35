import { describe, expect, it } from 'vitest';
import { PendingAcks } from '../../src/sources/pendingAcks.js';
import { Random } from '../../src/sources/demo/random.js';

/** An ack subject as nats-server 2.10 writes it (12 tokens). */
const subject = (seq: number, stream = 'TRADESTREAM') => `$JS.ACK.${stream}.tradestream-engine.1.${seq}.${seq}.1764547200000000000.0.xZ${seq % 97}`;

/** A JsMsg stand-in: the store keeps any object it is given as is. */
interface FakeMsg {
  readonly seq: number;
}

describe('PendingAcks (the consumer thread\'s unsettled ack subjects)', () => {
  it('returns the settled message\'s own subject and forgets it and every earlier one', () => {
    const acks = new PendingAcks<FakeMsg>();
    for (let seq = 1; seq <= 5; seq++) acks.push(seq, subject(seq));
    expect(acks.size).toBe(5);
    expect(acks.settle(3)).toBe(subject(3));
    expect(acks.size).toBe(2);
    // Already settled (with 3): not kept any more.
    expect(acks.settle(2)).toBeUndefined();
    expect(acks.settle(5)).toBe(subject(5));
    expect(acks.size).toBe(0);
  });

  it('forgets the earlier ones even when the seq asked for is not kept (a gap the stream lost)', () => {
    const acks = new PendingAcks<FakeMsg>();
    for (const seq of [1, 2, 4, 5]) acks.push(seq, subject(seq));
    expect(acks.settle(3)).toBeUndefined();
    expect(acks.size).toBe(2);
    expect(acks.settle(4)).toBe(subject(4));
  });

  it('keeps a message without a reply subject as the message itself, and non-ASCII and very long subjects exactly', () => {
    const acks = new PendingAcks<FakeMsg>();
    const msg = { seq: 2 };
    const long = `$JS.ACK.${'S'.repeat(2_000)}.c.1.3.3.0.0`;
    acks.push(1, subject(1, 'MÄRKTE_€'));
    acks.push(2, msg);
    acks.push(3, long);
    acks.push(4, subject(4, '株価'));
    expect(acks.settle(1)).toBe(subject(1, 'MÄRKTE_€'));
    expect(acks.settle(2)).toBe(msg);
    expect(acks.settle(3)).toBe(long);
    expect(acks.settle(4)).toBe(subject(4, '株価'));
  });

  it('matches a plain list over 200,000 messages settled at random points, through growth and compaction', () => {
    const random = new Random(7);
    const acks = new PendingAcks<FakeMsg>();
    const model: { seq: number; reply: string | FakeMsg }[] = [];
    let seq = 0;
    let maxKept = 0;
    while (seq < 200_000) {
      // Bursts of up to 5,000 messages between commits, some seqs skipped (deleted from the stream).
      const burst = 1 + Math.floor(random.next() * 5_000);
      for (let i = 0; i < burst; i++) {
        seq += random.next() < 0.01 ? 2 : 1;
        const reply = random.next() < 0.001 ? { seq } : subject(seq, random.next() < 0.5 ? 'TRADESTREAM' : `S${seq % 13}`);
        acks.push(seq, reply);
        model.push({ seq, reply });
      }
      maxKept = Math.max(maxKept, model.length);
      if (random.next() < 0.2) {
        // Now and then every kept subject is read back, one settle each: a corrupted entry shows
        // even when no random settle would pick it.
        while (model.length > 0) {
          const next = model.shift() as { seq: number; reply: string | FakeMsg };
          expect(acks.settle(next.seq)).toBe(next.reply);
        }
        expect(acks.size).toBe(0);
        continue;
      }
      // Settle a random kept seq (sometimes one not kept), usually not the last one.
      const target = random.next() < 0.1 ? seq - 1 + 0.5 : (model[Math.floor(random.next() * model.length)] as { seq: number }).seq;
      const expected = model.find((m) => m.seq === target)?.reply;
      while (model.length > 0 && (model[0] as { seq: number }).seq <= target) model.shift();
      expect(acks.settle(target)).toBe(expected);
      expect(acks.size).toBe(model.length);
    }
    expect(maxKept).toBeGreaterThan(2_048);
    const rest = model.at(-1) as { seq: number; reply: string | FakeMsg };
    expect(acks.settle(rest.seq)).toBe(rest.reply);
    expect(acks.size).toBe(0);
  });
});
