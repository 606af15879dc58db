// palantir: the middle of the chain, called by beorn, calls arda.
import { runRelayService } from '@obs/sense-common';

runRelayService({
  service: 'palantir',
  defaultPort: 5002,
  nextHop: { name: 'arda', urlEnv: 'ARDA_URL', defaultUrl: 'http://127.0.0.1:5003' },
});
