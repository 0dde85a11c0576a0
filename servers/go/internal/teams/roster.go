// Package teams is the Teams service exactly as python_server/teams_server answers it: the
// tutorial's ten teams, "not a member" for any other city, INVALID_ARGUMENT for an empty one.
package teams

// NotAMember is the tutorial's nickname for a city without a team.
const NotAMember = "not a member"

// roster is the tutorial's ten teams, in the tutorial's order (ListTeams streams this order).
var roster = []struct{ city, nickname string }{
	{"Chicago", "Jackals"},
	{"Detroit", "Wheels"},
	{"Minneapolis", "Nordics"},
	{"New York", "Metros"},
	{"Arizona", "Roadrunners"},
	{"San Francisco", "Stingers"},
	{"Seattle", "Orcas"},
	{"Los Angeles", "Pumas"},
	{"Philadelphia", "Foxes"},
	{"Boston", "Revolutionaries"},
}

// lookup returns the nickname of the team in city and whether it is a member.
func lookup(city string) (string, bool) {
	for _, t := range roster {
		if t.city == city {
			return t.nickname, true
		}
	}
	return NotAMember, false
}
