# `ctest` typed at the repository root (for example `ctest -L chapter3`, as the lessons show)
# runs the student build's tests: this file hands CTest over to build/student. Before that build
# exists, every chapter label gets one failing test that says what to run first, so `ctest -L
# chapter3` here never reports "No tests were found" with exit status 0.
# CTest reads this file itself (it is not part of the CMake project); paths are relative to the
# folder CTest runs in, which is this one.
if(EXISTS "build/student/CTestTestfile.cmake")
  subdirs("build/student")
else()
  set(course_first_step "NOT GRADED: the student build (build/student) does not exist yet. First \
run ./course grade (it configures, builds and grades) or cmake --preset student, then run ctest \
again, here or in build/student.")
  message("${course_first_step}")
  file(GLOB course_declarations "tests/chapter*/exercises.txt")
  foreach(declaration IN LISTS course_declarations)
    string(REGEX MATCH "chapter([0-9]+)/" matched "${declaration}")
    set(course_test "chapter${CMAKE_MATCH_1}.no-student-build:run-cmake--preset-student-first")
    add_test(${course_test} sh -c "echo '${course_first_step}'; exit 1")
    set_tests_properties(${course_test} PROPERTIES LABELS "chapter${CMAKE_MATCH_1}")
  endforeach()
endif()
