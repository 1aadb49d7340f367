/// @file course.hpp
/// @brief The whole common library in one include.
#pragma once

/// @namespace course
/// @brief The common library: device and pinned arrays, streams, events and timers, CUDA error
///        checking, device properties, tolerant comparison and deterministic random data.

#include "course/compare.hpp"
#include "course/device_info.hpp"
#include "course/error.hpp"
#include "course/gpu.hpp"
#include "course/launch.hpp"
#include "course/memory.hpp"
#include "course/random.hpp"
#include "course/stream.hpp"
#include "course/timer.hpp"
