/** A failure in words with what to do, the raw message kept for whoever debugs it. */
import type { ApiError } from './api-types.js';
import { errorSentence } from './error-sentences.js';

export function FailureNote(props: { failure: ApiError }) {
  return (
    <p className="failure" role="alert" title={`${props.failure.code}: ${props.failure.message}`}>
      {errorSentence(props.failure.code, props.failure.message, props.failure.details)}
    </p>
  );
}
