// Why: the tutorial's client (GetTeam for three cities), shared by teams-demo and by
// teams-client run without --contract.
#pragma once

#include <string>

namespace teams {

// Prints `Teams client received: <city> <nickname>` per city; 0 on success, 1 on a failed call.
int RunDemo(const std::string& target);

// $TEAMS_TARGET, else localhost:50051.
std::string DefaultTarget();

}  // namespace teams
