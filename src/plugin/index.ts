// The public API for plugins loaded with `td-agent -p DIR` (import from 'tributary/plugin'):
// the base classes, typed parameter declarations, the event batch, and the error classes.

export type { Chunk } from '../buffer/chunk.js';
export type { InferConfig } from '../config/params.js';
export { p } from '../config/params.js';
export { ConfigError, UnrecoverableError } from '../core/errors.js';
export type { Rec } from '../core/event-stream.js';
export { EventStream } from '../core/event-stream.js';
export { EventTime } from '../core/event-time.js';
export { Filter, Input, Output } from './base.js';
export { BufferedOutput } from './buffered-output.js';
