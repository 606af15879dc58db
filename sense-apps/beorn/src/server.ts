// beorn: the entry of the chain (beorn -> palantir -> arda).
import { runRelayService } from '@obs/sense-common';

runRelayService({
  service: 'beorn',
  defaultPort: 5001,
  nextHop: { name: 'palantir', urlEnv: 'PALANTIR_URL', defaultUrl: 'http://127.0.0.1:5002' },
});
