/// @file course.hpp
/// @brief The whole common library in one include.
#pragma once

#include "course/compare.hpp"
#include "course/device_info.hpp"
#include "course/error.hpp"
#include "course/gpu.hpp"
#include "course/memory.hpp"
#include "course/random.hpp"
#include "course/stream.hpp"
#include "course/timer.hpp"
