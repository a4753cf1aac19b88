// The page table (docs/PROTOCOL.md, "Dashboard") and the frame around it.
import { Shell } from './components/Shell';
import { useLocation, Link } from './lib/router';
import { OverviewPage } from './pages/overview/OverviewPage';
import { LiveLogsPage } from './pages/live-logs/LiveLogsPage';
import { QueuePage } from './pages/queue/QueuePage';
import { ReplayPage } from './pages/replay/ReplayPage';
import { ServicesPage } from './pages/services/ServicesPage';
import { ServiceDetailPage } from './pages/services/ServiceDetailPage';
import { LogsPage } from './pages/logs/LogsPage';

function NotFound(props: { path: string }) {
  return (
    <div class="page" data-testid="page-not-found">
      <h1>No page at {props.path}</h1>
      <p>
        The dashboard has <Link href="/">Overview</Link>, <Link href="/live-logs">Live logs</Link>, <Link href="/queue">Queue</Link>,{' '}
        <Link href="/replay">Replay</Link>, <Link href="/services">Services</Link> and <Link href="/logs">Search</Link>.
      </p>
    </div>
  );
}

function Page(props: { path: string }) {
  const path = props.path.replace(/\/+$/, '') || '/';
  switch (path) {
    case '/':
      return <OverviewPage />;
    case '/live-logs':
      return <LiveLogsPage />;
    case '/queue':
      return <QueuePage />;
    case '/replay':
      return <ReplayPage />;
    case '/services':
      return <ServicesPage />;
    case '/logs':
      return <LogsPage />;
  }
  const service = /^\/services\/([^/]+)$/.exec(path);
  if (service) return <ServiceDetailPage key={service[1]} service={decodeURIComponent(service[1]!)} />;
  return <NotFound path={path} />;
}

export function App() {
  const { path } = useLocation();
  return (
    <Shell>
      <Page path={path} />
    </Shell>
  );
}
