'use strict';
// The tutorial's ten teams, in the tutorial's order (ListTeams streams this order), exactly as
// python_server/teams_server/roster.py has them. The harness keeps its own copy as its oracle.

const NOT_A_MEMBER = 'not a member';

const ROSTER = Object.freeze([
  ['Chicago', 'Jackals'],
  ['Detroit', 'Wheels'],
  ['Minneapolis', 'Nordics'],
  ['New York', 'Metros'],
  ['Arizona', 'Roadrunners'],
  ['San Francisco', 'Stingers'],
  ['Seattle', 'Orcas'],
  ['Los Angeles', 'Pumas'],
  ['Philadelphia', 'Foxes'],
  ['Boston', 'Revolutionaries'],
]);

const NICKNAMES = new Map(ROSTER);

/** The nickname of the team in `city`, or undefined when the city has none. */
function member(city) {
  return NICKNAMES.get(city);
}

/** The roster's cities, in order. */
function cities() {
  return ROSTER.map(([city]) => city);
}

module.exports = { NOT_A_MEMBER, member, cities };
