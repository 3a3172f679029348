/**
 * @latch/server — the Latch authentication server, for embedding and tests.
 */
export { startServer, createServices } from './server.js';
export type { RunningServer, Services } from './server.js';
export { createApp } from './app.js';
export { resolveConfig, loadEnv, ConfigError } from './config.js';
export type { Config } from './config.js';
export { runCli } from './cli.js';
