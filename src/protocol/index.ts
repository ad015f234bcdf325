/** The wire protocol: message types, the frame codec and its limits. */
export {
  encodeControlFrame,
  encodeDataFrameHeader,
  FrameDecoder,
  FRAME_HEADER_BYTES,
  MAX_CONTROL_PAYLOAD,
  MAX_DATA_PAYLOAD,
  type DecodedFrame,
} from './frame-codec.js';
export {
  MAX_LIBRARY_GAMES,
  PROTOCOL_VERSION,
  type Hello,
  type LibraryDelta,
  type WireGame,
  type WireMessage,
} from './messages.js';
