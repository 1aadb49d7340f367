// The main() of every grader: Catch2's session between start_run() (fresh notes) and
// finish_run() (a skip is never a pass: exit code 4 when tests could not run and none failed).
#if COURSE_CATCH_VERSION == 2
#define CATCH_CONFIG_RUNNER  // Catch2 2 is header-only: its implementation is compiled here
#endif
#include "grading.hpp"

#if COURSE_CATCH_VERSION == 3
#include <catch2/catch_session.hpp>
#endif

int main(int argc, char* argv[]) {
  course::grading::start_run();
  Catch::Session session;
  const int status = session.run(argc, argv);
  return course::grading::finish_run(status);
}
