// `@webraft/replicator/tcp`: the Node-only TCP transport, apart from the main entry so that browser
// bundles never see `node:net`.
export {
  DEFAULT_TCP_MAX_MESSAGE_CHARS,
  TcpTransport,
  type TcpTransportOptions,
  tcpAddress,
} from './tcp-transport.js';
