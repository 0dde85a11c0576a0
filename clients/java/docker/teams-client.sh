#!/bin/sh
# The image's `teams-client`: the fat jar on a JRE. C1 only and the client's class-data archive
# (made in the image by train-cds.sh): the client lives for seconds, so start-up matters more
# than peak speed. JVM warnings go to stderr: stdout is the contract's.
exec java -XX:TieredStopAtLevel=1 -XX:SharedArchiveFile=/opt/teams-client/teams-client.jsa \
  -Xlog:disable -Xlog:all=warning:stderr -jar /opt/teams-client/teams-client.jar "$@"
