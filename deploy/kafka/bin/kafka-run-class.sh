#!/usr/bin/env bash
# The part of Kafka's script of this name that the image uses: one JVM on the jars.
heap=${KAFKA_HEAP_OPTS:-}
log4j=${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=/opt/kafka/config/tools-log4j2.yaml}
# shellcheck disable=SC2086  # the *_OPTS variables are lists of JVM options
exec java $heap ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20} \
    -Djava.awt.headless=true $log4j ${KAFKA_OPTS:-} -cp '/opt/kafka/libs/*' "$@"
