# test_helpers.sh - what the shell tests share (sourced, not run): expect, which runs a
# command and checks its exit code and that its output holds a pattern, and `failed`,
# which a test exits with.
failed=0
expect() { # want_rc, pattern (grep), what, command...
  local want=$1 needle=$2 what=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" -ne "$want" ] || ! grep -q -- "$needle" <<<"$out"; then
    echo "FAIL $what: exit $rc (want $want), output lacks '$needle':"; tail -6 <<<"$out"; failed=1
  else
    echo "ok   $what: exit $rc"
  fi
}
