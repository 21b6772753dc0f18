// Compatibility shim for libLibTorchSharp.so (TorchSharp 0.107) on systems whose libstdc++ predates
// GCC 13 (GLIBCXX_3.4.32). GCC 13 made every TU that includes <iostream> reference
// std::ios_base_library_init() so the stream objects are constructed before use; older libstdc++ does
// that through a static ios_base::Init, which is exactly what this function runs.
#include <ios>

namespace std {
void ios_base_library_init();
}

void std::ios_base_library_init() {
    static std::ios_base::Init init;
}
