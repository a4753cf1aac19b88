// The five fault-injection controls (docs/PROTOCOL.md, "Controls"): each POSTs /metrics/control and
// shows what the backend answered. Reset wipes everything, so it asks first. Active faults count
// down.
import { useState } from 'preact/hooks';
import { api } from '../api/http';
import type { ControlAction, Fault } from '../api/events';
import { ConfirmDialog } from './ConfirmDialog';
import { clock, duration } from '../lib/format';
import { useNow } from '../lib/use-poll';

const controls: { action: ControlAction; label: string; hint: string; danger?: boolean }[] = [
  { action: 'crash_worker', label: 'Crash worker', hint: 'worker dies mid-flight, back after 5 s' },
  { action: 'drop_network', label: 'Drop network', hint: '30 % of ingest requests lost for 10 s' },
  { action: 'delay_ack', label: 'Delay ACK', hint: 'every ACK held 3 s, for 15 s' },
  { action: 'flush_queue', label: 'Flush queue', hint: 'purge queues; seqs become replays' },
  { action: 'reset', label: 'Reset', hint: 'clear all state; simulators restart at seq 1', danger: true },
];

type Outcome = { action: ControlAction; ok: boolean; text: string; at: number };

export function ControlPanel(props: { faults: Fault[] | undefined }) {
  const [busy, setBusy] = useState<ControlAction | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [confirming, setConfirming] = useState(false);
  const now = useNow(1000);

  async function run(action: ControlAction) {
    setBusy(action);
    try {
      const r = await api.control(action);
      const until = r.event?.until;
      setOutcome({ action, ok: true, text: until ? `applied, until ${clock(until, false)}` : 'applied', at: Date.now() });
    } catch (e) {
      setOutcome({ action, ok: false, text: e instanceof Error ? e.message : String(e), at: Date.now() });
    } finally {
      setBusy(null);
    }
  }

  const active = (props.faults ?? []).filter((f) => !f.until || f.until > now);
  return (
    <div class="controls" data-testid="controls">
      <div class="control-buttons">
        {controls.map((c) => (
          <button
            key={c.action}
            class={`btn ${c.danger ? 'btn-danger' : ''}`}
            title={c.hint}
            disabled={busy !== null}
            data-testid={`control-${c.action}`}
            onClick={() => (c.action === 'reset' ? setConfirming(true) : run(c.action))}
          >
            {busy === c.action ? '…' : c.label}
          </button>
        ))}
      </div>
      {outcome && (
        <div class={`control-outcome ${outcome.ok ? 'tone-ok' : 'tone-bad'}`} role="status" data-testid="control-outcome">
          {clock(outcome.at, false)} · {outcome.action}: {outcome.text}
        </div>
      )}
      <div class="faults" data-testid="active-faults">
        {active.length === 0 ? (
          <span class="dim">No fault active.</span>
        ) : (
          active.map((f) => (
            <span class="fault" key={f.action}>
              {f.action}
              {f.share !== undefined && ` ${Math.round(f.share * 100)} %`}
              {f.delayMs !== undefined && ` +${f.delayMs} ms`}
              {f.until ? ` · ${duration(f.until - now)} left` : ''}
            </span>
          ))
        )}
      </div>
      {confirming && (
        <ConfirmDialog
          title="Reset everything?"
          confirmLabel="Reset all state"
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void run('reset');
          }}
        >
          This deletes all stored logs, ACK state, replays, queues and producer buffers, zeroes the counters, and
          restarts the simulators at seq 1. It cannot be undone.
        </ConfirmDialog>
      )}
    </div>
  );
}
