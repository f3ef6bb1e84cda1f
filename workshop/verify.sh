#!/usr/bin/env bash
# Proves the workshop's promises (workshop/README.md, "How the checks are proven"):
#  1. as shipped, every exercise fails its check (0/M solved);
#  2. every reference solution passes (M/M solved);
#  3. undoing one solution (its exercise file copied over it, in a copy of the solutions) fails
#     exactly that exercise and no other.
# Exits 0 only when all three hold.
set -uo pipefail
cd "$(dirname "$0")/.."

failed=0
fail() {
    echo "FAILED: $*"
    failed=1
}
lines() { grep -E '^(✅|❌) ' <<<"$1"; }

output=$(workshop/check.sh exercises)
total=$(lines "$output" | wc -l)
if [[ $total -lt 8 ]]; then
    fail "expected at least 8 exercises, found $total"
fi
if lines "$output" | grep -q '^✅'; then
    fail "an exercise passes as shipped: $(lines "$output" | grep '^✅' | tr '\n' ' ')"
else
    echo "as shipped: all $total exercises fail their checks"
fi

output=$(workshop/check.sh solutions)
if [[ $(tail -n 1 <<<"$output") != "$total/$total exercises solved" ]]; then
    fail "the solutions do not all pass:"$'\n'"$output"
else
    echo "solutions: $total/$total pass"
fi

# Undo one solution at a time, in a copy under target/ (never in workshop/solutions itself).
copy=$PWD/target/workshop-verify
for exercise in workshop/exercises/*.rs; do
    file=$(basename "$exercise")
    number=${file%%_*}
    rm -rf "$copy"
    mkdir -p "$copy"
    cp workshop/solutions/*.rs "$copy/"
    cp "$exercise" "$copy/$file"
    output=$(WORKSHOP_DIR=$copy workshop/check.sh exercises)
    failing=$(lines "$output" | grep '^❌' | cut -d' ' -f2 | tr '\n' ' ')
    if [[ $failing != "$number " ]]; then
        fail "with solution $number undone, the failing exercises are [${failing% }], not [$number]"
    else
        echo "solution $number undone: exactly exercise $number fails"
    fi
done
rm -rf "$copy"
# The copies were checked through the exercises' build; leave it built from the exercises again.
workshop/check.sh exercises >/dev/null

exit "$failed"
