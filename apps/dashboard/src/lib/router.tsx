// Client-side routing without a library: the path lives in a store, links push history, and
// the back button pops it. The backend answers every page path with index.html.
import type { ComponentChildren, JSX } from 'preact';
import { Store, useStore } from './store';

export const location = new Store<{ path: string; search: string }>({
  path: window.location.pathname,
  search: window.location.search,
});

window.addEventListener('popstate', () =>
  location.set({ path: window.location.pathname, search: window.location.search }),
);

export function navigate(to: string, replace = false): void {
  const url = new URL(to, window.location.origin);
  if (url.pathname === window.location.pathname && url.search === window.location.search) return;
  if (replace) history.replaceState(null, '', url.pathname + url.search);
  else history.pushState(null, '', url.pathname + url.search);
  location.set({ path: url.pathname, search: url.search });
  if (!replace) window.scrollTo(0, 0);
}

export const useLocation = () => useStore(location);

type LinkProps = { href: string; children: ComponentChildren } & Omit<JSX.HTMLAttributes<HTMLAnchorElement>, 'href'>;

export function Link({ href, children, ...rest }: LinkProps) {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
