import { hash32, listSchedule, median, peakConcurrency, seededSeconds, span } from './stats';

describe('bench statistics', () => {
  it('median of odd, even and empty lists, without reordering the input', () => {
    const input = [3, 1, 2];
    expect(median(input)).toBe(2);
    expect(input).toEqual([3, 1, 2]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('seeded durations are deterministic, in range and differ between keys and seeds', () => {
    expect(hash32('a')).toBe(0xe40c292c); // FNV-1a
    const a = seededSeconds('s', 'specs/x/T001', 2, 6);
    expect(seededSeconds('s', 'specs/x/T001', 2, 6)).toBe(a);
    expect(a).toBeGreaterThanOrEqual(2);
    expect(a).toBeLessThan(6);
    const many = Array.from({ length: 200 }, (_, i) => seededSeconds('s', `T${i}`, 0, 1));
    expect(new Set(many).size).toBeGreaterThan(150);
    expect(Math.min(...many)).toBeLessThan(0.2);
    expect(Math.max(...many)).toBeGreaterThan(0.8);
    expect(seededSeconds('other', 'specs/x/T001', 2, 6)).not.toBe(a);
  });

  it('span and peak concurrency of intervals', () => {
    expect(span([])).toBe(0);
    expect(
      span([
        { start: 5, end: 7 },
        { start: 1, end: 3 },
      ]),
    ).toBe(6);
    expect(
      peakConcurrency([
        { start: 0, end: 2 },
        { start: 1, end: 3 },
        { start: 2, end: 4 },
      ]),
    ).toBe(2);
    expect(
      peakConcurrency([
        { start: 0, end: 1 },
        { start: 1, end: 2 },
      ]),
    ).toBe(1);
  });

  it('list scheduling: chains, slot limits and listed order', () => {
    const chain = [
      { id: 'a', seconds: 1, deps: [] },
      { id: 'b', seconds: 2, deps: ['a'] },
    ];
    expect(listSchedule(chain, 4)).toBe(3);
    const wide = ['a', 'b', 'c', 'd'].map((id) => ({ id, seconds: 1, deps: [] }));
    expect(listSchedule(wide, 4)).toBe(1);
    expect(listSchedule(wide, 2)).toBe(2);
    expect(listSchedule(wide, 1)).toBe(4);
    // A long job listed last starts late with one slot free for it.
    const jobs = [
      { id: 'x', seconds: 1, deps: [] },
      { id: 'y', seconds: 1, deps: [] },
      { id: 'z', seconds: 5, deps: [] },
    ];
    expect(listSchedule(jobs, 2)).toBe(6);
    expect(() => listSchedule([{ id: 'a', seconds: 1, deps: ['nope'] }], 1)).toThrow(/unknown/);
  });
});
