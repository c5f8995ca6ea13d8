// `@webraft/replicator/tcp`: the Node-only TCP transport, apart from the main entry so that browser
// bundles never see `node:net`.

export {
  DEFAULT_MULTICAST_GROUP,
  decodeHello,
  MAX_HELLO_BYTES,
  MulticastDiscovery,
  type MulticastDiscoveryOptions,
} from './multicast-discovery.js';
export {
  DEFAULT_TCP_MAX_MESSAGE_CHARS,
  TcpTransport,
  type TcpTransportOptions,
  tcpAddress,
} from './tcp-transport.js';
