// SPDX-License-Identifier: Apache-2.0
// Runs the fuzz harness over seed files without libFuzzer (any compiler), so
// the corpus is checked by every build. Arguments are files or directories
// (one level). Fails when no input was found.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  namespace fs = std::filesystem;
  size_t count = 0;
  auto feed = [&](const fs::path &file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    const std::string bytes = text.str();
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
    ++count;
  };
  for (int i = 1; i < argc; ++i) {
    fs::path arg(argv[i]);
    if (!fs::is_directory(arg)) {
      feed(arg);
      continue;
    }
    for (const fs::directory_entry &entry : fs::directory_iterator(arg)) {
      if (entry.is_regular_file()) feed(entry.path());
    }
  }
  std::printf("%zu inputs\n", count);
  return count > 0 ? 0 : 1;
}
