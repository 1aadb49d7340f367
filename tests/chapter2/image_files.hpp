// Pictures for people: the graders of 2.2 and 2.3 save the images your kernels made (and the
// reference's), so that you can look at them. Header-only, binary PGM (gray, P5) and PPM (RGB, P6),
// formats that most image viewers open (GIMP, ImageMagick's `display`, feh, eog, VS Code with an
// image extension) and that `convert x.pgm x.png` turns into PNG.
//
// Where: $COURSE_IMAGE_DIR when set, otherwise images/ under the current directory (CTest runs the
// graders in build/<preset>/tests, so build/student/tests/images). Each file name starts with the
// grader's program name (grade-2.2, grade-2.3, or a self-test variant's), so that programs never
// overwrite each other's pictures.
//
// Saving a picture never fails a grader: every error is swallowed (the function returns false),
// and the pictures are small (640 x 480).
#pragma once

#include <unistd.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <system_error>

namespace chapter2_grading {

/// The directory pictures go to: $COURSE_IMAGE_DIR, or ./images.
inline std::filesystem::path image_directory() {
  const char* from_environment = std::getenv("COURSE_IMAGE_DIR");
  if (from_environment != nullptr && *from_environment != '\0')
    return from_environment;
  return std::filesystem::path("images");
}

/// The running program's file name (Linux), "grader" where it cannot be read.
inline std::string program_name() {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error || self.filename().empty())
    return "grader";
  return self.filename().string();
}

/// Writes `pixels` (width x height, `channels` bytes per pixel: 1 for a PGM, 3 for a PPM) to
/// <image_directory()>/<program name>-<name>.pgm or .ppm, through a temporary file renamed into
/// place, so that a viewer never sees half a file. Returns whether it worked; never throws.
inline bool save_picture(const std::string& name, int width, int height, int channels,
                         const std::uint8_t* pixels) noexcept {
  try {
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3) || pixels == nullptr)
      return false;
    std::error_code error;
    const std::filesystem::path directory = image_directory();
    std::filesystem::create_directories(directory, error);
    if (error)
      return false;
    const std::string file_name = program_name() + "-" + name + (channels == 1 ? ".pgm" : ".ppm");
    const std::filesystem::path path = directory / file_name;
    const std::filesystem::path temporary =
        directory / (file_name + ".tmp" + std::to_string(static_cast<long>(::getpid())));
    {
      std::ofstream file(temporary, std::ios::binary);
      if (!file)
        return false;
      file << (channels == 1 ? "P5" : "P6") << "\n" << width << " " << height << "\n255\n";
      file.write(reinterpret_cast<const char*>(pixels),
                 static_cast<std::streamsize>(width) * height * channels);
      if (!file)
        return false;
    }
    std::filesystem::rename(temporary, path, error);
    if (error) {
      std::filesystem::remove(temporary, error);
      return false;
    }
    std::cout << "picture saved: " << std::filesystem::absolute(path, error).string() << "\n";
    return true;
  } catch (...) {
    return false;
  }
}

/// A gray picture (PGM).
inline bool save_pgm(const std::string& name, int width, int height,
                     const std::uint8_t* pixels) noexcept {
  return save_picture(name, width, height, 1, pixels);
}

/// An RGB picture (PPM), 3 bytes per pixel.
inline bool save_ppm(const std::string& name, int width, int height,
                     const std::uint8_t* pixels) noexcept {
  return save_picture(name, width, height, 3, pixels);
}

}  // namespace chapter2_grading
