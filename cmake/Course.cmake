# Functions that turn a chapter's file list into exercise libraries, grader executables and CTest
# tests. Every chapter uses the same three calls (see tests/chapter1/CMakeLists.txt):
#
#   course_chapter(NUMBER 1 DIRECTORY 01-vector-add TITLE "..." SOURCES ... GRADERS ...)
#   course_exercise(CHAPTER 1 ID 1.2 TITLE "..." FILE vector_add.cu TESTS correctness speed)
#   course_wrong_variant(CHAPTER 1 NAME no-bounds-check REPLACE vector_add.cu WITH <file>
#                        EXPECT "1.2 correctness <regex>" ...)
#
# Test names are ch<exercise>-<kind> (ch1.2-correctness). Labels: chapter<N>, the kind
# (correctness, speed, cpu), where it runs (gpu or cpu), and for COURSE_SELF_TEST runs 'skeleton' or
# 'wrong'. Tests that need a GPU print "COURSE-SKIP: <reason>" and show as Skipped without one.

set(COURSE_MANIFEST "${PROJECT_BINARY_DIR}/course-manifest.tsv")
set(COURSE_NOTES_DIR "${PROJECT_BINARY_DIR}/course-notes")
file(WRITE "${COURSE_MANIFEST}" "")
file(MAKE_DIRECTORY "${COURSE_NOTES_DIR}")

set(COURSE_CORRECTNESS_TIMEOUT 120 CACHE STRING "Seconds before a correctness grader is stopped (a hanging kernel)")
set(COURSE_SPEED_TIMEOUT 300 CACHE STRING "Seconds before a speed grader is stopped")

# Compile options shared by every exercise library (student, solution and known-wrong ones).
function(_course_exercise_options target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:-lineinfo>   # source lines in compute-sanitizer and ncu reports
    # A skeleton declares its kernel before the student launches it: no "never referenced" noise.
    $<$<COMPILE_LANGUAGE:CUDA>:--diag-suppress=177>
    $<$<COMPILE_LANGUAGE:CXX>:-Wall>)
  target_link_libraries(${target} PUBLIC course::common CUDA::cudart)
endfunction()

# course_exercise_library(<target> SOURCE_DIR <dir> FILES <file>... [REPLACE <file> WITH <path>]
#                         [SOLUTION_OBJECTS <chapter>])
# With SOLUTION_OBJECTS, every file except the replaced one comes from the solution's object
# libraries (compiled once, shared by the solutions library and every known-wrong variant).
function(course_exercise_library target)
  cmake_parse_arguments(ARG "" "SOURCE_DIR;REPLACE;WITH;SOLUTION_OBJECTS" "FILES" ${ARGN})
  set(sources "")
  foreach(file IN LISTS ARG_FILES)
    if(ARG_REPLACE AND file STREQUAL ARG_REPLACE)
      list(APPEND sources "${ARG_WITH}")
    elseif(ARG_SOLUTION_OBJECTS)
      string(MAKE_C_IDENTIFIER "${file}" id)
      list(APPEND sources "$<TARGET_OBJECTS:course_ch${ARG_SOLUTION_OBJECTS}_solution_${id}>")
    else()
      list(APPEND sources "${ARG_SOURCE_DIR}/${file}")
    endif()
  endforeach()
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PUBLIC "${ARG_SOURCE_DIR}")
  _course_exercise_options(${target})
endfunction()

function(_course_grader_executable target chapter exercises)
  add_executable(${target} $<TARGET_OBJECTS:course_ch${chapter}_grader_objects>)
  target_link_libraries(${target} PRIVATE course_grading ${exercises})
endfunction()

# course_chapter(NUMBER <n> DIRECTORY <NN-topic> TITLE <title> SOURCES <files> GRADERS <files>
#                [LIBRARIES <extra link libraries>])
function(course_chapter)
  cmake_parse_arguments(ARG "" "NUMBER;DIRECTORY;TITLE" "SOURCES;GRADERS;LIBRARIES" ${ARGN})
  set(n ${ARG_NUMBER})
  set_property(GLOBAL PROPERTY COURSE_CH${n}_DIRECTORY "${ARG_DIRECTORY}")
  set_property(GLOBAL PROPERTY COURSE_CH${n}_SOURCES "${ARG_SOURCES}")
  set_property(GLOBAL PROPERTY COURSE_CH${n}_LIBRARIES "${ARG_LIBRARIES}")
  file(APPEND "${COURSE_MANIFEST}" "chapter\t${n}\t${ARG_TITLE}\n")

  set(solution_dir "${PROJECT_SOURCE_DIR}/solutions/${ARG_DIRECTORY}")
  if(COURSE_EXERCISES STREQUAL "solutions" OR COURSE_SELF_TEST)
    # Each solution file is compiled once, then shared by the solutions library and every
    # known-wrong variant of this chapter.
    foreach(file IN LISTS ARG_SOURCES)
      string(MAKE_C_IDENTIFIER "${file}" id)
      add_library(course_ch${n}_solution_${id} OBJECT "${solution_dir}/${file}")
      target_include_directories(course_ch${n}_solution_${id} PRIVATE "${solution_dir}")
      _course_exercise_options(course_ch${n}_solution_${id})
      target_link_libraries(course_ch${n}_solution_${id} PUBLIC ${ARG_LIBRARIES})
    endforeach()
  endif()

  # The exercises the graders link: the student's or the solutions.
  if(COURSE_EXERCISES STREQUAL "solutions")
    course_exercise_library(course_ch${n}_exercises SOURCE_DIR "${solution_dir}"
      FILES ${ARG_SOURCES} SOLUTION_OBJECTS ${n})
  else()
    course_exercise_library(course_ch${n}_exercises
      SOURCE_DIR "${PROJECT_SOURCE_DIR}/chapters/${ARG_DIRECTORY}" FILES ${ARG_SOURCES})
  endif()
  target_link_libraries(course_ch${n}_exercises PUBLIC ${ARG_LIBRARIES})

  # Graders are compiled once and linked against each set of exercises.
  add_library(course_ch${n}_grader_objects OBJECT ${ARG_GRADERS})
  target_link_libraries(course_ch${n}_grader_objects PRIVATE course_grading course_ch${n}_exercises)
  _course_grader_executable(course_ch${n}_graders ${n} course_ch${n}_exercises)

  if(COURSE_SELF_TEST)
    course_exercise_library(course_ch${n}_skeleton
      SOURCE_DIR "${PROJECT_SOURCE_DIR}/chapters/${ARG_DIRECTORY}"
      FILES ${ARG_SOURCES})
    target_link_libraries(course_ch${n}_skeleton PUBLIC ${ARG_LIBRARIES})
    _course_grader_executable(course_ch${n}_graders_skeleton ${n} course_ch${n}_skeleton)
  endif()
endfunction()

# _course_add_test(<name> <executable> <filter> <kind> <labels> <serial>): the kind (cpu, gpu,
# correctness, speed) decides where the test runs (label cpu or gpu) and its time limit.
function(_course_add_test name executable filter kind labels serial)
  set(where "gpu")
  if(kind STREQUAL "cpu")
    set(where "cpu")
  endif()
  set(timeout ${COURSE_CORRECTNESS_TIMEOUT})
  if(kind STREQUAL "speed")
    set(timeout ${COURSE_SPEED_TIMEOUT})
  endif()
  list(APPEND labels ${kind} ${where})
  list(REMOVE_DUPLICATES labels)
  add_test(NAME ${name} COMMAND ${executable} "${filter}")
  set_tests_properties(${name} PROPERTIES
    LABELS "${labels}"
    TIMEOUT ${timeout}
    SKIP_REGULAR_EXPRESSION "COURSE-SKIP:"
    ENVIRONMENT "COURSE_NOTE_FILE=${COURSE_NOTES_DIR}/${name}.txt")
  if(serial OR kind STREQUAL "speed")
    # Speed graders, and graders that read device-wide state (free memory), run alone.
    set_tests_properties(${name} PROPERTIES RUN_SERIAL TRUE)
  endif()
endfunction()

# course_exercise(CHAPTER <n> ID <n.m> TITLE <title> FILE <skeleton file> TESTS <kind>...
#                 [OPTIONAL] [SERIAL])
# Kinds: cpu (runs without a GPU), gpu, correctness, speed (the last three need a GPU).
# The grader's test cases carry the tags [<id>][<kind>].
function(course_exercise)
  cmake_parse_arguments(ARG "OPTIONAL;SERIAL" "CHAPTER;ID;TITLE;FILE" "TESTS" ${ARGN})
  set_property(GLOBAL PROPERTY COURSE_EX${ARG_ID}_SERIAL ${ARG_SERIAL})
  set(n ${ARG_CHAPTER})
  get_property(directory GLOBAL PROPERTY COURSE_CH${n}_DIRECTORY)
  set(optional "required")
  if(ARG_OPTIONAL)
    set(optional "optional")
  endif()
  foreach(kind IN LISTS ARG_TESTS)
    set(name "ch${ARG_ID}-${kind}")
    set(filter "[${ARG_ID}][${kind}]")
    _course_add_test(${name} course_ch${n}_graders "${filter}" ${kind} "chapter${n}"
      "${ARG_SERIAL}")
    file(APPEND "${COURSE_MANIFEST}"
      "test\t${n}\t${name}\t${ARG_ID}\t${ARG_TITLE}\t${kind}\t${optional}\n")

    if(COURSE_SELF_TEST)
      # The untouched skeleton must fail this grader, naming the TODO's file and line.
      string(REPLACE "." "\\." id_regex "${ARG_ID}")
      string(REPLACE "." "\\." file_regex "chapters/${directory}/${ARG_FILE}")
      set(skeleton_name "selftest.skeleton.${name}")
      _course_add_test(${skeleton_name} course_ch${n}_graders_skeleton "${filter}" ${kind}
        "chapter${n};skeleton" "${ARG_SERIAL}")
      set_tests_properties(${skeleton_name} PROPERTIES
        PASS_REGULAR_EXPRESSION "TODO\\(${id_regex}\\) at ${file_regex}:[0-9]+")
    endif()
  endforeach()
endfunction()

# _course_apply_edits(<solution file> <edit file> <output file>)
# Writes the solution with the edit file's find/replace blocks applied:
#   @@@ find
#   <lines of the solution, which must occur exactly once>
#   @@@ replace
#   <what they become>
#   @@@ end
# A find text that no longer occurs exactly once stops the configure step, so a variant can never
# silently drift from the solution it was made from.
function(_course_apply_edits solution edits output)
  file(READ "${solution}" text)
  file(READ "${edits}" script)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${solution}" "${edits}")
  string(FIND "${script}" "@@@ find\n" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${edits}: no '@@@ find' block")
  endif()
  while(NOT at EQUAL -1)
    math(EXPR at "${at} + 9")  # past "@@@ find\n"
    string(SUBSTRING "${script}" ${at} -1 script)
    string(FIND "${script}" "@@@ replace\n" middle)
    string(FIND "${script}" "@@@ end\n" end)
    if(middle EQUAL -1 OR end EQUAL -1 OR end LESS middle)
      message(FATAL_ERROR "${edits}: a block needs '@@@ replace' and then '@@@ end'")
    endif()
    string(SUBSTRING "${script}" 0 ${middle} find)
    math(EXPR start "${middle} + 12")  # past "@@@ replace\n"
    math(EXPR length "${end} - ${start}")
    string(SUBSTRING "${script}" ${start} ${length} replacement)
    string(FIND "${text}" "${find}" first)
    string(FIND "${text}" "${find}" last REVERSE)
    if(first EQUAL -1 OR NOT first EQUAL last)
      message(FATAL_ERROR "${edits}: this text must occur exactly once in ${solution}, "
        "but does not (was the solution changed?):\n${find}")
    endif()
    string(REPLACE "${find}" "${replacement}" text "${text}")
    math(EXPR end "${end} + 8")  # past "@@@ end\n"
    string(SUBSTRING "${script}" ${end} -1 script)
    string(FIND "${script}" "@@@ find\n" at)
  endwhile()
  file(RELATIVE_PATH from_solution "${PROJECT_SOURCE_DIR}" "${solution}")
  file(RELATIVE_PATH from_edits "${PROJECT_SOURCE_DIR}" "${edits}")
  set(text "// GENERATED at configure time: a KNOWN-WRONG VARIANT of ${from_solution},\n// made by the edits in ${from_edits}. Change that file, not this one.\n${text}")
  set(previous "")
  if(EXISTS "${output}")
    file(READ "${output}" previous)
  endif()
  if(NOT previous STREQUAL text)  # unchanged files keep their timestamps: no rebuild
    file(WRITE "${output}" "${text}")
  endif()
endfunction()

# course_wrong_variant(CHAPTER <n> NAME <name> REPLACE <file> WITH <edit file>
#                      EXPECT "<id> <kind> <regex>"...)
# A deliberately wrong version of one exercise file (the solution with the edits of <edit file>
# applied, see _course_apply_edits), built with the solutions' other files. Each
# EXPECT names a grader that must fail on it and a regex its failure message must match, so the
# variant fails for the right reason (a crash or a build mistake does not count).
function(course_wrong_variant)
  if(NOT COURSE_SELF_TEST)
    return()
  endif()
  cmake_parse_arguments(ARG "" "CHAPTER;NAME;REPLACE;WITH" "EXPECT" ${ARGN})
  set(n ${ARG_CHAPTER})
  get_property(directory GLOBAL PROPERTY COURSE_CH${n}_DIRECTORY)
  get_property(sources GLOBAL PROPERTY COURSE_CH${n}_SOURCES)
  get_property(libraries GLOBAL PROPERTY COURSE_CH${n}_LIBRARIES)
  set(target course_ch${n}_wrong_${ARG_NAME})
  string(REPLACE "-" "_" target "${target}")
  set(generated "${CMAKE_CURRENT_BINARY_DIR}/wrong/${ARG_NAME}/${ARG_REPLACE}")
  _course_apply_edits("${PROJECT_SOURCE_DIR}/solutions/${directory}/${ARG_REPLACE}"
    "${CMAKE_CURRENT_SOURCE_DIR}/${ARG_WITH}" "${generated}")
  course_exercise_library(${target}
    SOURCE_DIR "${PROJECT_SOURCE_DIR}/solutions/${directory}"
    FILES ${sources}
    REPLACE ${ARG_REPLACE} WITH "${generated}"
    SOLUTION_OBJECTS ${n})
  target_link_libraries(${target} PUBLIC ${libraries})
  _course_grader_executable(${target}_graders ${n} ${target})
  foreach(expectation IN LISTS ARG_EXPECT)
    string(REGEX MATCH "^([0-9.]+) ([a-z]+) (.+)$" matched "${expectation}")
    if(NOT matched)
      message(FATAL_ERROR "course_wrong_variant(${ARG_NAME}): EXPECT '${expectation}' is not '<id> <kind> <regex>'")
    endif()
    set(id ${CMAKE_MATCH_1})
    set(kind ${CMAKE_MATCH_2})
    set(regex "${CMAKE_MATCH_3}")
    set(name "selftest.wrong.${ARG_NAME}.ch${id}-${kind}")
    get_property(serial GLOBAL PROPERTY COURSE_EX${id}_SERIAL)
    _course_add_test(${name} ${target}_graders "[${id}][${kind}]" ${kind} "chapter${n};wrong"
      "${serial}")
    set_tests_properties(${name} PROPERTIES PASS_REGULAR_EXPRESSION "${regex}")
  endforeach()
endfunction()
