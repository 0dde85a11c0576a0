// Why: the tutorial's demo client as its own program: `teams-demo [--target HOST:PORT]`.
#include <cstring>
#include <iostream>
#include <string>

#include "demo.h"

int main(int argc, char** argv) {
  std::string target = teams::DefaultTarget();
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--target") == 0 && i + 1 < argc) {
      target = argv[++i];
    } else {
      std::cerr << "usage: teams-demo [--target HOST:PORT]\n";
      return 2;
    }
  }
  return teams::RunDemo(target);
}
