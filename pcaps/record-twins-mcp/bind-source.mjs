// Preloaded into mcp-remote (node --import): makes undici's global dispatcher
// -- used by mcp-remote's undici fetch and by Node's own fetch alike (they
// share it through Symbol.for('undici.globalDispatcher.1')) -- connect from
// $BIND_SOURCE_ADDRESS. mcp-remote itself is not modified.
import { Agent, setGlobalDispatcher } from 'undici';

const localAddress = process.env.BIND_SOURCE_ADDRESS;
if (localAddress) setGlobalDispatcher(new Agent({ localAddress, keepAliveTimeout: 10_000 }));
