#!/bin/sh
# The image's `teams-client`: the fat jar on a JRE. C1 only and the class-data archive: the
# client lives for seconds, so start-up matters more than peak speed.
exec java -XX:TieredStopAtLevel=1 -Xshare:auto -jar /opt/teams-client/teams-client.jar "$@"
