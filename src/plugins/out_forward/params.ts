// out_forward parameters (spec protocols §2.1).

import { p } from '../../config/params.js';

export const params = {
  transport: p.enum(['tcp', 'tls'] as const)({ default: 'tcp', desc: 'tcp or tls.' }),
  send_timeout: p.time({ default: 60, desc: 'Timeout for writing a chunk (and the handshake).' }),
  connect_timeout: p.time({ desc: 'Timeout for connecting (default 60 s here; Fluentd: the OS default).' }),
  heartbeat_type: p.enum(['transport', 'tcp', 'udp', 'none'] as const)({
    default: 'transport',
    desc: 'transport (a TCP/TLS connection with the `<security>` handshake; tcp is its deprecated alias), udp or none.',
  }),
  heartbeat_interval: p.time({ default: 1, desc: 'Seconds between heartbeats.' }),
  phi_failure_detector: p.bool({ default: true, desc: 'Use the phi accrual failure detector.' }),
  phi_threshold: p.integer({ default: 16, desc: 'Detach a server when phi exceeds this.' }),
  hard_timeout: p.time({ default: 60, desc: 'Detach a server after this long without a heartbeat.' }),
  recover_wait: p.time({ default: 10, desc: 'Heartbeat time needed before a detached server comes back.' }),
  require_ack_response: p.bool({
    default: false,
    desc: 'Wait for the server ack of each chunk (at-least-once).',
  }),
  ack_response_timeout: p.time({ default: 190, desc: 'How long to wait for an ack (≥ 1).' }),
  read_interval_msec: p.integer({ default: 50, desc: 'Accepted for compatibility.' }),
  read_length: p.size({ default: 512, desc: 'Accepted for compatibility.' }),
  expire_dns_cache: p.time({
    desc: 'Seconds a resolved server address is kept (unset = until the server is detached; 0 = resolve on every connect).',
  }),
  dns_round_robin: p.bool({
    default: false,
    desc: 'Use a random address among those the name resolves to (else the first); not with heartbeat_type udp.',
  }),
  ignore_network_errors_at_startup: p.bool({
    default: false,
    desc: 'A server name that does not resolve at start detaches that server instead of failing the start.',
  }),
  verify_connection_at_startup: p.bool({
    default: false,
    desc: 'Connect (and handshake) to every server at start; fail if one is down.',
  }),
  compress: p.enum(['text', 'gzip'] as const)({
    default: 'text',
    desc: 'Send CompressedPackedForward with gzip.',
  }),
  keepalive: p.bool({
    default: false,
    desc: 'Keep one connection per server for later chunks and transport heartbeats (handshake once); false = a new connection per chunk.',
  }),
  keepalive_timeout: p.time({
    desc: 'With keepalive: replace a connection this long after it was opened (unset = keep it until it fails).',
  }),
  send_keepalive_packet: p.bool({
    default: false,
    desc: 'With keepalive: enable TCP keepalive probes (SO_KEEPALIVE).',
  }),
  tls_version: p.string({ default: 'TLSv1_2', desc: 'Accepted; Node negotiates TLS 1.2 or 1.3.' }),
  tls_ciphers: p.string({ desc: 'Accepted for compatibility.' }),
  tls_insecure_mode: p.bool({ default: false, desc: 'Skip certificate and hostname verification.' }),
  tls_allow_self_signed_cert: p.bool({ default: false, desc: 'Accept a self-signed server certificate.' }),
  tls_verify_hostname: p.bool({
    default: true,
    desc: 'Check the certificate name (the <server> name or host).',
  }),
  tls_ca_cert_path: p.array()({ desc: 'CA certificates (PEM) to verify the server.' }),
  tls_cert_path: p.array()({ desc: 'Alias of tls_ca_cert_path in Fluentd.' }),
  tls_client_cert_path: p.string({ desc: 'Client certificate (PEM).' }),
  tls_client_private_key_path: p.string({ desc: 'Client private key (PEM).' }),
  tls_client_private_key_passphrase: p.string({ secret: true, desc: 'Passphrase of the client key.' }),
  security: p.section(
    {
      self_hostname: p.string({ required: true, desc: 'Hostname sent in PING.' }),
      shared_key: p.string({ required: true, secret: true, desc: 'Shared key.' }),
    },
    { desc: 'Handshake with servers that have <security>.' },
  ),
  server: p.section(
    {
      host: p.string({ required: true, desc: 'Server host.' }),
      name: p.string({ desc: 'Name in logs, and the TLS verification name when host is an IP address.' }),
      port: p.integer({ default: 24224, desc: 'Server port.' }),
      shared_key: p.string({ secret: true, desc: 'Overrides <security> shared_key.' }),
      username: p.string({ default: '', desc: 'User for user_auth.' }),
      password: p.string({ default: '', secret: true, desc: 'Password for user_auth.' }),
      standby: p.bool({ default: false, desc: 'Used only while regular servers are down.' }),
      weight: p.integer({ default: 60, desc: 'Load-balancing weight (0 = never used).' }),
    },
    { multi: true, desc: 'A destination server.' },
  ),
} as const;
