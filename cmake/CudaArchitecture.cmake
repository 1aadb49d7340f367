# Chooses CMAKE_CUDA_ARCHITECTURES before project() enables CUDA.
#
# Precedence: -DCMAKE_CUDA_ARCHITECTURES=... or $CUDAARCHS (the user's choice always wins), then the
# local GPU's compute capability as nvidia-smi reports it, then a fixed default. "native" is not
# used: CMake 3.25 fails at generate time with it on a machine without a GPU.
if(DEFINED CMAKE_CUDA_ARCHITECTURES OR DEFINED ENV{CUDAARCHS})
  return()
endif()

set(_course_default_arch "75")  # sm_75 machine code plus PTX, which the driver JIT-compiles for newer GPUs
set(_course_arch "")
find_program(COURSE_NVIDIA_SMI nvidia-smi)
if(COURSE_NVIDIA_SMI)
  execute_process(
    COMMAND "${COURSE_NVIDIA_SMI}" --query-gpu=compute_cap --format=csv,noheader
    OUTPUT_VARIABLE _course_caps
    RESULT_VARIABLE _course_smi_status
    ERROR_QUIET
    TIMEOUT 20)
  if(_course_smi_status EQUAL 0)
    string(REGEX MATCH "([0-9]+)\\.([0-9]+)" _course_cap "${_course_caps}")
    if(_course_cap)
      set(_course_arch "${CMAKE_MATCH_1}${CMAKE_MATCH_2}")
    endif()
  endif()
endif()

if(_course_arch)
  message(STATUS "CUDA architecture: ${_course_arch} (the local GPU)")
else()
  set(_course_arch "${_course_default_arch}")
  message(STATUS "CUDA architecture: ${_course_arch} (no GPU visible; default, runs on any GPU of cc >= 7.5)")
endif()
set(CMAKE_CUDA_ARCHITECTURES "${_course_arch}" CACHE STRING "CUDA architectures to build for")
