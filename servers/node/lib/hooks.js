'use strict';
// Server behaviours only the interop catalogue needs, steered by request metadata, as
// python_server/teams_server/hooks.py implements them (the harness judges every server by the
// same expectations, so even the INVALID_ARGUMENT messages match, Python repr quoting included).
//
// They are installed only by `teams-server-node --test-hooks`, as a grpc-js server interceptor:
// without the flag the server never looks at these keys, and the service stays what production
// runs.
//
// | key                        | effect                                                          |
// | -------------------------- | --------------------------------------------------------------- |
// | x-teams-delay-ms           | wait this long before each response message (once, before the   |
// |                            | response or the status, when the response is not streamed)      |
// | x-teams-delay-from         | ... but only before the responses from this 0-based index on    |
// | x-teams-echo-initial*      | echoed back as initial metadata, sent at once                   |
// | x-teams-echo-trailing*     | echoed back as trailing metadata                                |
// | x-teams-status-code        | after the normal responses, end the call with this code ...     |
// | x-teams-status-message-bin | ... and this UTF-8 message                                      |
// | x-teams-compress-response  | identity only: grpc-js cannot compress responses (README.md)    |
// | x-teams-report-encoding    | trailing x-teams-request-encoding: how the first request        |
// |                            | message arrived on the wire (gzip, deflate or identity)         |

const grpc = require('@grpc/grpc-js');

const DELAY = 'x-teams-delay-ms';
const DELAY_FROM = 'x-teams-delay-from';
const ECHO_INITIAL = 'x-teams-echo-initial';
const ECHO_TRAILING = 'x-teams-echo-trailing';
const STATUS_CODE = 'x-teams-status-code';
const STATUS_MESSAGE = 'x-teams-status-message-bin';
const COMPRESS_RESPONSE = 'x-teams-compress-response';
const REPORT_ENCODING = 'x-teams-report-encoding';
const REQUEST_ENCODING = 'x-teams-request-encoding';

// What the Python server accepts for x-teams-compress-response, and what grpc-js can do of it.
const COMPRESSIONS = ['deflate', 'gzip', 'identity'];
const CANNOT_COMPRESS =
  `${COMPRESS_RESPONSE}: this server cannot compress responses ` +
  '(grpc-js servers never do: grpc/grpc-node#1823)';

/** Python's repr() of a str, as the Python server quotes bad hook values with {value!r}. */
function pyRepr(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const cp = ch.codePointAt(0);
    if (ch === quote || ch === '\\') {
      out += '\\' + ch;
    } else if (ch === '\n') {
      out += '\\n';
    } else if (ch === '\r') {
      out += '\\r';
    } else if (ch === '\t') {
      out += '\\t';
    } else if (ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch)) {
      out += ch; // Python's "printable": neither a separator nor "other" (control, format, ...)
    } else if (cp < 0x100) {
      out += '\\x' + cp.toString(16).padStart(2, '0');
    } else if (cp < 0x10000) {
      out += '\\u' + cp.toString(16).padStart(4, '0');
    } else {
      out += '\\U' + cp.toString(16).padStart(8, '0');
    }
  }
  return out + quote;
}

const PY_INT = /^[+-]?[0-9]+(_[0-9]+)*$/;

/** The value as Python's int() reads it, else 0 with a problem noted. */
function number(text, key, problems) {
  const trimmed = text.trim();
  if (PY_INT.test(trimmed)) {
    return Number.parseInt(trimmed.replaceAll('_', ''), 10);
  }
  problems.push(`${key} must be an integer, got ${pyRepr(text)}`);
  return 0;
}

/** What one call's metadata asks of the server. */
function parse(metadata) {
  // Python's dict(items): the last value of a key wins.
  const last = (key) => {
    const values = metadata.get(key);
    return values.length > 0 ? values[values.length - 1] : undefined;
  };
  const text = (value) => (Buffer.isBuffer(value) ? value.toString('latin1') : value);
  const problems = [];
  const hooks = {
    delayMs: 0,
    delayFrom: 0, // the 0-based index of the first response message the delay precedes
    initial: new grpc.Metadata(),
    trailing: new grpc.Metadata(),
    status: undefined,
    message: '',
    compress: undefined,
    reportEncoding: last(REPORT_ENCODING) !== undefined,
    problems,
  };
  if (last(DELAY) !== undefined) {
    hooks.delayMs = number(text(last(DELAY)), DELAY, problems);
  }
  if (last(DELAY_FROM) !== undefined) {
    hooks.delayFrom = number(text(last(DELAY_FROM)), DELAY_FROM, problems);
    if (hooks.delayFrom < 0) {
      problems.push(`${DELAY_FROM} must not be negative, got ${pyRepr(text(last(DELAY_FROM)))}`);
    }
  }
  const code = last(STATUS_CODE);
  if (code !== undefined) {
    const n = number(text(code), STATUS_CODE, problems);
    if (n >= 1 && n <= 16) {
      hooks.status = n;
    } else {
      problems.push(`${STATUS_CODE} must be a non-zero gRPC status code, got ${pyRepr(text(code))}`);
    }
  }
  const message = last(STATUS_MESSAGE);
  if (message !== undefined) {
    hooks.message = Buffer.from(message).toString('utf8'); // bad bytes become U+FFFD
  }
  const compress = last(COMPRESS_RESPONSE);
  if (compress !== undefined) {
    if (!COMPRESSIONS.includes(text(compress))) {
      const choices = `[${COMPRESSIONS.map((c) => `'${c}'`).join(', ')}]`;
      problems.push(`${COMPRESS_RESPONSE} must be one of ${choices}, got ${pyRepr(text(compress))}`);
    }
    hooks.compress = text(compress);
  }
  for (const key of Object.keys(metadata.getMap())) {
    const target = key.startsWith(ECHO_INITIAL)
      ? hooks.initial
      : key.startsWith(ECHO_TRAILING) ? hooks.trailing : undefined;
    for (const value of target ? metadata.get(key) : []) {
      target.add(key, value);
    }
  }
  return hooks;
}

/**
 * Notes how the call's first request message arrived on the wire: `encoding()` is then 'gzip',
 * 'deflate' or 'identity' (a message sent uncompressed under an announced grpc-encoding is
 * 'identity'), undefined before the first message. grpc-js keeps `grpc-encoding` from the
 * metadata it hands on and decompresses each message in its innermost call object
 * (`decompressMessage(message, encoding)`, with the message's own compressed flag applied): not
 * public API, wrapped on this call's object only, checked against the pinned 1.14.7. Returns
 * undefined when that object is not there, so the hook can refuse rather than guess.
 */
function watchRequestEncoding(call) {
  let inner = call;
  while (inner && typeof inner.decompressMessage !== 'function') {
    inner = inner.nextCall;
  }
  if (!inner) {
    return undefined;
  }
  let first;
  const decompress = inner.decompressMessage;
  inner.decompressMessage = function (message, encoding) {
    first ??= encoding;
    return decompress.call(this, message, encoding);
  };
  return () => first;
}

/**
 * The grpc-js server interceptor. Every outgoing message and the status go through one queue,
 * each after its delay, so they leave in order; a cancelled call (by the client or its deadline,
 * which grpc-js ends itself with DEADLINE_EXCEEDED) sends nothing more.
 */
function interceptor(methodDescriptor, call) {
  const streamed = methodDescriptor.responseStream;
  const requestEncoding = watchRequestEncoding(call); // before any message is read
  let hooks;
  let queue = Promise.resolve();
  let sent = 0; // response messages so far: the index of the next one
  let paused = false; // a response that is not streamed waits once
  let over = false;
  const timers = new Set();

  const pause = (index) =>
    new Promise((resolve) => {
      if (hooks.delayMs <= 0 || index < hooks.delayFrom || over) {
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, hooks.delayMs);
      timers.add(timer);
    });

  const finish = (status) => {
    if (hooks === undefined) {
      return status; // ended before its metadata reached the hooks
    }
    const metadata = status.metadata ? status.metadata.clone() : new grpc.Metadata();
    metadata.merge(hooks.trailing);
    if (hooks.reportEncoding) {
      metadata.set(REQUEST_ENCODING, requestEncoding() ?? 'identity');
    }
    if (hooks.status !== undefined && status.code === grpc.status.OK) {
      return { code: hooks.status, details: hooks.message, metadata };
    }
    return { ...status, metadata };
  };

  const self = new grpc.ServerInterceptingCall(call, {
    start(next) {
      next({
        onReceiveMetadata(metadata, nextMetadata) {
          hooks = parse(metadata);
          if (hooks.problems.length > 0) {
            over = true;
            call.sendStatus({ code: grpc.status.INVALID_ARGUMENT, details: hooks.problems.join('; ') });
            return;
          }
          if (hooks.compress !== undefined && hooks.compress !== 'identity') {
            over = true;
            call.sendStatus({ code: grpc.status.UNIMPLEMENTED, details: CANNOT_COMPRESS });
            return;
          }
          if (hooks.reportEncoding && requestEncoding === undefined) {
            over = true;
            const details = `${REPORT_ENCODING}: this grpc-js does not say how requests arrive`;
            call.sendStatus({ code: grpc.status.INTERNAL, details });
            return;
          }
          if (Object.keys(hooks.initial.getMap()).length > 0) {
            self.sendMetadata(hooks.initial);
          }
          nextMetadata(metadata);
        },
        onCancel() {
          over = true;
          timers.forEach(clearTimeout);
        },
      });
    },
    sendMessage(message, next) {
      if (hooks.delayMs <= 0 && (streamed || hooks.status === undefined)) {
        next(message); // nothing to wait for or withhold: no queue (nothing can be queued before)
        return;
      }
      const index = sent++;
      queue = queue.then(() => pause(index)).then(() => {
        paused = true;
        if (over) {
          return;
        }
        if (!streamed && hooks.status !== undefined) {
          // The forced status replaces the response (grpc-js sends a unary call's status only
          // once its response is out, so it is sent from here, past this interceptor's queue).
          over = true;
          call.sendStatus(finish({ code: grpc.status.OK, details: 'OK', metadata: null }));
          return;
        }
        next(message);
      });
    },
    sendStatus(status, next) {
      queue = queue
        .then(() => (streamed || paused || hooks === undefined ? undefined : pause(0)))
        .then(() => {
          if (!over) {
            over = true;
            next(finish(status));
          }
        });
    },
  });
  return self;
}

module.exports = { interceptor, parse, pyRepr, REQUEST_ENCODING };
