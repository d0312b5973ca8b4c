import { OVERFLOW_VALUE } from '../names.js';

/**
 * Maps string values to small dense indices, keeping at most `capacity` distinct values
 * (the preset ones first, then the first ones seen); every other value maps to the index of
 * {@link OVERFLOW_VALUE}.
 */
export class BoundedIndex {
  private readonly map = new Map<string, number>();
  readonly names: string[] = [];
  private overflow = -1;

  constructor(
    preset: readonly string[],
    private readonly capacity: number,
    /** When true only the preset values are kept. */
    private readonly fixed: boolean,
  ) {
    for (const name of preset) this.add(name);
  }

  private add(name: string): number {
    const idx = this.names.length;
    this.names.push(name);
    this.map.set(name, idx);
    if (name === OVERFLOW_VALUE) this.overflow = idx;
    return idx;
  }

  /** Index of `name`, adding it while there is room. */
  index(name: string): number {
    const known = this.map.get(name);
    if (known !== undefined) return known;
    if (!this.fixed && this.names.length - (this.overflow >= 0 ? 1 : 0) < this.capacity) return this.add(name);
    return this.overflowIndex();
  }

  /** Index of a known value or -1, without adding. */
  peek(name: string): number {
    const known = this.map.get(name);
    return known === undefined ? -1 : known;
  }

  overflowIndex(): number {
    return this.overflow >= 0 ? this.overflow : this.add(OVERFLOW_VALUE);
  }

  get size(): number {
    return this.names.length;
  }
}
