// A fixed-capacity ring buffer: pushing past capacity overwrites the oldest item, so memory
// stays flat however long the stream runs. Indexed newest first.
export class Ring<T> {
  private buf: (T | undefined)[];
  private head = 0; // next write position
  private count = 0;

  constructor(readonly capacity: number) {
    this.buf = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    this.buf[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count += 1;
  }

  // The i-th newest item (0 = newest); undefined out of range.
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.buf[(this.head - 1 - i + this.capacity * 2) % this.capacity];
  }

  // Newest first.
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.at(i)!);
    return out;
  }

  // Keeps only the items for which `keep` holds, in order.
  retain(keep: (item: T) => boolean): void {
    const kept = this.toArray().filter(keep).reverse();
    this.clear();
    for (const item of kept) this.push(item);
  }

  clear(): void {
    this.buf = new Array<T | undefined>(this.capacity);
    this.head = 0;
    this.count = 0;
  }
}
