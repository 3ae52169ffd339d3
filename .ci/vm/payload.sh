# shellcheck shell=bash
# The payload a VM lane runs: the project's compiled classes and jars, their dependency jars
# and the JUnit console launcher, all gathered by Maven (never fetched by hand). Sourced.

# The JUnit Platform version that matches the project's JUnit (junit.version 5.X.Y is the
# platform's 1.X.Y).
vm_junit_platform_version() { # REPO_ROOT
    local jupiter
    jupiter="$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' "$1/pom.xml")"
    [[ "$jupiter" == 5.* ]] || vm_die "pom.xml's junit.version '$jupiter' is not JUnit 5"
    echo "1.${jupiter#5.}"
}

# Builds the project's jars (no tests: the host's suite runs them) and copies into DEST:
#   nb/classes nb/test-classes  native-bindings' compiled main and test classes
#   core/src/test/resources/scenarios  core's scenario files, read from the file system
#   lib/*.jar                   their test class path's jars (core and its test-jar, Agrona, JNA)
#   vmarena.jar benchmarks.jar  the shaded CLI and JMH jars
#   junit-console.jar           junit-platform-console-standalone, fetched by Maven
vm_payload() { # REPO_ROOT DEST
    local root="$1" dest="$2" classpath jar platform
    rm -rf "$dest" && mkdir -p "$dest/nb" "$dest/lib"
    dest="$(realpath "$dest")" # Maven resolves relative paths against each module
    platform="$(vm_junit_platform_version "$root")"
    vm_log "building the payload with Maven (package, no tests)"
    (cd "$root" && mvn -B -ntp -q package -DskipTests -pl native-bindings,benchmarks,examples -am) >&2
    # Again for native-bindings alone (up to date, seconds): build-classpath needs the reactor's
    # packaged core test-jar, and with several modules the last one's class path would win.
    (cd "$root" && mvn -B -ntp -q package -DskipTests dependency:build-classpath -Dmdep.includeScope=test \
        -Dmdep.outputFile="$dest/classpath.txt" -pl native-bindings -am) >&2
    (cd "$root" && mvn -B -ntp -q -N dependency:copy -Dmdep.stripVersion=true -DoutputDirectory="$dest" \
        -Dartifact="org.junit.platform:junit-platform-console-standalone:$platform") >&2
    mv "$dest/junit-platform-console-standalone.jar" "$dest/junit-console.jar"
    IFS=: read -r -a classpath <"$dest/classpath.txt" || true # no final newline
    for jar in "${classpath[@]}"; do
        # The console launcher brings the JUnit Platform and Jupiter of the same version.
        case "$jar" in */org/junit/* | */opentest4j/* | */apiguardian/*) continue ;; esac
        cp "$jar" "$dest/lib/"
    done
    cp -r "$root/native-bindings/target/classes" "$root/native-bindings/target/test-classes" "$dest/nb/"
    # The scenario tests find core's scenario files from the module's directory
    # (../core/src/test/resources/scenarios): the guest runs the tests in nb/.
    mkdir -p "$dest/core/src/test/resources"
    cp -r "$root/core/src/test/resources/scenarios" "$dest/core/src/test/resources/"
    cp "$root/examples/target/vmarena.jar" "$root/benchmarks/target/benchmarks.jar" "$dest/"
    rm "$dest/classpath.txt"
}
