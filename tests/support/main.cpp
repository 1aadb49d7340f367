// The main() of every grader: Catch2's session, then finish_run(): the verdict record for the
// supervisor (tools/course_supervise.py) and the exit code (a skip is never a pass: 4 when tests
// could not run and none failed).
#if COURSE_CATCH_VERSION == 2
#define CATCH_CONFIG_RUNNER  // Catch2 2 is header-only: its implementation is compiled here
#endif
#include "grading.hpp"

#if COURSE_CATCH_VERSION == 3
#include <catch2/catch_session.hpp>
#endif

int main(int argc, char* argv[]) {
  Catch::Session session;
  const int status = session.run(argc, argv);
  return course::grading::finish_run(status);
}
