# Fails when a Markdown page has a code span (`...`) in a heading. Doxygen (1.9.4, and still open
# upstream: doxygen/doxygen#7467, #10466) turns such a span into <tt>...</tt> and then escapes it,
# so the heading, the page's table of contents and the sidebar show a literal "<tt>...</tt>".
# Doxygen itself gives no warning, so this check runs before it in the 'docs' target:
#
#   cmake -DPAGES="a.md;b.md" -P CheckHeadings.cmake
#
# Fenced code blocks are skipped: a '# comment' in a shell example is not a heading.

set(problems "")
foreach(page IN LISTS PAGES)
  file(READ "${page}" text)
  # One list element per line; a ';' in the text would otherwise split a line.
  string(REPLACE ";" "<semicolon>" text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  set(in_fence FALSE)
  set(line_number 0)
  foreach(line IN LISTS lines)
    math(EXPR line_number "${line_number} + 1")
    if(line MATCHES "^ *(```|~~~)")
      if(in_fence)
        set(in_fence FALSE)
      else()
        set(in_fence TRUE)
      endif()
    elseif(NOT in_fence AND line MATCHES "^#+ .*`")
      string(APPEND problems "\n  ${page}:${line_number}: ${line}")
    endif()
  endforeach()
endforeach()

if(problems)
  string(REPLACE "<semicolon>" ";" problems "${problems}")
  message(FATAL_ERROR
    "A heading holds a code span (backticks), which Doxygen renders as a literal "
    "'<tt>...</tt>' (doxygen/doxygen#7467). Write the heading without backticks:${problems}")
endif()
