# Local stand-in for maven:3.9-eclipse-temurin-17 (Debian's OpenJDK 17 JDK + Maven 3.8).
ARG BASE=teams-interop/debian:bookworm
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jdk-headless maven \
 && rm -rf /var/lib/apt/lists/* \
 && java -version && mvn -v
# same layout as the official image: JAVA_HOME set, Maven's repository under /root/.m2
ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 \
    MAVEN_HOME=/usr/share/maven
CMD ["jshell"]
