// A list of `total` fixed-height rows of which only those in view (plus `overscan` on each side)
// exist in the DOM, so it stays smooth with thousands of rows. The caller renders each row,
// positioned at `top`; `empty` is shown when there are none.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

interface Props {
  total: number;
  rowHeight: number;
  overscan?: number;
  row: (i: number, top: number) => ComponentChildren;
  empty: ComponentChildren;
  class?: string;
  testid?: string;
}

export function VirtualList(props: Props) {
  const { total, rowHeight, overscan = 10 } = props;
  const [scrollTop, setScrollTop] = useState(0);
  const [viewHeight, setViewHeight] = useState(600);
  const list = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = list.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(total, Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);
  const rows: ComponentChildren[] = [];
  for (let i = first; i < last; i++) rows.push(props.row(i, i * rowHeight));

  return (
    <div
      class={props.class}
      ref={list}
      data-testid={props.testid}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      role="log"
      aria-live="off"
    >
      {total === 0 ? props.empty : <div style={{ height: `${total * rowHeight}px`, position: 'relative' }}>{rows}</div>}
    </div>
  );
}
