// sql.js ships this build (the WASM inlined as base64) without its own typings; it is the same API.
declare module 'sql.js/dist/sql-wasm-inline.js' {
  import initSqlJs from 'sql.js';
  export default initSqlJs;
}
