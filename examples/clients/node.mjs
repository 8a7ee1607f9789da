// node examples/clients/node.mjs   (after `npm run build`; in your app: import from 'tributary/logger')
import { FluentLogger } from '../../dist/src/logger/index.js';

const log = new FluentLogger({ host: '127.0.0.1', port: 24224, tagPrefix: 'app', requireAck: true });
log.emit('login', { action: 'login', user: 2 });
await log.close(); // waits for the ack (at most closeTimeoutMs), then disconnects
console.log(log.stats);
