// Live mode (issue 10): watch sources and headers, reload on save while the
// program runs, publish with every program thread stopped, roll back a
// reload whose new code crashes. See docs/ARCHITECTURE.md "Live mode".
export { watch, formatReload } from './watch.js';
export type { WatchOptions, WatchHandle } from './watch.js';
export { LiveProgram } from './program.js';
export type { PublishStats } from './program.js';
