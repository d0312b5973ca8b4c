import { describe, expect, it } from 'vitest';
import { OutcomeJoin } from '../../../../instrumentation/src/monitor/outcome-join.js';

interface E {
  readonly t: number;
  readonly v: number;
}

describe('OutcomeJoin', () => {
  it('joins generated ids once, then reports duplicate; unknown ids are unknown_id', () => {
    let now = 0;
    const j = new OutcomeJoin<E>({ maxEntries: 10 }, () => now, 'abc-');
    const id = j.addNew({ t: 0, v: 1 });
    expect(id).toBe('abc-0');
    expect(j.size).toBe(1);
    expect(j.peek(id)).toEqual({ t: 0, v: 1 });
    expect(j.take(id)).toEqual({ t: 0, v: 1 });
    expect(j.take(id)).toBe('duplicate');
    expect(j.take('abc-99')).toBe('unknown_id');
    expect(j.take('abc-x')).toBe('unknown_id');
    expect(j.take('abc-01')).toBe('unknown_id');
    expect(j.take('other')).toBe('unknown_id');
    expect(j.size).toBe(0);
    now = 1;
  });

  it('evicts the oldest generated ids beyond maxEntries', () => {
    const j = new OutcomeJoin<E>({ maxEntries: 3 }, () => 0, 'p');
    const ids = Array.from({ length: 5 }, (_, i) => j.addNew({ t: 0, v: i }));
    expect(j.size).toBe(3);
    expect(j.take(ids[0]!)).toBe('evicted');
    expect(j.take(ids[1]!)).toBe('evicted');
    expect(j.take(ids[2]!)).toEqual({ t: 0, v: 2 });
    expect(j.take(ids[4]!)).toEqual({ t: 0, v: 4 });
  });

  it('expires generated ids older than maxAgeMs', () => {
    let now = 0;
    const j = new OutcomeJoin<E>({ maxEntries: 10, maxAgeMs: 1000 }, () => now, 'p');
    const id = j.addNew({ t: 0, v: 0 });
    now = 1001;
    expect(j.take(id)).toBe('expired');
    expect(j.take(id)).toBe('expired');
  });

  it('joins, expires, evicts and de-duplicates caller-supplied ids', () => {
    let now = 0;
    const j = new OutcomeJoin<E>({ maxEntries: 2, maxAgeMs: 1000 }, () => now, 'gen-');
    j.add('a', { t: 0, v: 1 });
    j.add('b', { t: 0, v: 2 });
    j.add('c', { t: 0, v: 3 });
    expect(j.size).toBe(2);
    expect(j.take('a')).toBe('evicted');
    expect(j.take('b')).toEqual({ t: 0, v: 2 });
    expect(j.take('b')).toBe('duplicate');
    expect(j.take('zzz')).toBe('unknown_id');
    now = 5000;
    expect(j.take('c')).toBe('expired');
    // Expired entries are swept when new ones arrive, so memory follows maxAgeMs too.
    j.add('d', { t: 5000, v: 4 });
    now = 7000;
    j.add('e', { t: 7000, v: 5 });
    expect(j.size).toBe(1);
    expect(j.take('d')).toBe('expired');
  });

  it('re-adding an id replaces the waiting entry', () => {
    const j = new OutcomeJoin<E>({ maxEntries: 2 }, () => 0, 'g');
    j.add('a', { t: 0, v: 1 });
    j.add('a', { t: 0, v: 2 });
    j.add('b', { t: 0, v: 3 });
    expect(j.size).toBe(2);
    expect(j.take('a')).toEqual({ t: 0, v: 2 });
  });

  it('stays bounded over many churned ids (its speed: npm run bench:instrumentation)', () => {
    const j = new OutcomeJoin<E>({ maxEntries: 1000 }, () => 0, 'g');
    for (let i = 0; i < 200_000; i++) {
      j.add(`id${i}`, { t: 0, v: i });
      if (i % 3 === 0) j.take(`id${i - 1}`);
    }
    expect(j.size).toBe(1000);
    // the newest ids wait, the oldest were evicted
    expect(j.take('id199999')).toEqual({ t: 0, v: 199_999 });
    expect(j.take('id198000')).toBe('evicted');
  });

  it('maxEntries 0 disables joining', () => {
    const j = new OutcomeJoin<E>({ maxEntries: 0 }, () => 0, 'g');
    const id = j.addNew({ t: 0, v: 1 });
    j.add('x', { t: 0, v: 1 });
    expect(j.size).toBe(0);
    expect(j.take(id)).toBe('evicted');
    expect(j.take('x')).toBe('unknown_id');
  });
});
