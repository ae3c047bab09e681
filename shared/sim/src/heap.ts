/**
 * Binary min-heap of scheduled events ordered by (time, sequence number). The sequence number
 * is the stable tie-break: two events at the same virtual time run in scheduling order.
 */
export interface Scheduled {
  t: number;
  seq: number;
}

export class EventHeap<E extends Scheduled> {
  private readonly items: E[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): E | undefined {
    return this.items[0];
  }

  push(e: E): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = a[p] as E;
      if (pe.t < e.t || (pe.t === e.t && pe.seq < e.seq)) break;
      a[i] = pe;
      i = p;
    }
    a[i] = e;
  }

  pop(): E | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      let i = 0;
      const n = a.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        let ce = a[l] as E;
        if (r < n) {
          const re = a[r] as E;
          if (re.t < ce.t || (re.t === ce.t && re.seq < ce.seq)) {
            c = r;
            ce = re;
          }
        }
        if (last.t < ce.t || (last.t === ce.t && last.seq < ce.seq)) break;
        a[i] = ce;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
