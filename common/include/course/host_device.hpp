/// @file host_device.hpp
/// @brief Functions compiled for both the CPU and the GPU, and the TODO marker of their skeletons.
///
/// A function marked `__host__ __device__` is compiled twice by nvcc: once for the GPU, where
/// kernels call it, and once for the CPU, where a grader can call it without any GPU at all. The
/// chapters' interface headers declare such functions, but they are also compiled by g++ (the
/// graders are .cpp files), which knows neither qualifier: COURSE_HOST_DEVICE is the qualifiers
/// under nvcc and nothing under any other compiler, so that one declaration serves both.
#pragma once

#include "course/error.hpp"

#if defined(__CUDACC__)
/// `__host__ __device__` under nvcc (callable from kernels and from host code); empty otherwise.
#define COURSE_HOST_DEVICE __host__ __device__
#else
/// `__host__ __device__` under nvcc (callable from kernels and from host code); empty otherwise.
#define COURSE_HOST_DEVICE
#endif

/// COURSE_TODO for a `__host__ __device__` function of a skeleton. nvcc compiles such a function
/// twice, and a GPU cannot throw: in the host copy (the one the CPU graders call) this throws
/// course::NotImplemented naming the file and line, exactly as COURSE_TODO does; in the device
/// copy (__CUDA_ARCH__ is defined only while nvcc compiles for the GPU) it does nothing, and the
/// function goes on to whatever placeholder it returns. Delete the line once the function is done.
#if defined(__CUDA_ARCH__)
#define COURSE_TODO_HOST_DEVICE(exercise, what_to_do) \
  do {                                                \
  } while (false)
#else
/// COURSE_TODO for a `__host__ __device__` function of a skeleton: throws in the host copy, does
/// nothing in the device copy (see above).
#define COURSE_TODO_HOST_DEVICE(exercise, what_to_do) COURSE_TODO(exercise, what_to_do)
#endif
