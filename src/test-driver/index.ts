// Test drivers for plugins (DESIGN.md §9). A formatter driver comes with the formatter base
// class.

export type { DriverOptions, EventsInput, RunOptions } from './base.js';
export { driverElement, TestDriver, toStream } from './base.js';
export type { CapturedError, CapturedEvent } from './capture.js';
export { CaptureStore, CapturingEmitter } from './capture.js';
export { FilterTestDriver } from './filter.js';
export { InputTestDriver } from './input.js';
export { OutputTestDriver } from './output.js';
export type { ParsedResult } from './parser.js';
export { ParserTestDriver } from './parser.js';
