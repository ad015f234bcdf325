/** The web API of `lanspread serve` (docs/api.md): HTTP routes, the event WebSocket, the built UI; the share port. */
export { startWebServer, type WebServer, type WebServerOptions } from './web-server.js';
export { defaultReleaseDir } from './release-files.js';
export { startShareServer, type ShareServer } from './share-server.js';
