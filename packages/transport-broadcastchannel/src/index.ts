export {
  type BroadcastChannelStats,
  BroadcastChannelTransport,
  type BroadcastChannelTransportOptions,
  channelName,
  DEFAULT_MAX_MESSAGE_CHARS,
  inboxName,
  MAX_OUTBOXES,
} from './broadcastchannel-transport.js';
export { type Frame, MAX_ID_LENGTH, type MessageFrame, type PresenceFrame } from './frame.js';
export type { BroadcastChannelConstructor, BroadcastChannelLike } from './platform.js';
export { MAX_TRACKED_PEERS, PRESENCE_INTERVAL_MS, PRESENCE_TIMEOUT_MS } from './presence.js';
export { REPORT_BURST, REPORT_WINDOW_MS, ReportBudget } from './report-budget.js';
