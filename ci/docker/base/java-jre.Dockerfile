# Local stand-in for eclipse-temurin:17-jre (Debian's OpenJDK 17 JRE).
ARG BASE=teams-interop/debian:bookworm
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/* \
 && java -version
ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
CMD ["jshell"]
