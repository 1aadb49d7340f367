# The course's build logic: a chapter's declaration (tests/chapter<N>/exercises.txt) becomes
# exercise objects, one grader executable per exercise, CTest tests, the self-test of skeletons and
# known-wrong variants, and the chapter's benchmark program. tests/CMakeLists.txt calls
# course_chapter() once per declaration; nothing else is written per chapter (CONTRIBUTING.md).
#
# Names (the course command relies on them):
#   grader executable   graders/grade-<id>            target course_grade_<N>_<M>
#   tests               ch<id>-<kind>                 e.g. ch1.2-correctness
#   self-test           selftest.skeleton.ch<id>-<kind>, selftest.wrong.<variant>.ch<id>-<kind>
#   build fixture       build.ch<id> (student build only: rebuilds the grader before its tests)
# Labels: chapter<N>, the kind (cpu, gpu, correctness, speed), where it runs (cpu or gpu), and
# 'skeleton' or 'wrong' for the self-test. Every grader runs under tools/course_supervise.py,
# which decides the verdict from the record the grader sends after its Catch2 session (see
# _course_supervised). A grader whose test cases could not run (no GPU) and that failed nothing
# is "not graded": Skipped in the project's own suite (exit 4), failed with "NOT GRADED: ..." in
# the student build; never Passed.
#
# Why one executable per exercise: a student's file that does not compile (or does not link)
# then costs only its own exercise (and the exercises that declare `needs:` on it); every other
# exercise is still built and graded.

include("${CMAKE_CURRENT_LIST_DIR}/CourseDeclaration.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/CourseCheck.cmake")

set(COURSE_NOTES_DIR "${PROJECT_BINARY_DIR}/course-notes")
file(MAKE_DIRECTORY "${COURSE_NOTES_DIR}")

# compute-sanitizer over every correctness grader, as CTest tests labelled `sanitizer` (memcheck:
# out-of-bounds and misaligned accesses, leaks; racecheck: shared-memory races). Off by default:
# they take minutes and need a GPU; the GPU machine's full check turns them on
# (docs/results/reproduce.sh, or cmake -DCOURSE_SANITIZER_TESTS=ON, then ctest -L sanitizer).
option(COURSE_SANITIZER_TESTS "Add compute-sanitizer tests (label 'sanitizer') for every correctness grader" OFF)
if(COURSE_SANITIZER_TESTS)
  find_program(COURSE_COMPUTE_SANITIZER compute-sanitizer
    HINTS "${CUDAToolkit_BIN_DIR}" "${CUDAToolkit_BIN_DIR}/../compute-sanitizer")
  if(NOT COURSE_COMPUTE_SANITIZER)
    message(FATAL_ERROR "COURSE_SANITIZER_TESTS=ON, but compute-sanitizer was not found next to "
      "nvcc (${CUDAToolkit_BIN_DIR}) or on PATH")
  endif()
endif()

set(COURSE_CORRECTNESS_TIMEOUT 120 CACHE STRING
  "Seconds before a correctness grader is stopped (a hanging kernel)")
set(COURSE_SPEED_TIMEOUT 300 CACHE STRING "Seconds before a speed grader is stopped")
# CPU graders check formulas and host functions in well under a second each: an endless loop
# there should cost seconds, not the two minutes a GPU grader may need.
set(COURSE_CPU_TIMEOUT 10 CACHE STRING "Seconds before a CPU grader (label cpu) is stopped")
foreach(limit COURSE_CORRECTNESS_TIMEOUT COURSE_SPEED_TIMEOUT COURSE_CPU_TIMEOUT)
  if(NOT "${${limit}}" MATCHES "^[1-9][0-9]*$")
    message(FATAL_ERROR "${limit} must be a whole number of seconds (1 or more), not "
      "'${${limit}}'")
  endif()
endforeach()

# Compile options shared by every exercise object (student, solution and known-wrong ones).
function(_course_exercise_options target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:-lineinfo>  # source lines in compute-sanitizer and ncu reports
    # A skeleton declares its kernel before the student launches it: no "never referenced" noise.
    $<$<COMPILE_LANGUAGE:CUDA>:--diag-suppress=177>
    $<$<COMPILE_LANGUAGE:CXX>:-Wall>)
  target_link_libraries(${target} PUBLIC course::common CUDA::cudart)
endfunction()

# _course_file_objects(<target> <source> <include dir> <libraries>): one exercise file, compiled
# once into an OBJECT library (shared by every executable that needs it).
function(_course_file_objects target source include_dir libraries)
  if(TARGET ${target})
    return()
  endif()
  add_library(${target} OBJECT "${source}")
  target_include_directories(${target} PUBLIC "${include_dir}")
  _course_exercise_options(${target})
  target_link_libraries(${target} PUBLIC ${libraries})
endfunction()

# The C identifier of an exercise id or file name: 1.2 -> 1_2, vector_add.cu -> vector_add_cu.
function(_course_id out text)
  string(MAKE_C_IDENTIFIER "${text}" id)
  string(REGEX REPLACE "^_" "" id "${id}")
  set(${out} "${id}" PARENT_SCOPE)
endfunction()

# The supervisor (tools/course_supervise.py) runs every grader: the verdict comes from a record
# the grader sends it after Catch2's session, never from the exit status alone, so code of an
# exercise file that ends the program early, forges notes or leaves a process behind fails. The
# classroom commands point COURSE_SUPERVISOR at the instructor's own copy (read-only in the
# sandbox), not at the copy of the course that a submission's code can write.
find_package(Python3 3.8 REQUIRED COMPONENTS Interpreter)
set(COURSE_SUPERVISOR "${PROJECT_SOURCE_DIR}/tools/course_supervise.py" CACHE FILEPATH
  "The grader supervisor every grader test runs under")
get_filename_component(_course_tools_dir "${COURSE_SUPERVISOR}" DIRECTORY)
# The object gate (tools/course_inspect.py, loaded by the supervisor from its own folder):
# inspects the student's object files before a grader links them into a run.
# COURSE_OBJECT_GATE=off in the environment of the configure turns it off: only for tests of
# the layers behind it (tools/tests/slurm_e2e.sh proves the sandbox with a submission whose code
# must run to try its writes), never for grading.
if("$ENV{COURSE_OBJECT_GATE}" STREQUAL "off")
  message(WARNING "COURSE_OBJECT_GATE=off: the object gate (tools/course_inspect.py) is off in "
    "this build; its grades do not count")
  set(COURSE_INSPECT OFF)
elseif(NOT "$ENV{COURSE_OBJECT_GATE}" STREQUAL "" AND NOT "$ENV{COURSE_OBJECT_GATE}" STREQUAL "on")
  message(FATAL_ERROR "COURSE_OBJECT_GATE=\"$ENV{COURSE_OBJECT_GATE}\" is not on or off")
elseif(EXISTS "${_course_tools_dir}/course_inspect.py")
  set(COURSE_INSPECT ON)
else()
  set(COURSE_INSPECT OFF)
endif()

# _course_supervised(<out> <test name> <timeout> <executable target> <test args...>): the test's
# COMMAND. In the student build (COURSE_EXERCISES=chapters) a test that could not be graded
# (no GPU) fails, printing "NOT GRADED: <reason>", so CTest never reports 100% passed for
# ungraded work; the project's own suite keeps it as a skip (exit 4, SKIP_RETURN_CODE).
function(_course_supervised out name timeout executable)
  set(command "${Python3_EXECUTABLE}" "${COURSE_SUPERVISOR}" --test "${name}"
    --note-file "${COURSE_NOTES_DIR}/${name}.txt" --timeout ${timeout})
  if(NOT COURSE_EXERCISES STREQUAL "solutions")
    list(APPEND command --not-graded-fails)
  endif()
  if(COURSE_INSPECT AND TARGET ${executable})
    get_target_property(inspect ${executable} COURSE_INSPECT_ARGUMENTS)
    if(inspect)
      list(APPEND command ${inspect})
    endif()
  endif()
  list(APPEND command -- ${ARGN})
  set(${out} "${command}" PARENT_SCOPE)
endfunction()

# _course_test(<name> <executable> <filter> <kind> <labels> <serial>): the kind (cpu, gpu,
# correctness, speed) decides where the test runs (label cpu or gpu) and its time limit, which
# the supervisor enforces (CTest's own limit, a minute later, only catches a stuck supervisor).
function(_course_test name executable filter kind labels serial)
  set(where "gpu")
  if(kind STREQUAL "cpu")
    set(where "cpu")
  endif()
  set(timeout ${COURSE_CORRECTNESS_TIMEOUT})
  if(kind STREQUAL "speed")
    set(timeout ${COURSE_SPEED_TIMEOUT})
  elseif(kind STREQUAL "cpu")
    set(timeout ${COURSE_CPU_TIMEOUT})
  endif()
  list(APPEND labels ${kind} ${where})
  list(REMOVE_DUPLICATES labels)
  _course_supervised(command ${name} ${timeout} ${executable}
    $<TARGET_FILE:${executable}> "${filter}")
  add_test(NAME ${name} COMMAND ${command})
  math(EXPR ctest_timeout "${timeout} + 60")
  # No SKIP_REGULAR_EXPRESSION: the grader's output is the exercise's to print; only the
  # supervisor's exit status says "not graded".
  set_tests_properties(${name} PROPERTIES
    LABELS "${labels}"
    TIMEOUT ${ctest_timeout}
    SKIP_RETURN_CODE 4)
  if(NOT COURSE_EXERCISES STREQUAL "solutions")
    # The student build: the supervisor already fails a test it could not grade; this makes
    # CTest's own line say why ("Error regular expression found in output. Regex=[NOT GRADED: ]")
    # without --output-on-failure.
    set_tests_properties(${name} PROPERTIES FAIL_REGULAR_EXPRESSION "NOT GRADED: ")
  endif()
  if(serial OR kind STREQUAL "speed")
    # Speed graders, and graders that read device-wide state (free memory), run alone.
    set_tests_properties(${name} PROPERTIES RUN_SERIAL TRUE)
  endif()
endfunction()

# The exercise ids whose files exercise <id> links: itself and, transitively, its `needs`.
function(_course_needed_exercises out prefix id)
  set(result "")
  set(queue ${id})
  while(queue)
    list(POP_FRONT queue current)
    if(current IN_LIST result)
      continue()
    endif()
    list(APPEND result ${current})
    _course_id(current_id "${current}")
    list(APPEND queue ${${prefix}_EX_${current_id}_NEEDS})
  endwhile()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

# _course_grader(<target> <output name> <output dir> <declaration prefix> <id> <set>
#                [REPLACE <file> WITH <objects target>])
# The grader executable of one exercise: its grader objects, the chapter's grader support, and
# the objects of its file and of the files it needs, taken from <set> (exercises, skeleton or
# solution), one file optionally replaced by a known-wrong variant.
function(_course_grader target output_name output_dir prefix id set)
  cmake_parse_arguments(ARG "" "REPLACE;WITH" "" ${ARGN})
  set(n ${${prefix}_NUMBER})
  _course_id(exercise_id "${id}")
  _course_needed_exercises(needed ${prefix} ${id})
  set(objects "$<TARGET_OBJECTS:course_ch${n}_${exercise_id}_grader_objects>")
  if(set STREQUAL "solution" AND COURSE_EXERCISES STREQUAL "solutions")
    set(set exercises)  # the solutions build compiles each solution file once
  endif()
  # What the supervisor hands the object gate: each exercise file's objects with the file they
  # come from (as a path from the repository's top where it is one), the chapter's interface
  # header, and what the exercise's declaration forbids (`forbid:`).
  set(inspect --inspect-interface
    "${PROJECT_SOURCE_DIR}/chapters/${${prefix}_DIRECTORY}/chapter${n}.hpp")
  if(DEFINED ${prefix}_EX_${exercise_id}_FORBID AND NOT "${${prefix}_EX_${exercise_id}_FORBID}"
     STREQUAL "")
    string(REPLACE ";" "," forbid "${${prefix}_EX_${exercise_id}_FORBID}")
    list(APPEND inspect --inspect-forbid "${forbid}")
  endif()
  foreach(needed_id IN LISTS needed)
    _course_id(needed_c "${needed_id}")
    set(file "${${prefix}_EX_${needed_c}_FILE}")
    if(ARG_REPLACE AND file STREQUAL ARG_REPLACE)
      set(object_target ${ARG_WITH})
    else()
      _course_id(file_id "${file}")
      set(object_target course_ch${n}_${set}_${file_id})
    endif()
    list(APPEND objects "$<TARGET_OBJECTS:${object_target}>")
    get_target_property(object_sources ${object_target} SOURCES)
    list(GET object_sources 0 object_source)
    file(RELATIVE_PATH relative "${PROJECT_SOURCE_DIR}" "${object_source}")
    if(NOT relative MATCHES "^\\.\\./")
      set(object_source "${relative}")
    endif()
    # One argument per file ($<TARGET_OBJECTS> is a list: CTest keeps it one argument, and the
    # supervisor splits it).
    list(APPEND inspect --inspect-object "$<TARGET_OBJECTS:${object_target}>=${object_source}")
  endforeach()
  add_executable(${target} ${objects})
  set_property(TARGET ${target} PROPERTY COURSE_INSPECT_ARGUMENTS "${inspect}")
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME "${output_name}" RUNTIME_OUTPUT_DIRECTORY "${output_dir}")
  target_link_libraries(${target} PRIVATE
    course_grading course::common CUDA::cudart ${${prefix}_LIBRARIES})
  if(TARGET course_ch${n}_grader_support)
    target_link_libraries(${target} PRIVATE course_ch${n}_grader_support)
  endif()
endfunction()

# course_chapter(<declaration file>): everything of one chapter. See the top of this file.
function(course_chapter declaration)
  course_read_declaration("${declaration}" CH)
  get_filename_component(tests_dir "${declaration}" DIRECTORY)
  set(n ${CH_NUMBER})
  set(student_dir "${PROJECT_SOURCE_DIR}/chapters/${CH_DIRECTORY}")
  set(solution_dir "${PROJECT_SOURCE_DIR}/solutions/${CH_DIRECTORY}")
  course_check_chapter(CH "${tests_dir}")

  # The interface headers the graders compile against: the student's copy (the structure check
  # verifies that solutions/ holds an identical one).
  set(interface_dir "${student_dir}")
  set(libraries ${CH_LIBRARIES})

  # Exercise objects: the set the graders link ("exercises": the student's files, or the
  # solutions), and for the self-test the skeletons and the solutions.
  if(COURSE_EXERCISES STREQUAL "solutions")
    set(exercise_dir "${solution_dir}")
  else()
    set(exercise_dir "${student_dir}")
  endif()
  set(all_exercise_objects "")
  foreach(id IN LISTS CH_EXERCISES)
    _course_id(c "${id}")
    set(file "${CH_EX_${c}_FILE}")
    _course_id(file_id "${file}")
    _course_file_objects(course_ch${n}_exercises_${file_id} "${exercise_dir}/${file}"
      "${exercise_dir}" "${libraries}")
    list(APPEND all_exercise_objects "$<TARGET_OBJECTS:course_ch${n}_exercises_${file_id}>")
    if(COURSE_SELF_TEST)
      _course_file_objects(course_ch${n}_skeleton_${file_id} "${student_dir}/${file}"
        "${student_dir}" "${libraries}")
      if(NOT COURSE_EXERCISES STREQUAL "solutions")
        _course_file_objects(course_ch${n}_solution_${file_id} "${solution_dir}/${file}"
          "${solution_dir}" "${libraries}")
      endif()
    endif()
  endforeach()

  # The whole chapter in one library, for its benchmark program.
  add_library(course_ch${n}_exercises STATIC ${all_exercise_objects})
  target_include_directories(course_ch${n}_exercises PUBLIC "${interface_dir}")
  target_link_libraries(course_ch${n}_exercises PUBLIC course::common CUDA::cudart ${libraries})

  # Grader support shared by several exercises of the chapter. A static library: an executable
  # takes only the objects it references.
  if(CH_SUPPORT)
    list(TRANSFORM CH_SUPPORT PREPEND "${tests_dir}/")
    add_library(course_ch${n}_grader_support STATIC ${CH_SUPPORT})
    target_include_directories(course_ch${n}_grader_support PUBLIC "${tests_dir}")
    target_link_libraries(course_ch${n}_grader_support PUBLIC course_grading_headers ${libraries})
    target_include_directories(course_ch${n}_grader_support PRIVATE "${interface_dir}")
  endif()

  set(grader_dir "${PROJECT_BINARY_DIR}/graders")
  set(selftest_dir "${PROJECT_BINARY_DIR}/selftest")
  foreach(id IN LISTS CH_EXERCISES)
    _course_id(c "${id}")
    set(graders "${CH_EX_${c}_GRADERS}")
    list(TRANSFORM graders PREPEND "${tests_dir}/")
    add_library(course_ch${n}_${c}_grader_objects OBJECT ${graders})
    target_include_directories(course_ch${n}_${c}_grader_objects PRIVATE
      "${interface_dir}" "${tests_dir}")
    target_link_libraries(course_ch${n}_${c}_grader_objects PRIVATE
      course_grading_headers course::common CUDA::cudart ${libraries})

    _course_grader(course_grade_${c} "grade-${id}" "${grader_dir}" CH ${id} exercises)
    if(NOT COURSE_EXERCISES STREQUAL "solutions")
      # The student build: `ctest -L chapter1` rebuilds the grader (and so the student's files)
      # before grading, so a stale program is never graded. One build at a time (a shared lock);
      # ./course grade builds first and leaves these out (ctest -FA .*).
      add_test(NAME build.ch${id} COMMAND "${CMAKE_COMMAND}" --build "${PROJECT_BINARY_DIR}"
        --target course_grade_${c})
      set_tests_properties(build.ch${id} PROPERTIES
        LABELS "chapter${n};build"
        FIXTURES_SETUP build.ch${id}
        RESOURCE_LOCK course-build
        TIMEOUT 1800)
    endif()
    if(COURSE_SELF_TEST)
      _course_grader(course_grade_${c}_skeleton "grade-${id}-skeleton" "${selftest_dir}"
        CH ${id} skeleton)
    endif()

    if(COURSE_SANITIZER_TESTS AND "correctness" IN_LIST CH_EX_${c}_TESTS)
      foreach(tool memcheck racecheck)
        set(name "sanitizer.${tool}.ch${id}")
        _course_supervised(command ${name} 840 course_grade_${c}
          "${COURSE_COMPUTE_SANITIZER}" --tool ${tool} --error-exitcode 99 --print-limit 20
          $<TARGET_FILE:course_grade_${c}> "[${id}][correctness]")
        # Exit 99 is the tool's finding; the grader's own verdict counts too.
        list(INSERT command 2 --exit-meaning
          "99=compute-sanitizer ${tool} reported an error (its report is in the output above)")
        add_test(NAME ${name} COMMAND ${command})
        # COURSE_UNDER_SANITIZER: graders that compare timings note them instead of failing on
        # the tool's slowdown.
        set_tests_properties(${name} PROPERTIES
          LABELS "chapter${n};sanitizer;gpu"
          TIMEOUT 900
          RUN_SERIAL TRUE
          SKIP_RETURN_CODE 4
          ENVIRONMENT "COURSE_UNDER_SANITIZER=1")
      endforeach()
    endif()

    foreach(kind IN LISTS CH_EX_${c}_TESTS)
      set(name "ch${id}-${kind}")
      set(filter "[${id}][${kind}]")
      _course_test(${name} course_grade_${c} "${filter}" ${kind} "chapter${n}"
        "${CH_EX_${c}_SERIAL}")
      if(NOT COURSE_EXERCISES STREQUAL "solutions")
        set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED build.ch${id})
      endif()
      if(COURSE_SELF_TEST)
        # The untouched skeleton must fail this grader, naming the TODO's file and line.
        string(REPLACE "." "\\." id_regex "${id}")
        string(REPLACE "." "\\." file_regex "chapters/${CH_DIRECTORY}/${CH_EX_${c}_FILE}")
        set(skeleton_test "selftest.skeleton.${name}")
        _course_test(${skeleton_test} course_grade_${c}_skeleton "${filter}" ${kind}
          "chapter${n};skeleton" "${CH_EX_${c}_SERIAL}")
        set_tests_properties(${skeleton_test} PROPERTIES
          PASS_REGULAR_EXPRESSION "TODO\\(${id_regex}\\) at ${file_regex}:[0-9]+")
      endif()
    endforeach()
  endforeach()

  if(COURSE_SELF_TEST)
    foreach(variant IN LISTS CH_WRONG_VARIANTS)
      _course_wrong_variant(CH "${tests_dir}" "${variant}")
    endforeach()
  endif()

  # The chapter's benchmark program, when it has one and Google Benchmark was found.
  if(EXISTS "${tests_dir}/benchmark.cu" AND TARGET course_bench_support)
    add_executable(chapter${n}_benchmarks "${tests_dir}/benchmark.cu")
    set_target_properties(chapter${n}_benchmarks PROPERTIES
      RUNTIME_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/benchmarks")
    target_link_libraries(chapter${n}_benchmarks PRIVATE
      course_bench_support course_ch${n}_exercises CCCL::CCCL)
    target_compile_options(chapter${n}_benchmarks PRIVATE
      $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra>)
  endif()
endfunction()

# _course_wrong_variant(<declaration prefix> <tests dir> <variant file>)
# A deliberately wrong version of one exercise file: the solution with the variant's edits
# applied (course_apply_edits), built with the solutions' other files. Each "@@@ expect" line
# names a grader that must fail on it and a regex its output must match, so the variant fails for
# the right reason (a crash or a build mistake does not count).
function(_course_wrong_variant prefix tests_dir variant)
  set(n ${${prefix}_NUMBER})
  get_filename_component(name "${variant}" NAME_WE)
  course_read_wrong_variant("${variant}" WV)
  set(generated "${CMAKE_CURRENT_BINARY_DIR}/wrong/chapter${n}/${name}/${WV_FILE}")
  set(solution_dir "${PROJECT_SOURCE_DIR}/solutions/${${prefix}_DIRECTORY}")
  course_apply_edits("${solution_dir}/${WV_FILE}" "${variant}" "${generated}")
  _course_file_objects(course_ch${n}_wrong_${name} "${generated}" "${solution_dir}"
    "${${prefix}_LIBRARIES}")

  set(built "")
  foreach(expectation IN LISTS WV_EXPECT)
    string(REGEX MATCH "^([0-9]+\\.[0-9]+) ([a-z]+) (.+)$" matched "${expectation}")
    set(id ${CMAKE_MATCH_1})
    set(kind ${CMAKE_MATCH_2})
    set(regex "${CMAKE_MATCH_3}")
    _course_id(c "${id}")
    set(executable course_wrong_${n}_${name}_${c})
    if(NOT id IN_LIST built)
      _course_grader(${executable} "wrong-${name}-${id}" "${PROJECT_BINARY_DIR}/selftest"
        ${prefix} ${id} solution REPLACE "${WV_FILE}" WITH course_ch${n}_wrong_${name})
      list(APPEND built ${id})
    endif()
    string(REPLACE "_" "-" test_name "${name}")
    set(test "selftest.wrong.${test_name}.ch${id}-${kind}")
    _course_test(${test} ${executable} "[${id}][${kind}]" ${kind} "chapter${n};wrong"
      "${${prefix}_EX_${c}_SERIAL}")
    set_tests_properties(${test} PROPERTIES PASS_REGULAR_EXPRESSION "${regex}")
    # A past-2^31 case that does not fit this GPU is a note for a student (the exercise is graded
    # without it) but a skip here: a variant that only that case catches is not graded, not missed.
    set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT "COURSE_LARGE_CASES_REQUIRED=1")
  endforeach()
endfunction()
