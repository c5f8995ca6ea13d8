/** Test harness helpers: a relay as a child process, and a throwaway redis-server on a loopback port. */

export { freePort, type RedisProcess, startRedis } from './redis-process.js';
export { type RelayProcess, startListeningProcess, startRelayProcess } from './relay-process.js';
