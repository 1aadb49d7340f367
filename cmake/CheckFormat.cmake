# The house style, checked: every C++ and CUDA source of the project formatted as .clang-format
# says (clang-format 14 or newer, --dry-run --Werror). Run by CTest as 'tooling-format' in the
# project's own build:
#   cmake -DCLANG_FORMAT=/usr/bin/clang-format -DROOT=<source dir> -P cmake/CheckFormat.cmake
# Without clang-format it prints the skip marker CTest reads (the check is not run, not passed).
if(NOT CLANG_FORMAT OR NOT EXISTS "${CLANG_FORMAT}")
  message("COURSE-NOT-GRADED: no clang-format on this machine (Debian/Ubuntu: apt install "
    "clang-format); the format check was not run")
  return()
endif()
set(sources "")
foreach(directory chapters solutions common tests benchmarks)
  file(GLOB_RECURSE found "${ROOT}/${directory}/*.cpp" "${ROOT}/${directory}/*.cu"
    "${ROOT}/${directory}/*.hpp" "${ROOT}/${directory}/*.cuh")
  list(APPEND sources ${found})
endforeach()
list(SORT sources)
list(LENGTH sources count)
execute_process(COMMAND "${CLANG_FORMAT}" --dry-run --Werror ${sources}
  WORKING_DIRECTORY "${ROOT}" RESULT_VARIABLE status ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
  string(REGEX MATCHALL "[^\n]*error: code should be clang-formatted[^\n]*" lines "${errors}")
  set(files "")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE ":[0-9]+:[0-9]+: error.*" "" file "${line}")
    list(APPEND files "${file}")
  endforeach()
  list(REMOVE_DUPLICATES files)
  list(JOIN files "\n  " listed)
  message(FATAL_ERROR "Not formatted as .clang-format says (fix: clang-format -i <file>):\n  "
    "${listed}\n${errors}")
endif()
message("${count} sources formatted as .clang-format says")
