// `tributary/logger`: a forward-protocol client for Node/TypeScript (and plain JavaScript) apps.
// See logger.ts for the delivery contract.

export { EventTime } from '../core/event-time.js';
export { type DropInfo, FluentLogger, type FluentLoggerOptions, type LoggerStats } from './logger.js';
export type { SecurityOptions, TimeInput } from './wire.js';
