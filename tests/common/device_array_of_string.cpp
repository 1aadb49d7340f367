// Must NOT compile: common-compile-errors (tests/common/CMakeLists.txt) checks that the
// compiler rejects it with the library's own explanation, not pages of template errors.
#include <string>

#include "course/memory.hpp"

void device_array_of_string() {
  course::DeviceArray<std::string> strings;
  course::PinnedArray<std::string> pinned;
  course::ManagedArray<std::string> managed;
}
