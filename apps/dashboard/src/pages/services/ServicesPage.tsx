// `/services`: every producer's rate, errors and ACK state, live from the snapshots.
import { metrics } from '../../state/live';
import { useStore } from '../../lib/store';
import { Panel } from '../../components/Panel';
import { ServiceTable } from '../../components/ServiceTable';
import { Loading } from '../../components/Panel';

export function ServicesPage() {
  const m = useStore(metrics);
  return (
    <div class="page" data-testid="page-services">
      <h1>Services</h1>
      <Panel title="Producers" testid="panel-services">
        {m.latest ? <ServiceTable services={m.latest.services} /> : <Loading what="services" />}
        <p class="dim small">
          <b>ackTill</b>: highest seq received · <b>missing</b>: seqs at or below it not yet received · <b>buffer</b>:
          entries the producer still holds for replay. Click a service to see its gaps, replays and recent errors.
        </p>
      </Panel>
    </div>
  );
}
