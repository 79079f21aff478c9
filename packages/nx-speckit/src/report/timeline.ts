/** Gantt lanes: overlapping intervals get different slots, each in the lowest free one. */

export interface Interval {
  start: number;
  end: number;
}

/** Slot of every interval (same order as given). Touching intervals (end == start) share a slot. */
export function packSlots(intervals: Interval[]): number[] {
  const order = intervals
    .map((_, i) => i)
    .sort((a, b) => intervals[a].start - intervals[b].start || intervals[a].end - intervals[b].end || a - b);
  const slotEnds: number[] = [];
  const slots = new Array<number>(intervals.length);
  for (const i of order) {
    const { start, end } = intervals[i];
    let slot = slotEnds.findIndex((e) => e <= start);
    if (slot === -1) slot = slotEnds.length;
    slotEnds[slot] = Math.max(end, start);
    slots[i] = slot;
  }
  return slots;
}
