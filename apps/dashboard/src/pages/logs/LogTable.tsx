// Stored logs as a table (search results, a service's recent errors).
import type { LogEntry } from '../../api/events';
import { Badge } from '../../components/Badge';
import { dateTime } from '../../lib/format';

export function LogTable(props: { items: LogEntry[] }) {
  return (
    <div class="table-wrap">
      <table class="table table-logs" data-testid="log-table">
        <thead>
          <tr>
            <th>Time</th>
            <th>Level</th>
            <th>Service</th>
            <th class="num">Seq</th>
            <th>Message</th>
            <th>Request</th>
          </tr>
        </thead>
        <tbody>
          {props.items.map((e) => (
            <tr key={`${e.service}-${e.seq}`} data-testid="log-result" data-level={e.level}>
              <td class="mono dim nowrap">{dateTime(e.ts)}</td>
              <td>
                <Badge value={String(e.level)} />
              </td>
              <td class="mono nowrap">{e.service}</td>
              <td class="num mono">{e.seq}</td>
              <td class="msg">
                {e.message}
                {e.attrs && Object.keys(e.attrs).length > 0 && <div class="attrs mono dim">{JSON.stringify(e.attrs)}</div>}
              </td>
              <td class="mono dim">{e.requestId ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
