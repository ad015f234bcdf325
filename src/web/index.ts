/** The web API of `lanspread serve` (docs/api.md): HTTP routes, the event WebSocket, the built UI. */
export { startWebServer, type WebServer, type WebServerOptions } from './web-server.js';
export { readSettings, type Settings } from './settings.js';
