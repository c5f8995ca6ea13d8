export { jsonLineLogger, type LogEntry, type Logger } from './log.js';
export { type DisconnectReason, type DropReason, Metrics, type RejectReason } from './metrics.js';
export { DEFAULTS, FLAGS, type RelayServerOptions } from './options.js';
export { type RelayServer, startRelayServer } from './relay-server.js';
export { createToken, parseDuration, type TokenClaims, type TokenRefusal, verifyToken } from './token.js';
