#!/usr/bin/env bats
# ctest runs the unit test binary as root; nook is a rootless engine, so the
# same binary also runs here as the unprivileged test user, inside the file's
# delegated cgroup when there is one (the CgroupReal tests need exactly that).

load helpers

@test "the unit tests pass as the unprivileged test user" {
  run "$NOOK_BUILD_DIR/tests/nook-unit-tests" --gtest_brief=1
  assert_success
  assert_output --partial "[  PASSED  ]"
}

@test "with a delegated cgroup2 subtree the real-cgroup unit tests run, not skip" {
  skip_without_cgroup2
  run "$NOOK_BUILD_DIR/tests/nook-unit-tests" --gtest_filter='CgroupReal*'
  assert_success
  assert_output --regexp '\[  PASSED  \] [1-9][0-9]* test'
  refute_output --partial "[  SKIPPED ]"
}
