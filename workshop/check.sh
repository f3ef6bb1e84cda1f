#!/usr/bin/env bash
# Checks the workshop's exercises in order, rustlings-style (workshop/README.md): one line per
# exercise, the first failure with its hint, and a last line `N/M exercises solved`. Exits 0 only
# when every exercise is solved.
#
#   workshop/check.sh              the learner's files, workshop/exercises/  (make workshop)
#   workshop/check.sh solutions    the reference solutions                  (make workshop-solutions)
#   WORKSHOP_DIR=dir workshop/check.sh   any other set of files (how verify.sh undoes one solution)
set -uo pipefail
cd "$(dirname "$0")/.."

features=()
case "${1:-exercises}" in
    exercises) ;;
    solutions) features=(--features solutions) ;;
    *) echo "usage: $0 [exercises|solutions]" >&2; exit 2 ;;
esac
# The workshop's dev-dependencies repeat hello-api's, so that both resolve shared crates alike and
# one build of hello-api serves both (workshop/Cargo.toml); CI checks the solutions and keeps them equal.
dev_dependencies() { sed -n '/^\[dev-dependencies\]/,/^\[/p' "$1" | grep -E '^[a-z]'; }
if [[ ${1:-} == solutions ]] && ! diff <(dev_dependencies Cargo.toml) <(dev_dependencies workshop/Cargo.toml) >/dev/null; then
    echo "workshop/Cargo.toml: [dev-dependencies] must equal hello-api's (Cargo.toml), or hello-api is built twice" >&2
    exit 1
fi

# The checks compile this checkout's files (.cargo/config.toml); WORKSHOP_DIR names another set of
# exercise files, as an absolute path or relative to the repository.
if [[ -n ${WORKSHOP_DIR:-} ]]; then
    WORKSHOP_EXERCISES=$(cd "$WORKSHOP_DIR" && pwd) || exit 2
    export WORKSHOP_EXERCISES
fi

cargo=(cargo test --locked --quiet --package hello-workshop "${features[@]}")
export RUST_BACKTRACE=0

# Build every check at once, so that they compile in parallel; a check that does not compile
# shows its error below, when it is run on its own.
"${cargo[@]}" --tests --no-run --keep-going >/dev/null 2>&1 || true

# The failure worth reading: the failed tests' panics, or else the compiler's errors. A linker
# error's first note is the whole linker command line (thousands of characters): it is cut to its
# start, so that the linker's own message below it is what one reads.
trim() {
    local failures
    failures=$(sed -n '/^---- /,/^failures:$/p' <<<"$1" | grep -v '^failures:$')
    if [[ -z $failures ]]; then
        failures=$(grep -E -A12 '^error(\[|:)' <<<"$1" | grep -v '^error: test failed')
    fi
    head -n 40 <<<"$failures" | cut -c1-300
}

# The exercise's hint: the `**Hint:**` paragraph of its section in the README.
hint() {
    awk -v section="### $1 " '
        index($0, section) == 1 { inside = 1; next }
        inside && /^### / { exit }
        inside && /^\*\*Hint:\*\*/ { printing = 1; sub(/^\*\*Hint:\*\* */, "") }
        printing && /^$/ { exit }
        printing { print }
    ' workshop/README.md
}

solved=0
total=0
first_failure=""
for check in workshop/tests/ex*.rs; do
    name=$(basename "$check" .rs)
    name=${name#ex}
    number=${name%%_*}
    total=$((total + 1))
    if output=$("${cargo[@]}" --test "ex$name" 2>&1); then
        echo "✅ $number ${name#*_}"
        solved=$((solved + 1))
    else
        echo "❌ $number ${name#*_}"
        if [[ -z $first_failure ]]; then
            first_failure=$number
            first_output=$output
        fi
    fi
done

if [[ -n $first_failure ]]; then
    echo
    echo "── exercise $first_failure: the check says ──"
    trim "$first_output"
    echo
    echo "── hint ──"
    hint "$first_failure"
    echo
    echo "Check it alone: cargo test -p hello-workshop${features[*]:+ ${features[*]}} --test $(basename workshop/tests/ex"$first_failure"_*.rs .rs)"
    echo
fi
echo "$solved/$total exercises solved"
[[ $solved -eq $total ]]
