'use strict';
// The Teams service: what production callers see. Every RPC answers an empty city with
// INVALID_ARGUMENT and the Python server's message, verbatim, since every client in every
// language must get the same status for the same mistake.

const grpc = require('@grpc/grpc-js');
const roster = require('./roster');

const EMPTY_CITY = 'city must not be empty';

function team(city) {
  return { city, nickname: roster.member(city) ?? roster.NOT_A_MEMBER };
}

function emptyCity() {
  return { code: grpc.status.INVALID_ARGUMENT, details: EMPTY_CITY };
}

/** GetTeam, the tutorial's RPC. */
function getTeam(call, callback) {
  if (!call.request.city) {
    callback(emptyCity());
    return;
  }
  callback(null, team(call.request.city));
}

/** ListTeams streams the roster's teams whose city starts with the prefix (case-sensitive). */
function listTeams(call) {
  const prefix = call.request.cityPrefix;
  for (const city of roster.cities()) {
    if (city.startsWith(prefix)) {
      call.write(team(city));
    }
  }
  call.end();
}

/**
 * SummarizeTeams' and GetTeams' shared rule: each request's city goes to onCity in order until the
 * first empty one, which fails the call (fail gets the status) and makes the rest ignored; onEnd
 * runs at half-close only if nothing failed.
 */
function eachCity(call, { onCity, fail, onEnd }) {
  let failed = false;
  call.on('data', (request) => {
    if (failed) {
      return;
    }
    if (!request.city) {
      failed = true;
      fail(emptyCity());
      return;
    }
    onCity(request.city);
  });
  call.on('end', () => {
    if (!failed) {
      onEnd();
    }
  });
}

/** SummarizeTeams counts the cities sent and the members among them once the client half-closes. */
function summarizeTeams(call, callback) {
  const summary = { cities: 0, members: 0, nicknames: [] };
  eachCity(call, {
    onCity(city) {
      summary.cities += 1;
      const nickname = roster.member(city);
      if (nickname !== undefined) {
        summary.members += 1;
        summary.nicknames.push(nickname);
      }
    },
    fail: (status) => callback(status),
    onEnd: () => callback(null, summary),
  });
}

/** GetTeams answers each request as it arrives, in order. */
function getTeams(call) {
  eachCity(call, {
    onCity: (city) => call.write(team(city)),
    fail: (status) => call.emit('error', status),
    onEnd: () => call.end(),
  });
}

const implementation = { getTeam, listTeams, summarizeTeams, getTeams };

module.exports = { EMPTY_CITY, implementation };
