// in_forward parameters: Fluentd's (spec protocols §1.10, §1.11) plus two Tributary bounds
// (`request_timeout`, `max_connections`, `buffered_bytes_limit`) that Fluentd does not have.

import { p } from '../../config/params.js';
import { TLS_VERSION_LIST } from '../../helpers/socket-server.js';

export const MiB = 1024 * 1024;

const userSection = p.section(
  {
    username: p.string({ required: true, desc: 'User name.' }),
    password: p.string({ required: true, secret: true, desc: 'Password.' }),
  },
  { multi: true, desc: 'A user allowed in when user_auth is on.' },
);

const clientSection = p.section(
  {
    host: p.string({ desc: 'Client address or hostname (exclusive with network).' }),
    network: p.string({ desc: 'Client network in CIDR form (exclusive with host).' }),
    shared_key: p.string({ secret: true, desc: "This client's shared key (default: the <security> one)." }),
    users: p.array()({ default: [], desc: 'Users allowed from this client (default: all).' }),
  },
  { multi: true, desc: 'A known client (allow-list with allow_anonymous_source false).' },
);

export const securitySection = p.section(
  {
    self_hostname: p.string({
      required: true,
      desc: 'Hostname sent in PONG (must differ from the client’s).',
    }),
    shared_key: p.string({ required: true, secret: true, desc: 'Shared key for the handshake digest.' }),
    user_auth: p.bool({ default: false, desc: 'Require a <user> name and password.' }),
    allow_anonymous_source: p.bool({ default: true, desc: 'Accept clients that match no <client>.' }),
    user: userSection,
    client: clientSection,
  },
  { desc: 'Handshake (HELO/PING/PONG) with shared key and optional user auth.' },
);

export const transportSection = p.section(
  {
    linger_timeout: p.integer({ default: 0, desc: 'Accepted for compatibility (connections end with FIN).' }),
    receive_buffer_size: p.size({ desc: 'Accepted for compatibility.' }),
    version: p.enum(TLS_VERSION_LIST)({
      default: 'TLSv1_2',
      desc: 'Minimum TLS version (when min_version/max_version are not set).',
    }),
    min_version: p.enum(TLS_VERSION_LIST)({
      desc: 'Lowest TLS version.',
    }),
    max_version: p.enum(TLS_VERSION_LIST)({
      desc: 'Highest TLS version.',
    }),
    ciphers: p.string({ default: 'ALL:!aNULL:!eNULL:!SSLv2', desc: 'OpenSSL cipher list.' }),
    insecure: p.bool({
      default: false,
      desc: 'Self-signed certificate generation is not supported: give cert_path.',
    }),
    cert_path: p.string({ desc: 'Server certificate (PEM, may include the chain).' }),
    private_key_path: p.string({ desc: 'Server private key (PEM).' }),
    private_key_passphrase: p.string({ secret: true, desc: 'Passphrase of the private key.' }),
    ca_path: p.string({ desc: 'CA certificates (PEM) used to verify client certificates.' }),
    client_cert_auth: p.bool({ default: false, desc: 'Require a client certificate signed by ca_path.' }),
    ca_cert_path: p.string({ desc: 'Not supported (certificate generation): give cert_path.' }),
    ca_private_key_path: p.string({ desc: 'Not supported (certificate generation).' }),
    cert_verifier: p.string({ desc: 'Not supported.' }),
    ensure_fips: p.bool({ default: false, desc: 'Accepted for compatibility.' }),
  },
  { desc: '<transport tcp> or <transport tls>.' },
);

export const params = {
  port: p.integer({ default: 24224, desc: 'TCP port (and the UDP heartbeat port).' }),
  bind: p.string({ default: '0.0.0.0', desc: 'Address to listen on.' }),
  tag: p.string({ desc: 'Replace the tag of every incoming event.' }),
  add_tag_prefix: p.string({ desc: 'Emit with `<prefix>.<incoming tag>`.' }),
  linger_timeout: p.integer({ default: 0, desc: 'Deprecated in Fluentd; accepted and ignored.' }),
  resolve_hostname: p.bool({ desc: 'Reverse-resolve peers (default on when source_hostname_key is set).' }),
  deny_keepalive: p.bool({ default: false, desc: 'Close each connection after its first request.' }),
  send_keepalive_packet: p.bool({ default: false, desc: 'Enable TCP keepalive probes on accepted sockets.' }),
  chunk_size_warn_limit: p.size({ desc: 'Warn when a request is larger than this.' }),
  chunk_size_limit: p.size({
    desc: 'Drop a request larger than this (no ack); a connection whose pending request passes it is closed.',
  }),
  decompression_size_limit: p.size({ default: 256 * MiB, desc: 'Cap on the gunzipped size of one request.' }),
  skip_invalid_event: p.bool({
    default: true,
    desc: 'Drop events with an invalid time or record (with a warning).',
  }),
  source_address_key: p.string({ desc: 'Add the peer IP address under this key.' }),
  source_hostname_key: p.string({ desc: 'Add the peer hostname under this key.' }),
  backlog: p.integer({ desc: 'Listen backlog.' }),
  blocking_timeout: p.time({ default: 0.5, desc: 'Accepted for compatibility.' }),
  request_timeout: p.time({
    default: 60,
    desc: 'Tributary: close a connection whose started request (or handshake) is not complete within this.',
  }),
  buffered_bytes_limit: p.size({
    default: 512 * MiB,
    desc: 'Tributary: budget for partial requests across all connections; past it only the largest keeps reading.',
  }),
  max_connections: p.integer({
    default: 10000,
    desc: 'Tributary: connections beyond this are closed on accept (counted and logged).',
  }),
  security: securitySection,
  transport: transportSection,
} as const;
