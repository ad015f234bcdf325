/** The wire protocol: message types, the frame codec and its limits. */
export {
  DATA_FRAME_BYTES,
  encodeControlFrame,
  encodeDataFrameHeader,
  FrameDecoder,
  writeDataFrameHeader,
  FRAME_HEADER_BYTES,
  MAX_CONTROL_PAYLOAD,
  MAX_DATA_PAYLOAD,
  type DecodedFrame,
} from './frame-codec.js';
export {
  MAX_LIBRARY_GAMES,
  MAX_MANIFEST_FILES,
  MAX_PATH_LENGTH,
  PROTOCOL_VERSION,
  type GetChunk,
  type GetManifest,
  type GetStream,
  type Hello,
  type LibraryDelta,
  type Manifest,
  type StreamEntry,
  type StreamPlan,
  type WireGame,
  type WireMessage,
} from './messages.js';
