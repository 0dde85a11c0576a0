'use strict';
// The hooks' parsing: the expected messages are what python_server/teams_server/hooks.py
// answers for the same metadata, so every server gives every client the same INVALID_ARGUMENT.

const assert = require('node:assert/strict');
const test = require('node:test');
const grpc = require('@grpc/grpc-js');

const { parse, pyRepr } = require('../lib/hooks');

function metadata(...pairs) {
  const md = new grpc.Metadata();
  for (let i = 0; i < pairs.length; i += 2) {
    md.add(pairs[i], pairs[i + 1]);
  }
  return md;
}

test('malformed hook values are named as Python names them', () => {
  const cases = [
    [['x-teams-delay-ms', 'abc'], ["x-teams-delay-ms must be an integer, got 'abc'"]],
    [['x-teams-status-code', '0'], ["x-teams-status-code must be a non-zero gRPC status code, got '0'"]],
    [['x-teams-status-code', '17'], ["x-teams-status-code must be a non-zero gRPC status code, got '17'"]],
    [['x-teams-status-code', "it's"], [
      `x-teams-status-code must be an integer, got "it's"`,
      `x-teams-status-code must be a non-zero gRPC status code, got "it's"`,
    ]],
    [['x-teams-compress-response', 'br'],
      ["x-teams-compress-response must be one of ['deflate', 'gzip', 'identity'], got 'br'"]],
    [['x-teams-delay-from', '-1'], ["x-teams-delay-from must not be negative, got '-1'"]],
    [['x-teams-delay-from', 'x', 'x-teams-delay-ms', 'y'], [
      "x-teams-delay-ms must be an integer, got 'y'",
      "x-teams-delay-from must be an integer, got 'x'",
    ]],
    [['x-teams-delay-ms', ' 1_0 '], []],
  ];
  for (const [pairs, want] of cases) {
    assert.deepEqual(parse(metadata(...pairs)).problems, want, pairs.join(': '));
  }
});

test('the last value of a key wins, echo keys keep every value', () => {
  const hooks = parse(metadata(
    'x-teams-delay-ms', '5', 'x-teams-delay-ms', '10',
    'x-teams-status-code', '9', 'x-teams-status-message-bin', Buffer.from('season \xffover', 'latin1'),
    'x-teams-echo-initial-a', '1', 'x-teams-echo-initial-a', '2',
    'x-teams-echo-trailing-bin', Buffer.from([0, 1]),
  ));
  assert.equal(hooks.delayMs, 10);
  assert.equal(hooks.status, grpc.status.FAILED_PRECONDITION);
  assert.equal(hooks.message, 'season \ufffdover');
  assert.deepEqual(hooks.initial.get('x-teams-echo-initial-a'), ['1', '2']);
  assert.deepEqual(hooks.trailing.get('x-teams-echo-trailing-bin'), [Buffer.from([0, 1])]);
  assert.equal(hooks.reportEncoding, false);
});

test('pyRepr quotes as Python does', () => {
  const cases = [
    ['abc', "'abc'"],
    ["a'b", `"a'b"`],
    [`a'b"c`, `'a\\'b"c'`],
    ['a\tb\x01', "'a\\tb\\x01'"],
    ['back\\slash', "'back\\\\slash'"],
    ['\u00e9\u200b', "'\u00e9\\u200b'"],
  ];
  for (const [input, want] of cases) {
    assert.equal(pyRepr(input), want);
  }
});
