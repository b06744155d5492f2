#!/usr/bin/env bash
# The self-test of .ci/long-functions (ctest ci.long_functions): on a
# synthetic tree it must report a 71-line function and not a 70-line one,
# fail on a long function missing from the list, pass when it is listed,
# fail on a list entry that names no long function, and skip tests. The
# synthetic file also holds what could fool a brace counter: braces in
# strings, raw strings, characters and comments, digit separators, a
# lambda, a constructor's brace initializers and an in-class definition.
set -euo pipefail
check=$(cd "$(dirname "$0")" && pwd)/long-functions
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/engine" "$root/sim/world"

# body N: N lines of statements, so that with its two brace lines a function
# is N + 2 lines long.
body() {
  for ((k = 0; k < $1; k++)); do echo "  x += $k;  // } not a brace"; done
}
{
  echo 'namespace demo {'
  echo 'const char* kOpen = "{{{";'
  echo 'const char* kRaw = R"js(function f() { {)js";'
  echo "const char kBrace = '{';"
  echo 'int Long71(int x) {'
  body 68
  echo '  return x;'
  echo '}'
  echo '/* int NotCode() {'
  body 80
  echo '} */'
  echo 'int Exactly70(int x) {'
  echo "  auto f = [](int y) { return y + 60'000; };"
  body 66
  echo '  return f(x);'
  echo '}'
  echo 'class Widget {'
  echo ' public:'
  echo '  Widget(int n) : n_{n}, v_{n, 2} {'
  echo '    int x = 0;'
  body 68
  echo '  }'
  echo '  int Draw() const {'
  echo '    int x = 0;'
  body 67
  echo '    return x;'
  echo '  }'
  echo ' private:'
  echo '  int n_;'
  echo '  int v_[2];'
  echo '};'
  echo '}  // namespace demo'
} >"$root/engine/long.cc"
{
  echo 'void LongTest() {'
  body 100
  echo '}'
} | tee "$root/sim/world/long_test.cc" >"$root/engine/test_long.h"

fail() {
  echo "FAIL: $*"
  echo "--- output:"
  cat "$root/out"
  exit 1
}
run() {  # run ALLOW_TEXT: runs the check with that list; sets $status
  printf '%b' "$1" >"$root/allow"
  status=0
  "$check" --root "$root" --allow "$root/allow" >"$root/out" 2>&1 || status=$?
}
has() { grep -qF -- "$1" "$root/out"; }

run ''
((status == 1)) || fail "an unlisted 71-line function must fail the check (status $status)"
has 'engine/long.cc:5: Long71 (71 lines)  NEW' || fail "Long71 (71 lines) not reported at line 5"
has 'Widget::Widget (71 lines)  NEW' || fail "the constructor (71 lines) not reported"
has 'Widget::Draw (71 lines)  NEW' || fail "the in-class member (71 lines) not reported"
has 'Exactly70' && fail "a 70-line function was reported"
has 'NotCode' && fail "a function in a comment was reported"
has 'LongTest' && fail "a test file was scanned"
has '3 functions over 70 lines' || fail "expected exactly 3 long functions"

run 'engine/long.cc:Long71\n# a comment\nengine/long.cc:Widget::Widget\nengine/long.cc:Widget::Draw\n'
((status == 0)) || fail "listed long functions must pass (status $status)"
has 'Long71 (71 lines)  (listed, to split)' || fail "a listed function is not printed"

run 'engine/long.cc:Long71\nengine/long.cc:Widget::Widget\nengine/long.cc:Widget::Draw\nengine/long.cc:Exactly70\n'
((status == 1)) || fail "an entry naming no long function must fail the check (status $status)"
has 'engine/long.cc:Exactly70 is no longer over 70 lines (or gone): remove it from' ||
  fail "the stale entry is not named with the fix"

echo "long-functions self-test: ok"
