// Layout pieces every page uses: a titled panel, a stat tile, and the explicit loading / empty
// / error states.
import type { ComponentChildren } from 'preact';

export function Panel(props: { title: string; actions?: ComponentChildren; children: ComponentChildren; testid?: string; class?: string }) {
  return (
    <section class={`panel ${props.class ?? ''}`} data-testid={props.testid}>
      <header class="panel-head">
        <h2>{props.title}</h2>
        {props.actions && <div class="panel-actions">{props.actions}</div>}
      </header>
      <div class="panel-body">{props.children}</div>
    </section>
  );
}

export function Stat(props: { label: string; value: string; tone?: 'ok' | 'warn' | 'bad' | undefined; hint?: string; testid?: string }) {
  return (
    <div class={`stat ${props.tone ? `tone-${props.tone}` : ''}`} data-testid={props.testid}>
      <div class="stat-label">{props.label}</div>
      <div class="stat-value">{props.value}</div>
      {props.hint && <div class="stat-hint">{props.hint}</div>}
    </div>
  );
}

export function Loading(props: { what: string }) {
  return (
    <div class="state state-loading" data-testid="state-loading">
      <span class="spinner" aria-hidden="true" /> Loading {props.what}…
    </div>
  );
}

export function Empty(props: { children: ComponentChildren; testid?: string }) {
  return (
    <div class="state state-empty" data-testid={props.testid ?? 'state-empty'}>
      {props.children}
    </div>
  );
}

export function ErrorNote(props: { error: Error; what: string }) {
  return (
    <div class="state state-error" role="alert" data-testid="state-error">
      Could not load {props.what}: {props.error.message}
    </div>
  );
}

// Loading until the first answer, the error if there is no data, else the children.
export function Resource<T>(props: {
  what: string;
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  empty?: (d: T) => boolean;
  emptyText?: ComponentChildren;
  children: (d: T) => ComponentChildren;
}) {
  if (props.data === undefined) {
    if (props.error) return <ErrorNote error={props.error} what={props.what} />;
    return <Loading what={props.what} />;
  }
  return (
    <>
      {props.error && <ErrorNote error={props.error} what={props.what} />}
      {props.empty?.(props.data) ? <Empty>{props.emptyText ?? `No ${props.what}.`}</Empty> : props.children(props.data)}
    </>
  );
}
