// in_http's parameters (spec plugins §3.2).

import { p } from '../../config/params.js';

export const params = {
  port: p.integer({ default: 9880, desc: 'Port to listen on.' }),
  bind: p.string({ default: '0.0.0.0', desc: 'Address to listen on.' }),
  body_size_limit: p.size({ default: 32 * 1024 * 1024, desc: 'Largest accepted request body (413 above).' }),
  decompression_size_limit: p.size({
    default: 256 * 1024 * 1024,
    desc: 'Largest decompressed gzip/deflate body (413 above).',
  }),
  keepalive_timeout: p.time({ default: 10, desc: 'Idle keep-alive connections are closed after this.' }),
  backlog: p.integer({ desc: 'Listen backlog.' }),
  blocking_timeout: p.time({ default: 0.5, desc: 'Accepted for compatibility.' }),
  add_http_headers: p.bool({
    default: false,
    desc: 'Add every request header as HTTP_<NAME> to each record.',
  }),
  add_remote_addr: p.bool({
    default: false,
    desc: 'Add REMOTE_ADDR (X-Forwarded-For first entry, else peer IP).',
  }),
  add_query_params: p.bool({ default: false, desc: 'Add query parameters as QUERY_<NAME> to each record.' }),
  add_tag_prefix: p.string({ desc: 'Prefix added to the tag (`prefix.tag`).' }),
  cors_allow_origins: p.array()({ desc: 'Allowed CORS origins (`*`, or entries with one `*` wildcard).' }),
  cors_allow_credentials: p.bool({ default: false, desc: 'Send Access-Control-Allow-Credentials: true.' }),
  respond_with_empty_img: p.bool({ default: false, desc: 'Answer 200 with a 1x1 GIF.' }),
  use_204_response: p.bool({ default: false, desc: 'Answer 204 No Content instead of 200.' }),
  dump_error_log: p.bool({ default: true, desc: 'Log the cause of 400/5xx answers (rate-limited).' }),
} as const;
