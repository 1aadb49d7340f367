// STUB: being written.
#include "chapter2.hpp"
#include "grading.hpp"
